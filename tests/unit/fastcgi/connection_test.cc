// Connection over a socketpair: the test plays the web server on the other end.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fastcgi/client_codec.h"
#include "fastcgi/connection.h"
#include "fastcgi/record_encoder.h"
#include "fastcgi/socket_io.h"
#include "log/log.h"
#include "unit/log_capture.h"

namespace fpmd::fastcgi {
namespace {

using namespace std::string_literals;

using testing::LogCapture;

std::string request(uint16_t id, const ParamList& params, std::string_view body,
                    bool keep_conn = false) {
  std::string bytes;
  appendBeginRequest(bytes, id, Role::Responder, keep_conn);
  appendParams(bytes, id, params);
  appendStdin(bytes, id, body);
  return bytes;
}

std::string readBody(cgi::BodySource& body, size_t chunk = 4096) {
  std::string out;
  std::string buf(chunk, '\0');
  long n;
  while ((n = body.read(buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  EXPECT_EQ(n, 0);
  return out;
}

class FastcgiConnectionTest : public ::testing::Test {
 protected:
  void open(int type = SOCK_STREAM, std::string preread = {}) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
    peer_.reset(sv[1]);
    conn_.emplace(UniqueFd(sv[0]), ServerValues{5, 7}, std::move(preread));
  }
  void SetUp() override { open(); }

  Connection& conn() { return *conn_; }
  void send(std::string_view bytes) {
    ASSERT_TRUE(writeAll(peer_.get(), bytes.data(), bytes.size()));
  }
  void closePeerWrites() { ::shutdown(peer_.get(), SHUT_WR); }

  // Reads the peer's side until `reader` completes.
  void await(ResponseReader& reader) {
    char buf[65536];
    for (;;) {
      std::string_view data(pending_);
      auto state = reader.feed(data);
      pending_.erase(0, pending_.size() - data.size());
      if (state != ResponseReader::State::InProgress) return;
      long n = readSome(peer_.get(), buf, sizeof buf);
      ASSERT_GT(n, 0) << "connection closed before the response";
      pending_.append(buf, n);
    }
  }
  // Everything the server sent, once it dropped the connection.
  std::string receiveAll() {
    conn_.reset();
    std::string out = pending_;
    pending_.clear();
    char buf[65536];
    long n;
    while ((n = readSome(peer_.get(), buf, sizeof buf)) > 0) out.append(buf, n);
    return out;
  }

  std::optional<Connection> conn_;
  UniqueFd peer_;
  std::string pending_;
  cgi::Params params_;
};

TEST_F(FastcgiConnectionTest, ServesAFullRequest) {
  std::string long_value(300, 'v');
  send(request(1, {{"SCRIPT_FILENAME", "/srv/a.php"}, {"LONG", long_value}}, "hello"));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(conn().requestId(), 1);
  EXPECT_FALSE(conn().keepConn());
  ASSERT_EQ(params_.size(), 3u);
  EXPECT_EQ(params_.entries()[0], (cgi::Params::Entry{"FCGI_ROLE", "RESPONDER"}));
  EXPECT_EQ(params_.get("SCRIPT_FILENAME"), "/srv/a.php");
  EXPECT_EQ(params_.get("LONG"), long_value);
  EXPECT_EQ(readBody(conn().body()), "hello");
  EXPECT_EQ(conn().body().read(nullptr, 0), 0);

  EXPECT_TRUE(conn().sink().writeOut("hi"));
  EXPECT_TRUE(conn().sink().finish());
  EXPECT_TRUE(conn().sink().finished());
  EXPECT_FALSE(conn().sink().finish());
  EXPECT_FALSE(conn().sink().writeOut("late"));
  EXPECT_FALSE(conn().reusable());
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Closed);
  EXPECT_EQ(receiveAll(),
            "\x01\x06\x00\x01\x00\x02\x06\x00"
            "hi\0\0\0\0\0\0"                    // STDOUT "hi", padded
            "\x01\x06\x00\x01\x00\x00\x00\x00"  // empty STDOUT
            "\x01\x03\x00\x01\x00\x08\x00\x00"
            "\0\0\0\0\0\0\0\0"s);  // END_REQUEST complete
}

TEST_F(FastcgiConnectionTest, SmallResponseGoesOutInOneWrite) {
  // SOCK_SEQPACKET keeps write boundaries: one recv() is one write().
  open(SOCK_SEQPACKET);
  send(request(1, {{"A", "1"}}, ""));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(readBody(conn().body()), "");
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(conn().sink().writeOut("0123456789"));
  EXPECT_TRUE(conn().sink().writeErr("warning"));
  EXPECT_TRUE(conn().sink().writeOut("tail"));
  EXPECT_TRUE(conn().sink().finish());

  std::string message(1 << 20, '\0');
  ssize_t n = ::recv(peer_.get(), message.data(), message.size(), MSG_DONTWAIT);
  ASSERT_GT(n, 0);
  message.resize(n);
  std::string expected;
  appendRecord(expected, RecordType::Stdout, 1, std::string(1000, 'x'));
  for (int i = 0; i < 100; ++i) std::memcpy(expected.data() + 8 + 10 * i, "0123456789", 10);
  appendRecord(expected, RecordType::Stderr, 1, "warning");
  appendRecord(expected, RecordType::Stdout, 1, "tail");
  appendRecord(expected, RecordType::Stderr, 1, {});
  appendRecord(expected, RecordType::Stdout, 1, {});
  appendEndRequest(expected, 1, 0, ProtocolStatus::RequestComplete);
  EXPECT_EQ(message, expected);
  EXPECT_LT(::recv(peer_.get(), message.data(), message.size(), MSG_DONTWAIT), 0);
}

TEST_F(FastcgiConnectionTest, KeepsTheConnectionForASecondRequest) {
  send(request(1, {{"N", "first"}}, "unread body", true) +
       request(1, {{"N", "second"}}, "body two", true));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_TRUE(conn().keepConn());
  EXPECT_EQ(params_.get("N"), "first");
  EXPECT_FALSE(conn().reusable());  // not finished yet
  EXPECT_TRUE(conn().sink().writeOut("one"));
  EXPECT_TRUE(conn().sink().finish());
  EXPECT_TRUE(conn().reusable());

  ResponseReader reader(1);
  await(reader);
  EXPECT_EQ(reader.out(), "one");

  // The first body was never read: readRequest drains it.
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(params_.get("N"), "second");
  EXPECT_EQ(params_.size(), 2u);
  EXPECT_EQ(readBody(conn().body(), 3), "body two");
  EXPECT_TRUE(conn().sink().writeOut("two"));
  EXPECT_TRUE(conn().sink().finish());
  reader.reset(1);
  await(reader);
  EXPECT_EQ(reader.out(), "two");

  closePeerWrites();
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Closed);
}

TEST_F(FastcgiConnectionTest, UsesPrereadBytesFirst) {
  std::string bytes = request(1, {{"X", "y"}}, "body");
  open(SOCK_STREAM, bytes.substr(0, 13));
  send(bytes.substr(13));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(params_.get("X"), "y");
  EXPECT_EQ(readBody(conn().body()), "body");
}

TEST_F(FastcgiConnectionTest, AnswersGetValuesAndUnknownTypes) {
  std::string bytes;
  std::vector<std::string_view> names = {"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "NOPE",
                                         "FCGI_MPXS_CONNS"};
  appendGetValues(bytes, names);
  appendRecord(bytes, static_cast<RecordType>(42), 0, "what");
  appendRecord(bytes, static_cast<RecordType>(200), 1, {});
  send(bytes + request(1, {}, ""));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);

  ResponseReader values(0);
  await(values);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"FCGI_MAX_CONNS", "5"}, {"FCGI_MAX_REQS", "7"}, {"FCGI_MPXS_CONNS", "0"}};
  EXPECT_EQ(values.values(), expected);

  EXPECT_TRUE(conn().sink().finish());
  ResponseReader reader(1);
  await(reader);
  EXPECT_EQ(reader.state(), ResponseReader::State::Complete);
  EXPECT_EQ(reader.unknownTypes(), (std::vector<uint8_t>{42, 200}));
}

TEST_F(FastcgiConnectionTest, RefusesMultiplexing) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, false);
  appendParams(bytes, 1, {});
  appendStdin(bytes, 1, "one", false);
  bytes += request(2, {{"OTHER", "1"}}, "two");  // refused; its records are ignored
  appendStdin(bytes, 1, "!");
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(readBody(conn().body()), "one!");

  ResponseReader refused(2);
  await(refused);
  EXPECT_EQ(refused.protocolStatus(), ProtocolStatus::CantMpxConn);
  EXPECT_TRUE(conn().sink().finish());
  ResponseReader reader(1);
  await(reader);
  EXPECT_EQ(reader.protocolStatus(), ProtocolStatus::RequestComplete);
}

TEST_F(FastcgiConnectionTest, RefusesOtherRoles) {
  LogCapture log;
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Authorizer, true);
  appendParams(bytes, 1, {{"IGNORED", "1"}});
  bytes += request(2, {{"N", "next"}}, "");
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_EQ(conn().requestId(), 2);
  EXPECT_EQ(params_.get("N"), "next");
  EXPECT_FALSE(params_.has("IGNORED"));
  ResponseReader refused(1);
  await(refused);
  EXPECT_EQ(refused.protocolStatus(), ProtocolStatus::UnknownRole);
  EXPECT_EQ(log.lineCount(), 1);
  EXPECT_NE(log.text().find("role 2"), std::string::npos) << log.text();
}

TEST_F(FastcgiConnectionTest, AbortStopsBodyAndOutput) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, true);
  appendParams(bytes, 1, {});
  appendStdin(bytes, 1, "abc", false);
  appendAbortRequest(bytes, 1);
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  char buf[16];
  EXPECT_EQ(conn().body().read(buf, sizeof buf), 3);
  EXPECT_FALSE(conn().aborted());
  EXPECT_EQ(conn().body().read(buf, sizeof buf), -1);
  EXPECT_TRUE(conn().aborted());
  EXPECT_TRUE(conn().sink().aborted());
  EXPECT_FALSE(conn().sink().writeOut("x"));
  EXPECT_FALSE(conn().sink().flush());
  // The web server still gets its END_REQUEST.
  EXPECT_FALSE(conn().sink().finish());
  EXPECT_FALSE(conn().reusable());
  ResponseReader reader(1);
  await(reader);
  EXPECT_EQ(reader.state(), ResponseReader::State::Complete);
  EXPECT_EQ(reader.out(), "");
}

TEST_F(FastcgiConnectionTest, AbortWhileStreamingIsSeenAtFlush) {
  // A GET: the script never reads stdin. The abort arrives while it streams output.
  std::string bytes = request(1, {{"REQUEST_METHOD", "GET"}}, "");
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_TRUE(conn().sink().writeOut("partial"));
  EXPECT_TRUE(conn().sink().flush());
  std::string abort;
  appendAbortRequest(abort, 1);
  send(abort);
  EXPECT_TRUE(conn().sink().writeOut("more"));
  EXPECT_FALSE(conn().sink().flush());
  EXPECT_TRUE(conn().aborted());
}

TEST_F(FastcgiConnectionTest, FlushLeavesUnreadStdinForTheBody) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, false);
  appendParams(bytes, 1, {});
  appendStdin(bytes, 1, "body bytes");
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_TRUE(conn().sink().writeOut("early output"));
  EXPECT_TRUE(conn().sink().flush());
  EXPECT_FALSE(conn().aborted());
  EXPECT_EQ(readBody(conn().body()), "body bytes");
}

TEST_F(FastcgiConnectionTest, AbortBeforeTheParamsEnd) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, true);
  appendRecord(bytes, RecordType::Params, 1,
               "\x01\x01"
               "AB");
  appendAbortRequest(bytes, 1);
  bytes += request(1, {{"C", "D"}}, "");
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  EXPECT_FALSE(params_.has("A"));
  EXPECT_EQ(params_.get("C"), "D");
  ResponseReader aborted(1);
  await(aborted);
  EXPECT_EQ(aborted.state(), ResponseReader::State::Complete);
}

TEST_F(FastcgiConnectionTest, StreamsAMegabyteBodyBothWays) {
  std::string body(1 << 20, '\0');
  std::mt19937 rng(42);
  for (char& c : body) c = static_cast<char>(rng());
  std::string echoed;
  std::thread web_server([&] {
    std::string bytes;
    appendBeginRequest(bytes, 1, Role::Responder, false);
    appendParams(bytes, 1, {{"CONTENT_LENGTH", std::to_string(body.size())}});
    // Uneven record sizes, padded, as another web server might send them.
    for (size_t pos = 0, n = 1; pos < body.size(); pos += n, n = n * 7 % 65521 + 1) {
      n = std::min(n, body.size() - pos);
      appendRecord(bytes, RecordType::Stdin, 1, std::string_view(body).substr(pos, n));
    }
    appendRecord(bytes, RecordType::Stdin, 1, {});
    send(bytes);
    ResponseReader reader(1);
    await(reader);
    echoed = reader.out();
  });
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  std::string received = readBody(conn().body(), 7919);
  EXPECT_EQ(received.size(), body.size());
  EXPECT_TRUE(received == body);
  EXPECT_TRUE(conn().sink().writeOut(received));
  EXPECT_TRUE(conn().sink().finish());
  web_server.join();
  EXPECT_EQ(echoed.size(), body.size());
  EXPECT_TRUE(echoed == body);
}

TEST_F(FastcgiConnectionTest, PeerClosingInTheParamsIsAnError) {
  LogCapture log;
  std::string bytes = request(1, {{"NAME", "value"}}, "");
  send(bytes.substr(0, 20));
  closePeerWrites();
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Error);
  EXPECT_EQ(log.lineCount(), 1);
  EXPECT_NE(log.text().find("closed in the middle of a request"), std::string::npos);
}

TEST_F(FastcgiConnectionTest, PeerClosingInTheBodyAborts) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, true);
  appendParams(bytes, 1, {});
  appendStdin(bytes, 1, "part", false);
  send(bytes);
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  peer_.reset();
  char buf[16];
  EXPECT_EQ(conn().body().read(buf, sizeof buf), 4);
  EXPECT_EQ(conn().body().read(buf, sizeof buf), -1);
  EXPECT_TRUE(conn().aborted());
  EXPECT_FALSE(conn().sink().writeOut("x"));
  EXPECT_FALSE(conn().sink().finish());
  EXPECT_FALSE(conn().reusable());
}

TEST_F(FastcgiConnectionTest, VanishedPeerMakesWritesFail) {
  send(request(1, {}, ""));
  ASSERT_EQ(conn().readRequest(params_), Connection::ReadResult::Request);
  peer_.reset();
  EXPECT_TRUE(conn().sink().writeOut("buffered"));
  EXPECT_FALSE(conn().sink().flush());  // EPIPE, not SIGPIPE
  EXPECT_TRUE(conn().aborted());
  EXPECT_FALSE(conn().sink().finish());
}

TEST_F(FastcgiConnectionTest, CleanCloseBeforeARequest) {
  closePeerWrites();
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Closed);
}

struct Malformed {
  const char* name;
  std::string bytes;
  const char* logged;
};

class FastcgiMalformedTest : public FastcgiConnectionTest,
                             public ::testing::WithParamInterface<Malformed> {};

TEST_P(FastcgiMalformedTest, DropsTheConnectionWithOneLogLine) {
  LogCapture log;
  send(GetParam().bytes);
  closePeerWrites();
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Error);
  EXPECT_EQ(log.lineCount(), 1) << log.text();
  EXPECT_NE(log.text().find(GetParam().logged), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("unix socket"), std::string::npos) << log.text();
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Error);
  EXPECT_EQ(log.lineCount(), 1);
}

std::string withBegin(std::string rest) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, false);
  return bytes + rest;
}

std::string record(RecordType type, uint16_t id, std::string_view content) {
  std::string bytes;
  appendRecord(bytes, type, id, content);
  return bytes;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, FastcgiMalformedTest,
    ::testing::Values(
        Malformed{"BadVersion", "\x00\x01\x00\x01\x00\x08\x00\x00"s, "version 0"},
        Malformed{"HttpRequest", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "version 71"},
        Malformed{"ShortBegin", record(RecordType::BeginRequest, 1, "\x00\x01"), "BEGIN_REQUEST"},
        Malformed{"TruncatedPair",
                  withBegin(record(RecordType::Params, 1,
                                   "\x04\x09"
                                   "NAMEval") +
                            record(RecordType::Params, 1, {})),
                  "malformed FastCGI params"},
        Malformed{"StdinBeforeParamsEnd", withBegin(record(RecordType::Stdin, 1, "x")),
                  "STDIN before the end of PARAMS"},
        Malformed{"StdoutFromServer", record(RecordType::Stdout, 1, "x"),
                  "unexpected record type 6"},
        Malformed{"SecondBegin", withBegin(withBegin("")), "second BEGIN_REQUEST"},
        Malformed{"BadGetValues", record(RecordType::GetValues, 0, "\x7f"), "FCGI_GET_VALUES"},
        Malformed{"TruncatedRecord",
                  withBegin("\x01\x04\x00\x01\x00\x10\x00\x00"
                            "abc"),
                  "closed in the middle"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(FastcgiConnectionTest, ParamsLargerThanTheCapAreAnError) {
  LogCapture log;
  std::thread web_server([&] {
    std::string bytes;
    appendBeginRequest(bytes, 1, Role::Responder, false);
    appendParams(bytes, 1, {{"HUGE", std::string(kDefaultMaxParamsSize, 'h')}});
    // The server stops reading at the cap: the rest may not fit the socket buffer.
    (void)writeAll(peer_.get(), bytes.data(), bytes.size());
  });
  EXPECT_EQ(conn().readRequest(params_), Connection::ReadResult::Error);
  conn_.reset();  // unblocks the writer
  web_server.join();
  EXPECT_EQ(log.lineCount(), 1);
  EXPECT_NE(log.text().find("params larger than 1048576 bytes"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace fpmd::fastcgi
