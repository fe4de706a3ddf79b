// PoolSource takes connections from the listen queue and the dispatch channel in turn
// when both hold some: preferring one starved the other under keep-alive load. tryNext()
// does the same without blocking, in the queues the caller saw ready.

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "net/fd_passing.h"
#include "worker/connection_source.h"

namespace fpmd::worker {
namespace {

ino_t inodeOf(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st.st_ino;
}

class PoolSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // Abstract name: nothing to clean up.
    std::string name = "fpmd-pool-source-test-" + std::to_string(::getpid());
    name.copy(address.sun_path + 1, sizeof(address.sun_path) - 2);
    socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ASSERT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(listener_.get(), 16), 0);
    address_ = address;
    length_ = length;
    ASSERT_TRUE(net::makeFdChannel(dispatch_master_, dispatch_worker_));
  }

  /// A new connection waiting in the listen queue.
  void connectOne() {
    UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&address_), length_), 0);
    clients_.push_back(std::move(client));
  }

  /// A kept connection the master dispatches; remembered by inode.
  void dispatchOne() {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    UniqueFd ours(pair[0]);
    clients_.emplace_back(pair[1]);
    dispatched_.push_back(inodeOf(ours.get()));
    ASSERT_TRUE(net::sendFd(dispatch_master_.get(), ours.get()));
  }

  /// 'd' for a dispatched connection, 'l' for one from the listen queue.
  char kindOf(const IncomingConnection& incoming) {
    EXPECT_TRUE(incoming.fd.valid());
    ino_t inode = inodeOf(incoming.fd.get());
    for (ino_t d : dispatched_) {
      if (d == inode) return 'd';
    }
    return 'l';
  }

  UniqueFd listener_;
  sockaddr_un address_{};
  socklen_t length_ = 0;
  UniqueFd dispatch_master_, dispatch_worker_;
  std::vector<UniqueFd> clients_;
  std::vector<ino_t> dispatched_;
};

TEST_F(PoolSourceTest, TakesFromBothQueuesInTurn) {
  for (int i = 0; i < 3; ++i) {
    connectOne();
    dispatchOne();
  }
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  std::string order;
  for (int i = 0; i < 6; ++i) order += kindOf(source.next());
  EXPECT_EQ(order, "dldldl");
}

TEST_F(PoolSourceTest, WhenOneQueueEmptiesTheOtherIsDrained) {
  for (int i = 0; i < 2; ++i) connectOne();
  dispatchOne();
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  std::string order;
  for (int i = 0; i < 3; ++i) order += kindOf(source.next());
  EXPECT_EQ(order, "dll");
}

TEST_F(PoolSourceTest, TheTurnCarriesAcrossCalls) {
  connectOne();
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  EXPECT_EQ(kindOf(source.next()), 'l');
  // The listen queue was served last: with both waiting, the dispatched one goes first.
  connectOne();
  dispatchOne();
  EXPECT_EQ(kindOf(source.next()), 'd');
  EXPECT_EQ(kindOf(source.next()), 'l');
}

/// tryNext() that must not ask to stop.
IncomingConnection tryNext(PoolSource& source, bool listen_ready, bool dispatch_ready) {
  IncomingConnection incoming;
  EXPECT_TRUE(source.tryNext(listen_ready, dispatch_ready, incoming));
  return incoming;
}

TEST_F(PoolSourceTest, TryNextReturnsAtOnceWhenNothingWaits) {
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  EXPECT_FALSE(tryNext(source, true, true).fd.valid());
}

TEST_F(PoolSourceTest, TryNextLooksOnlyWhereItWasToldSomethingWaits) {
  connectOne();
  dispatchOne();
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  EXPECT_EQ(kindOf(tryNext(source, true, false)), 'l');
  EXPECT_FALSE(tryNext(source, true, false).fd.valid());
  EXPECT_EQ(kindOf(tryNext(source, false, true)), 'd');
}

TEST_F(PoolSourceTest, TryNextAsksToStopWhenTheListenerIsGone) {
  // What the graceful-stop handler leaves behind: an unbound socket, accept() fails.
  UniqueFd unbound(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  PoolSource source(unbound.get(), dispatch_worker_.get(), net::AllowedClients{});
  IncomingConnection incoming;
  EXPECT_FALSE(source.tryNext(true, false, incoming));
  EXPECT_FALSE(incoming.fd.valid());
}

TEST_F(PoolSourceTest, TryNextTakesInTurnToo) {
  for (int i = 0; i < 2; ++i) {
    connectOne();
    dispatchOne();
  }
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  std::string order;
  for (int i = 0; i < 4; ++i) order += kindOf(tryNext(source, true, true));
  EXPECT_EQ(order, "dldl");
}

TEST_F(PoolSourceTest, OnlyADispatchedConnectionIsKnownToHaveItsRequest) {
  connectOne();
  dispatchOne();
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{});
  IncomingConnection dispatched = source.next();
  ASSERT_EQ(kindOf(dispatched), 'd');
  EXPECT_TRUE(dispatched.request_waiting);
  IncomingConnection accepted = source.next();
  ASSERT_EQ(kindOf(accepted), 'l');
  EXPECT_FALSE(accepted.request_waiting);
}

}  // namespace
}  // namespace fpmd::worker

namespace fpmd::worker {
namespace {

// With the pool's scoreboard, the count of queued connections tells next() whether the
// dispatch channel is worth asking; a wrong count may cost a wait, never a connection.
TEST_F(PoolSourceTest, CountedDispatchIsTakenAndUncounted) {
  scoreboard::Scoreboard board(1, "www", 0);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  ASSERT_TRUE(queueDispatched(&board, dispatch_master_.get(), ours.get()));
  EXPECT_TRUE(board.dispatchMayHold());
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{}, &board);
  IncomingConnection incoming = source.next();
  EXPECT_EQ(inodeOf(incoming.fd.get()), inodeOf(ours.get()));
  EXPECT_TRUE(incoming.request_waiting);
  EXPECT_FALSE(board.dispatchMayHold());
}

TEST_F(PoolSourceTest, AnUncountedDispatchIsStillTaken) {
  scoreboard::Scoreboard board(1, "www", 0);
  dispatchOne();  // sent without queueDispatched: the count says the channel is empty
  ASSERT_FALSE(board.dispatchMayHold());
  PoolSource source(listener_.get(), dispatch_worker_.get(), net::AllowedClients{}, &board);
  EXPECT_EQ(kindOf(source.next()), 'd');
}

TEST_F(PoolSourceTest, AFailedQueueingIsNotCounted) {
  scoreboard::Scoreboard board(1, "www", 0);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  EXPECT_FALSE(queueDispatched(&board, -1, ours.get()));
  EXPECT_FALSE(board.dispatchMayHold());
}

}  // namespace
}  // namespace fpmd::worker

namespace fpmd::worker {
namespace {

uint64_t readCounter(int eventfd) {
  uint64_t value = 0;
  return ::read(eventfd, &value, sizeof(value)) == sizeof(value) ? value : 0;
}

// request_queue_timeout: the master sends one connection per ask. A worker that took one
// without asking would take another worker's, which would then wait with its ask spent
// (the pool served 35 requests a second instead of 370).
TEST_F(PoolSourceTest, WithTheMastersQueueEveryConnectionTakenWasAskedFor) {
  scoreboard::Scoreboard board(1, "www", 0);
  UniqueFd credits(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ASSERT_TRUE(credits.valid());
  PoolSource source(-1, dispatch_worker_.get(), net::AllowedClients{}, &board);
  source.askForEachConnection(credits.get());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    UniqueFd ours(pair[0]), theirs(pair[1]);
    // Already in the channel (sent for someone's earlier ask) before this worker looks.
    ASSERT_TRUE(queueDispatched(&board, dispatch_master_.get(), ours.get()));
    IncomingConnection incoming = source.next();
    EXPECT_EQ(inodeOf(incoming.fd.get()), inodeOf(ours.get()));
    EXPECT_EQ(readCounter(credits.get()), 1u);
  }
}

}  // namespace
}  // namespace fpmd::worker
