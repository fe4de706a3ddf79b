// libFuzzer target: one FastCGI connection as a web server would drive it, several
// requests on a kept connection. The input is not the byte stream itself but a script of
// records to encode (BEGIN_REQUEST with or without KEEP_CONN, PARAMS split at any point,
// STDIN, ABORT_REQUEST, GET_VALUES, unknown types, garbage), so that most inputs reach the
// second and later requests instead of dying on a bad header.
//
// The stream then goes through both drivers of the one responder core (ResponderCore):
// - ResponderSession (the master's, I/O-free), fed whole and fed in chunks;
// - Connection (the workers', blocking) over a SOCK_SEQPACKET socketpair, where each chunk
//   is one packet so that every read() returns exactly one chunk, fed in 60000-byte packets
//   and in fuzzed chunks.
// Invariants: the outcome does not depend on how the stream was split; a script with no
// noise in it is served request by request with exactly the params and body encoded; every
// byte sent back parses as FastCGI records. ASan and -rss_limit_mb catch the rest.

#include <poll.h>
#include <sys/socket.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cgi/request.h"
#include "common/unique_fd.h"
#include "fastcgi/connection.h"
#include "fastcgi/name_value.h"
#include "fastcgi/protocol.h"
#include "fastcgi/record_parser.h"
#include "fastcgi/responder_session.h"
#include "log/log.h"

namespace {

using namespace fpmd;
using namespace fpmd::fastcgi;

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Bounds that keep one input fast; the codec's own caps are what is under test.
constexpr size_t kMaxStream = 4 * 1024 * 1024;
constexpr int kMaxRequests = 200;
constexpr size_t kWholePacket = 60000;  // below Connection's 64 KiB read buffer

[[noreturn]] void die(const char* what) {
  fprintf(stderr, "fastcgi_stream_fuzz: invariant broken: %s\n", what);
  abort();
}
void check(bool ok, const char* what) {
  if (!ok) die(what);
}

/// A request as encoded, for the noise-free case.
struct Expected {
  Pairs sent;  // in encoding order, repeated names included
  std::string body;
  bool keep = false;
};

/// The params a responder should decode from `sent`, after `first`: PHP-FPM's semantics,
/// a repeated name keeps its first place and takes the last value.
Pairs model(const Pairs& sent, Pairs first = {}) {
  Pairs out = std::move(first);
  for (const auto& [name, value] : sent) {
    bool found = false;
    for (auto& pair : out) {
      if (pair.first == name) {
        pair.second = value;
        found = true;
        break;
      }
    }
    if (!found) out.emplace_back(name, value);
  }
  return out;
}

/// Builds the byte stream from the script in the input.
class Script {
 public:
  explicit Script(FuzzedDataProvider& in) : in_(in) {}

  void build() {
    // Half the inputs hold no noise at all, so that the model's checks of several
    // requests in a row are reached often (one noisy record in ten would end most).
    const bool noise = in_.ConsumeBool();
    while (in_.remaining_bytes() > 0 && out_.size() < kMaxStream) {
      int op = in_.ConsumeIntegralInRange<int>(0, 15);
      if (!noise && op > 8) op = 0;
      switch (op) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
          request();
          break;
        case 7:
          getValues();
          break;
        case 8: {
          // A management record of another type: answered with UNKNOWN_TYPE by both.
          uint8_t type = in_.ConsumeIntegral<uint8_t>();
          // A malformed GET_VALUES ends the connection, which the model does not follow.
          if (type == static_cast<uint8_t>(RecordType::GetValues)) noisy_ = true;
          std::string content = in_.ConsumeRandomLengthString(64);
          record(type, 0, content);
          break;
        }
        case 9: {
          noisy_ = true;
          uint8_t type = in_.ConsumeBool() ? in_.ConsumeIntegralInRange<uint8_t>(12, 255) : 0;
          std::string content = in_.ConsumeRandomLengthString(64);
          record(type, id(), content);
          break;
        }
        case 10:
          noisy_ = true;
          record(static_cast<uint8_t>(RecordType::AbortRequest), id(), {});
          break;
        case 11:
          noisy_ = true;
          out_ += in_.ConsumeRandomLengthString(32);  // garbage, maybe a bad version
          break;
        case 12:
          noisy_ = true;
          begin(id(), in_.ConsumeIntegral<uint16_t>(), in_.ConsumeBool());
          break;
        case 13: {
          // A record of a type only applications send, or DATA, for some request.
          noisy_ = true;
          static constexpr RecordType kTypes[] = {
              RecordType::EndRequest,      RecordType::Stdout,
              RecordType::Stderr,          RecordType::Data,
              RecordType::GetValuesResult, RecordType::UnknownType,
              RecordType::Params,          RecordType::Stdin};
          RecordType type = kTypes[in_.ConsumeIntegralInRange<size_t>(0, 7)];
          record(static_cast<uint8_t>(type), id(), in_.ConsumeRandomLengthString(64));
          break;
        }
        case 14: {
          // A BEGIN_REQUEST body of the wrong size.
          noisy_ = true;
          record(static_cast<uint8_t>(RecordType::BeginRequest), id(),
                 in_.ConsumeRandomLengthString(16));
          break;
        }
        default:
          // Truncates the stream: whatever was complete must still be served.
          if (!out_.empty()) {
            noisy_ = true;
            out_.resize(in_.ConsumeIntegralInRange<size_t>(0, out_.size() - 1));
          }
          break;
      }
    }
  }

  const std::string& bytes() const { return out_; }
  const std::vector<Expected>& expected() const { return expected_; }
  /// False when the script holds anything whose effect the model does not follow.
  bool clean() const { return !noisy_; }

 private:
  uint16_t id() {
    // Mostly the ids in use, so that noise lands on live requests.
    if (in_.ConsumeBool()) return last_id_;
    return in_.ConsumeIntegral<uint16_t>();
  }

  void record(uint8_t type, uint16_t request_id, std::string_view content) {
    // Padding is legal in any length up to 255: both parsers must skip it.
    uint8_t padding =
        in_.ConsumeBool() ? paddingFor(content.size()) : in_.ConsumeIntegral<uint8_t>();
    RecordHeader header;
    header.type = type;
    header.request_id = request_id;
    header.content_length = static_cast<uint16_t>(content.size());
    header.padding_length = padding;
    unsigned char raw[kHeaderSize];
    encodeHeader(header, raw);
    out_.append(reinterpret_cast<const char*>(raw), kHeaderSize);
    out_.append(content);
    out_.append(padding, '\0');
  }

  void begin(uint16_t request_id, uint16_t role, bool keep) {
    std::string body(kBeginRequestBodySize, '\0');
    body[0] = static_cast<char>(role >> 8);
    body[1] = static_cast<char>(role & 0xff);
    body[2] = static_cast<char>(keep ? kKeepConn : 0);
    record(static_cast<uint8_t>(RecordType::BeginRequest), request_id, body);
  }

  /// Splits `data` into records of fuzzed sizes (1..65535), then the empty end record.
  void stream(RecordType type, uint16_t request_id, std::string_view data) {
    while (!data.empty()) {
      // Once the input is used up the provider answers its minimum: take whole records
      // then, not one-byte ones.
      size_t n = in_.remaining_bytes() == 0
                     ? kMaxContentLength
                     : in_.ConsumeIntegralInRange<size_t>(1, kMaxContentLength);
      if (in_.ConsumeBool()) n = std::min<size_t>(n, 300);  // small records are common
      n = std::min(n, data.size());
      record(static_cast<uint8_t>(type), request_id, data.substr(0, n));
      data.remove_prefix(n);
    }
    record(static_cast<uint8_t>(type), request_id, {});
  }

  std::string text() {
    std::string s = in_.ConsumeRandomLengthString(200);
    // Sometimes a long one, to reach the four-byte length encoding and values over 64 KiB
    // (the maximum, not the minimum, picks it: a used-up provider answers the minimum).
    if (in_.ConsumeIntegralInRange<int>(0, 31) == 31) {
      s.append(in_.ConsumeIntegralInRange<size_t>(100, 70000), s.empty() ? 'x' : s[0]);
    }
    return s;
  }

  void request() {
    if (expected_.size() >= static_cast<size_t>(kMaxRequests)) {
      noisy_ = true;  // the drivers below stop there
      return;
    }
    uint16_t request_id = in_.ConsumeIntegralInRange<uint16_t>(1, 0xffff);
    last_id_ = request_id;
    Expected expected;
    expected.keep = in_.ConsumeIntegralInRange<int>(0, 7) != 0;
    begin(request_id, static_cast<uint16_t>(Role::Responder), expected.keep);
    std::string pairs;
    const int count = in_.ConsumeIntegralInRange<int>(0, 16);
    for (int i = 0; i < count && in_.remaining_bytes() > 0; ++i) {
      std::string name = text();
      std::string value = text();
      appendNameValue(pairs, name, value);
      expected.sent.emplace_back(std::move(name), std::move(value));
    }
    // Over the cap the request is refused: both cores must do so the same way.
    if (pairs.size() > kDefaultMaxParamsSize) noisy_ = true;
    stream(RecordType::Params, request_id, pairs);
    expected.body = text();
    stream(RecordType::Stdin, request_id, expected.body);
    expected_.push_back(std::move(expected));
  }

  void getValues() {
    static constexpr std::string_view kNames[] = {kMaxConnsName, kMaxReqsName, kMpxsConnsName,
                                                  "FCGI_OTHER", ""};
    std::string query;
    const int count = in_.ConsumeIntegralInRange<int>(0, 6);
    for (int i = 0; i < count; ++i) {
      appendNameValue(query, kNames[in_.ConsumeIntegralInRange<size_t>(0, 4)],
                      in_.ConsumeBool() ? "" : "1");
    }
    record(static_cast<uint8_t>(RecordType::GetValues), 0, query);
  }

  FuzzedDataProvider& in_;
  std::string out_;
  std::vector<Expected> expected_;
  uint16_t last_id_ = 1;
  bool noisy_ = false;
};

/// Splits `bytes` at sizes cycling through `pattern`. A long stream gets larger pieces:
/// each packet costs a few system calls and a switch between threads, which dominates.
std::vector<std::string_view> chunks(std::string_view bytes, const std::vector<size_t>& pattern) {
  std::vector<std::string_view> out;
  const size_t floor = bytes.size() / 1024;
  for (size_t i = 0; !bytes.empty(); ++i) {
    size_t n = std::min(std::max(pattern[i % pattern.size()], floor), bytes.size());
    out.push_back(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  return out;
}

/// Every byte a responder sends must be well-formed records; returns how many END_REQUEST.
int countEndRequests(std::string_view sent) {
  RecordParser parser;
  Record record;
  int ends = 0;
  for (;;) {
    RecordParser::Status status = parser.next(sent, record);
    check(status != RecordParser::Status::Error, "a responder sent a malformed record");
    if (status == RecordParser::Status::NeedMore) break;
    if (record.type == static_cast<uint8_t>(RecordType::EndRequest)) {
      check(record.content.size() == kEndRequestBodySize, "END_REQUEST body size");
      ++ends;
    }
  }
  check(parser.atBoundary(), "a responder sent a partial record");
  return ends;
}

struct SessionRun {
  std::string out;
  std::vector<Pairs> answered;
  ResponderSession::State state = ResponderSession::State::Open;
  std::string error;
  bool operator==(const SessionRun&) const = default;
};

SessionRun runSession(const std::vector<std::string_view>& pieces) {
  SessionRun run;
  ResponderSession session([&run](const cgi::Params& params) {
    run.answered.emplace_back(params.entries().begin(), params.entries().end());
    return std::string("Content-Type: text/plain\r\n\r\n") + std::to_string(params.size());
  });
  for (std::string_view piece : pieces) {
    run.state = session.feed(piece, run.out);
    if (run.state != ResponderSession::State::Open) break;
  }
  run.error = session.error();
  return run;
}

/// The web server's end of the socketpair: sends the packets, then shuts its sending
/// side; meanwhile reads whatever the Connection answers, so that its writes never block.
class Peer {
 public:
  Peer(int fd, std::vector<std::string_view> packets)
      : fd_(fd), packets_(std::move(packets)), thread_([this] { run(); }) {}
  ~Peer() {
    if (thread_.joinable()) thread_.join();
  }
  /// Waits for the peer to see the Connection's side closed, then gives what it read.
  std::string received() {
    thread_.join();
    return std::move(received_);
  }

 private:
  void run() {
    size_t next = 0;
    bool shut = false;
    static thread_local char buf[70000];
    for (;;) {
      if (!shut && next == packets_.size()) {
        ::shutdown(fd_.get(), SHUT_WR);
        shut = true;
      }
      pollfd p{fd_.get(), static_cast<short>(POLLIN | (shut ? 0 : POLLOUT)), 0};
      if (::poll(&p, 1, -1) < 0) {
        if (errno == EINTR) continue;
        die("poll");
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
          received_.append(buf, static_cast<size_t>(n));
          continue;
        }
        // A unix socket closed with unread input reports ECONNRESET once, ahead of what
        // is still queued for us: read on, or the answer would depend on timing.
        if (n < 0 && errno == ECONNRESET) continue;
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;  // the Connection is gone
      }
      if (!shut && (p.revents & POLLOUT)) {
        std::string_view packet = packets_[next];
        ssize_t n = ::send(fd_.get(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(packet.size())) {
          ++next;
        } else if (n >= 0 || (errno != EAGAIN && errno != EINTR && errno != ENOBUFS)) {
          next = packets_.size();  // a reader that is gone: stop sending
        }
      }
    }
  }

  UniqueFd fd_;
  std::vector<std::string_view> packets_;
  std::string received_;
  std::thread thread_;
};

struct ConnectionRun {
  std::vector<Pairs> params;
  std::vector<std::string> bodies;
  std::vector<int> results;  // ReadResult of each readRequest(), then body read results
  bool operator==(const ConnectionRun&) const = default;
};

ConnectionRun runConnection(const std::vector<std::string_view>& packets,
                            const std::vector<size_t>& read_sizes, bool flushes,
                            std::string& sent) {
  ConnectionRun run;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
  std::string received;
  {
    Peer peer(sv[1], packets);
    {
      Connection connection(UniqueFd(sv[0]), ServerValues{4, 4});
      cgi::Params params;
      char buf[65536];
      size_t reads = 0;
      for (int i = 0; i < kMaxRequests; ++i) {
        Connection::ReadResult result = connection.readRequest(params);
        run.results.push_back(static_cast<int>(result));
        if (result != Connection::ReadResult::Request) break;
        check(params.size() > 0 && params.entries()[0].first == "FCGI_ROLE",
              "FCGI_ROLE comes first");
        run.params.emplace_back(params.entries().begin(), params.entries().end());
        std::string body;
        long n;
        while ((n = connection.body().read(buf, read_sizes[reads++ % read_sizes.size()])) > 0) {
          body.append(buf, static_cast<size_t>(n));
          connection.sink().writeOut(std::string_view(buf, static_cast<size_t>(n)));
          if (flushes) connection.sink().flush();
        }
        run.results.push_back(static_cast<int>(n));
        run.bodies.push_back(std::move(body));
        connection.sink().writeErr("e");
        connection.sink().finish();
        if (!connection.reusable()) break;
      }
    }  // closes the Connection's end: the peer sees EOF and returns
    received = peer.received();
  }
  sent = std::move(received);
  return run;
}

std::vector<size_t> pattern(FuzzedDataProvider& in, size_t max) {
  std::vector<size_t> sizes;
  const int count = in.ConsumeIntegralInRange<int>(1, 8);
  for (int i = 0; i < count; ++i) {
    // Mostly tiny pieces (splits inside headers and pairs), sometimes large ones.
    uint8_t b = in.ConsumeIntegral<uint8_t>();
    sizes.push_back(b < 200 ? b % 17 + 1 : std::min<size_t>(max, (b - 199u) * 1500u));
  }
  return sizes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed input is logged by design; keep the fuzzer's output readable.
  log::setLevel(log::Level::Alert);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // The first bytes choose how the stream is cut and read, the rest is the script.
  const std::vector<size_t> cut = pattern(in, kWholePacket);
  const std::vector<size_t> read_sizes = pattern(in, 65536);
  const bool flushes = in.ConsumeIntegralInRange<int>(0, 3) == 0;
  Script script(in);
  script.build();
  const std::string& bytes = script.bytes();

  // ResponderSession: the split must not matter.
  const SessionRun whole_session = runSession({std::string_view(bytes)});
  const SessionRun split_session = runSession(chunks(bytes, cut));
  check(whole_session == split_session, "ResponderSession depends on how input is split");
  (void)countEndRequests(whole_session.out);

  // Connection: the same, with packets as the unit of read().
  std::string sent_whole, sent_split;
  const ConnectionRun whole =
      runConnection(chunks(bytes, {kWholePacket}), read_sizes, false, sent_whole);
  const ConnectionRun split = runConnection(chunks(bytes, cut), read_sizes, flushes, sent_split);
  // With flush() the Connection looks for an abort among bytes that may or may not have
  // arrived yet, so only the split-independent runs are compared.
  if (!flushes) {
    check(whole == split, "Connection depends on how input is split");
    check(sent_whole == sent_split, "Connection's answer depends on how input is split");
  }
  const int whole_ends = countEndRequests(sent_whole);
  (void)countEndRequests(sent_split);

  if (script.clean()) {
    // Served in order, each exactly as encoded, up to the first without KEEP_CONN.
    const auto& expected = script.expected();
    size_t served = 0;
    while (served < expected.size() && served < static_cast<size_t>(kMaxRequests)) {
      if (!expected[served++].keep) break;
    }
    check(whole_session.answered.size() == served, "ResponderSession served all requests");
    check(whole.params.size() == served, "Connection served all requests");
    check(whole_ends == static_cast<int>(served), "one END_REQUEST per request");
    for (size_t i = 0; i < served; ++i) {
      check(whole_session.answered[i] == model(expected[i].sent, {{"FCGI_ROLE", "RESPONDER"}}),
            "ResponderSession params (the same core as the Connection)");
      check(whole.params[i] == model(expected[i].sent, {{"FCGI_ROLE", "RESPONDER"}}),
            "Connection params");
      check(whole.bodies[i] == expected[i].body, "Connection body");
    }
  }
  return 0;
}
