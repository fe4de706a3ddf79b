// Connection::readRequest with an IdleWait: while no request has begun, every read is
// asked for first, so a worker can watch a stop and hand an idle connection back; once
// BEGIN_REQUEST has arrived, reads no longer ask. The test plays the web server on the
// other end of a socketpair, sending from inside the wait when the scenario needs it.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastcgi/client_codec.h"
#include "fastcgi/connection.h"
#include "fastcgi/record_encoder.h"
#include "fastcgi/socket_io.h"

namespace fpmd::fastcgi {
namespace {

/// Records each question; `answer` decides (and may send bytes first).
class ScriptedWait : public Connection::IdleWait {
 public:
  std::function<bool(bool partial)> answer = [](bool) { return false; };
  std::vector<bool> asked;  // `partial` of each call

  bool waitReadable(int, bool partial) override {
    asked.push_back(partial);
    return answer(partial);
  }
};

std::string beginRequest(uint16_t id, bool keep_conn) {
  std::string bytes;
  appendBeginRequest(bytes, id, Role::Responder, keep_conn);
  return bytes;
}

std::string params(uint16_t id) {
  std::string bytes;
  appendParams(bytes, id, {{"SCRIPT_FILENAME", "/srv/a.php"}});
  return bytes;
}

std::string stdinEnd(uint16_t id) {
  std::string bytes;
  appendStdin(bytes, id, {});
  return bytes;
}

class FastcgiIdleWaitTest : public ::testing::Test {
 protected:
  void open(int type) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
    peer_.reset(sv[1]);
    conn_.emplace(UniqueFd(sv[0]), ServerValues{5, 7});
  }
  void SetUp() override { open(SOCK_STREAM); }

  Connection& conn() { return *conn_; }
  void send(std::string_view bytes) {
    ASSERT_TRUE(writeAll(peer_.get(), bytes.data(), bytes.size()));
  }
  /// Serves one kept-alive request whose body the script does not read.
  void serveKeptRequest(uint16_t id, bool with_stdin_end) {
    send(beginRequest(id, true) + params(id) + (with_stdin_end ? stdinEnd(id) : ""));
    ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
    ASSERT_TRUE(conn().sink().finish());
    ASSERT_TRUE(conn().reusable());
    wait_.asked.clear();
  }

  std::optional<Connection> conn_;
  UniqueFd peer_;
  cgi::Params params_;
  ScriptedWait wait_;
};

TEST_F(FastcgiIdleWaitTest, AKeptConnectionBetweenRequestsIsIdle) {
  serveKeptRequest(1, true);
  EXPECT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::Idle);
  EXPECT_EQ(wait_.asked, std::vector<bool>{false});
  EXPECT_FALSE(conn().hasBufferedInput());  // it can travel to another process
}

TEST_F(FastcgiIdleWaitTest, TheLateEndOfTheLastBodyIsNotTakenForTheNextRequest) {
  // The old hang: the empty STDIN record arrives after the response. Reading it is part
  // of the previous request; the read after it waits for a request that may never come,
  // so it must be asked for.
  serveKeptRequest(1, false);
  send(stdinEnd(1));
  EXPECT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::Idle);
  EXPECT_EQ(wait_.asked, std::vector<bool>{false});
}

TEST_F(FastcgiIdleWaitTest, TheNextRequestIsReadOnceTheWaitSaysReadable) {
  serveKeptRequest(1, true);
  wait_.answer = [this](bool) {
    send(beginRequest(2, true) + params(2) + stdinEnd(2));
    return true;
  };
  ASSERT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::Request);
  EXPECT_EQ(conn().requestId(), 2);
  EXPECT_EQ(params_.get("SCRIPT_FILENAME"), "/srv/a.php");
  EXPECT_EQ(wait_.asked, std::vector<bool>{false});
}

TEST_F(FastcgiIdleWaitTest, GivingUpOnHalfARecordHeaderTimesTheRequestOut) {
  serveKeptRequest(1, true);
  wait_.answer = [this](bool partial) {
    if (!partial) send(beginRequest(2, true).substr(0, 4));
    return !partial;  // then give up on the rest
  };
  EXPECT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::TimedOut);
  EXPECT_EQ(wait_.asked, (std::vector<bool>{false, true}));
}

TEST_F(FastcgiIdleWaitTest, AFirstRequestIsWaitedForToo) {
  EXPECT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::Idle);
  EXPECT_EQ(wait_.asked, std::vector<bool>{false});
}

TEST_F(FastcgiIdleWaitTest, ReadsUntilTheEndOfParamsAskAsPartOfARequest) {
  // One record per read: BEGIN_REQUEST comes alone, PARAMS in a later read. A client
  // that stops after BEGIN_REQUEST must not hold the reader in a blocking read.
  open(SOCK_SEQPACKET);
  wait_.answer = [this](bool partial) {
    if (!partial) {
      send(beginRequest(1, false));
    } else {
      send(params(1));
    }
    return true;
  };
  ASSERT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::Request);
  EXPECT_EQ(wait_.asked, (std::vector<bool>{false, true}));
}

TEST_F(FastcgiIdleWaitTest, GivingUpAfterBeginRequestTimesTheRequestOut) {
  open(SOCK_SEQPACKET);
  wait_.answer = [this](bool partial) {
    if (!partial) send(beginRequest(1, false));
    return !partial;  // the params never come
  };
  EXPECT_EQ(conn().readRequest(params_, &wait_), Connection::ReadResult::TimedOut);
  EXPECT_EQ(wait_.asked, (std::vector<bool>{false, true}));
}

TEST_F(FastcgiIdleWaitTest, WithoutAWaitReadsBlockAsBefore) {
  send(beginRequest(1, false) + params(1));
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
}

}  // namespace
}  // namespace fpmd::fastcgi

namespace fpmd::fastcgi {
namespace {

/// A wait that asks for a read first, as a worker does on a new connection.
class ReadFirstWait : public ScriptedWait {
 public:
  bool readBeforeWaiting() override {
    ++read_first_asks;
    return read_first_asks == 1;
  }
  int read_first_asks = 0;
};

TEST_F(FastcgiIdleWaitTest, ARequestAlreadyThereIsReadWithoutWaiting) {
  send(beginRequest(1, false) + params(1) + stdinEnd(1));
  ReadFirstWait wait;
  ASSERT_EQ(conn().readRequest(params_, &wait), Connection::ReadResult::Request);
  EXPECT_EQ(params_.get("SCRIPT_FILENAME"), "/srv/a.php");
  EXPECT_TRUE(wait.asked.empty());  // no poll()
}

TEST_F(FastcgiIdleWaitTest, ARequestNotThereYetIsWaitedFor) {
  ReadFirstWait wait;
  wait.answer = [this](bool) {
    send(beginRequest(1, false) + params(1) + stdinEnd(1));
    return true;
  };
  ASSERT_EQ(conn().readRequest(params_, &wait), Connection::ReadResult::Request);
  EXPECT_EQ(wait.asked, std::vector<bool>{false});
}

}  // namespace
}  // namespace fpmd::fastcgi
