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
  UniqueFd received = receiveFd(right.get());
  ASSERT_TRUE(received.valid());
  ASSERT_EQ(::write(peer.get(), "ping", 4), 4);
  char buf[8] = {};
  EXPECT_EQ(::read(received.get(), buf, sizeof(buf)), 4);
  EXPECT_STREQ(buf, "ping");
}

TEST(FdPassing, AnFdThatCannotBeInstalledIsReportedAsEmfile) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  int conn[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, conn), 0);
  UniqueFd ours(conn[0]), peer(conn[1]);
  ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ASSERT_TRUE(sendFd(left.get(), ours.get()));
  ours.reset();
  // No fd left to install the received one in: the process is at its limit.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<UniqueFd> filler;
  rlimit low{64, saved.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  for (;;) {
    int fd = ::dup(left.get());
    if (fd < 0) break;
    filler.emplace_back(fd);
  }
  UniqueFd lost = receiveFd(right.get());
  int err = errno;
  filler.clear();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_FALSE(lost.valid());
  EXPECT_EQ(err, EMFILE);
  // The next message is read on, and fits again.
  EXPECT_TRUE(receiveFd(right.get()).valid());
}

TEST(FdPassing, EmptyChannelDoesNotBlock) {
  UniqueFd left, right;
  ASSERT_TRUE(makeFdChannel(left, right));
  UniqueFd nothing = receiveFd(right.get());
  EXPECT_FALSE(nothing.valid());
  EXPECT_EQ(errno, EAGAIN);
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
  UniqueFd first = receiveFd(right.get());
  UniqueFd again = receiveFd(second_reader);
  EXPECT_TRUE(first.valid());
  EXPECT_FALSE(again.valid());
  ::close(second_reader);
}

}  // namespace
}  // namespace fpmd::net
