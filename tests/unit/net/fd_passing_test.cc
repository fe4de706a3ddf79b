#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "net/fd_passing.h"

namespace fpmd::net {
namespace {

TEST(FdPassing, AConnectionCrossesTheChannelAndStillWorks) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  int conn[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
  UniqueFd ours(conn[0]), peer(conn[1]);

  ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ours.reset();  // the sender closes its copy; the connection lives on in the message
  ReceivedFd message = receiveFd(right.get());
  ASSERT_EQ(message.outcome, ReceivedFd::Outcome::Fd);
  UniqueFd received = std::move(message.fd);
  ASSERT_TRUE(received.valid());
  ASSERT_EQ(::write(peer.get(), "ping", 4), 4);
  char buf[8] = {};
  EXPECT_EQ(::read(received.get(), buf, sizeof(buf)), 4);
  EXPECT_STREQ(buf, "ping");
}

/// Takes every fd the process may still open (its limit lowered to 64), so that the next
/// fd received cannot be installed; restore() gives them back.
class FdExhaustion {
 public:
  explicit FdExhaustion(int spare_source) {
    EXPECT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    rlimit low{64, saved_.rlim_max};
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    for (;;) {
      int fd = ::dup(spare_source);
      if (fd < 0) break;
      filler_.emplace_back(fd);
    }
  }
  ~FdExhaustion() { restore(); }
  void restore() {
    if (filler_.empty()) return;
    filler_.clear();
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &saved_), 0);
  }

 private:
  rlimit saved_{};
  std::vector<UniqueFd> filler_;
};

TEST(FdPassing, AnFdThatCannotBeInstalledIsReportedAsLost) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  int conn[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
  UniqueFd ours(conn[0]), peer(conn[1]);
  ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ours.reset();
  // No fd left to install the received one in: the process is at its limit.
  ReceivedFd lost;
  {
    FdExhaustion exhausted(left.get());
    lost = receiveFd(right.get());
  }
  EXPECT_EQ(lost.outcome, ReceivedFd::Outcome::Lost);
  EXPECT_FALSE(lost.fd.valid());
  // The next message is read on, and fits again.
  EXPECT_EQ(receiveFd(right.get()).outcome, ReceivedFd::Outcome::Fd);
}

TEST(FdPassing, ReceiveNextReadsPastLostMessages) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  int conn[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
  UniqueFd ours(conn[0]), peer(conn[1]);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ours.reset();
  FdExhaustion exhausted(left.get());
  int lost = 0;
  // The first message is lost; its report frees the fds, so the second fits.
  UniqueFd next = receiveNextFd(right.get(), [&] {
    ++lost;
    exhausted.restore();
  });
  EXPECT_EQ(lost, 1);
  EXPECT_TRUE(next.valid());
  EXPECT_TRUE(receiveNextFd(right.get(), [&] { ++lost; }).valid());
  EXPECT_FALSE(receiveNextFd(right.get(), [&] { ++lost; }).valid());  // empty now
  EXPECT_EQ(lost, 1);
}

TEST(FdPassing, EmptyChannelDoesNotBlock) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  ReceivedFd nothing = receiveFd(right.get());
  EXPECT_EQ(nothing.outcome, ReceivedFd::Outcome::Empty);
  EXPECT_FALSE(nothing.fd.valid());
}

TEST(FdPassing, EachMessageGoesToOneReader) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  int conn[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
  ASSERT_TRUE(sendFd(left.get(), conn[0]));
  ::close(conn[0]);
  ::close(conn[1]);
  int second_reader = ::dup(right.get());  // as a forked worker holds it
  ReceivedFd first = receiveFd(right.get());
  ReceivedFd again = receiveFd(second_reader);
  EXPECT_EQ(first.outcome, ReceivedFd::Outcome::Fd);
  EXPECT_EQ(again.outcome, ReceivedFd::Outcome::Empty);
  ::close(second_reader);
}

}  // namespace
}  // namespace fpmd::net
