#include "load.h"

#include <netdb.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "fastcgi/client_codec.h"
#include "fastcgi/protocol.h"
#include "fastcgi/record_parser.h"
#include "fastcgi/socket_io.h"

namespace fpmd::bench {

namespace fcgi = fastcgi;
using Clock = std::chrono::steady_clock;

const char* errorName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Connect:
      return "connect";
    case ErrorKind::Write:
      return "write";
    case ErrorKind::Read:
      return "read";
    case ErrorKind::Closed:
      return "closed";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::Protocol:
      return "protocol";
    case ErrorKind::EndStatus:
      return "end_status";
    case ErrorKind::HttpStatus:
      return "http_status";
    case ErrorKind::kCount:
      break;
  }
  return "?";
}

uint64_t Stats::errorTotal() const {
  uint64_t total = 0;
  for (uint64_t n : errors) total += n;
  return total;
}

void Stats::merge(const Stats& other) {
  latency_ns.merge(other.latency_ns);
  requests += other.requests;
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
  for (size_t i = 0; i < status_classes.size(); ++i) status_classes[i] += other.status_classes[i];
  bytes_read += other.bytes_read;
  bytes_written += other.bytes_written;
  stdout_bytes += other.stdout_bytes;
  stderr_bytes += other.stderr_bytes;
  connects += other.connects;
  retries += other.retries;
  warmup_requests += other.warmup_requests;
  warmup_errors += other.warmup_errors;
  starved_connections += other.starved_connections;
  longest_unanswered_ns = std::max(longest_unanswered_ns, other.longest_unanswered_ns);
  elapsed_s = std::max(elapsed_s, other.elapsed_s);
}

namespace {

constexpr uint16_t kRequestId = 1;
/// Enough of the stdout stream to find the Status header.
constexpr size_t kHeadLimit = 8192;

struct Target {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_UNIX;
};

bool resolve(const std::string& address, Target& target, std::string& error) {
  std::string_view path;
  if (address.starts_with("unix:")) path = std::string_view(address).substr(5);
  if (address.starts_with("/")) path = address;
  if (!path.empty()) {
    auto* un = reinterpret_cast<sockaddr_un*>(&target.addr);
    if (path.size() >= sizeof un->sun_path) {
      error = "socket path too long";
      return false;
    }
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    target.len = sizeof(sockaddr_un);
    target.family = AF_UNIX;
    return true;
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    error = "address must be unix:/path, /path or host:port";
    return false;
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), address.c_str() + colon + 1, &hints, &found); rc != 0) {
    error = std::string("cannot resolve ") + address + ": " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&target.addr, found->ai_addr, found->ai_addrlen);
  target.len = found->ai_addrlen;
  target.family = found->ai_family;
  ::freeaddrinfo(found);
  return true;
}

/// What every thread shares: read-only after start, plus the request budget.
struct Plan {
  Target target;
  std::string request;  // BEGIN_REQUEST + PARAMS + STDIN, identical for every request
  bool keep_alive = true;
  Clock::time_point warmup_end;
  Clock::time_point end;  // no new request after this (duration mode)
  /// Answers after this are drained, not "during the run" (duration mode: `end`).
  Clock::time_point answer_window_end = Clock::time_point::max();
  bool count_mode = false;
  std::atomic<int64_t> budget{0};  // requests left to start (count mode)
  Clock::duration timeout;
};

enum class Phase { Idle, Connecting, Sending, Receiving };

struct Conn {
  UniqueFd fd;
  Phase phase = Phase::Idle;
  size_t sent = 0;
  fcgi::RecordParser parser;
  Clock::time_point started;
  bool reused = false;  // this connection already answered a request
  bool retried = false;
  bool answered_any = false;  // some byte of this answer arrived
  std::string head;
  bool head_done = false;
  uint64_t stdout_bytes = 0;
  uint64_t stderr_bytes = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  /// After a failed connect, wait a little: a server that is down is not hammered, and
  /// each failure counted is a request a client would have seen fail.
  Clock::time_point retry_at{};
  /// Since when this connection has had a request outstanding without any answer, through
  /// timeouts and reconnects; unset once an answer arrives.
  std::optional<Clock::time_point> waiting_since;
  bool asked = false;     // had a request outstanding during the measured run
  bool answered = false;  // got an END_REQUEST during the measured run
};

constexpr auto kConnectBackoff = std::chrono::milliseconds(10);

int statusOf(std::string_view head) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.size() > 7 && strncasecmp(line.data(), "status:", 7) == 0) {
      return std::atoi(std::string(line.substr(7)).c_str());
    }
    pos = eol + 1;
  }
  return 200;
}

class Worker {
 public:
  Worker(Plan& plan, int connections) : plan_(plan), conns_(connections) {}

  void run() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    for (size_t i = 0; i < conns_.size(); ++i) ready_.push_back(i);
    std::vector<epoll_event> events(conns_.size());
    std::vector<size_t> starting;
    buffer_.resize(256 * 1024);
    for (;;) {
      // Connections whose request ended start the next one here, not from inside the
      // handler that ended it: no recursion, and a server refusing every connect costs
      // one attempt per connection per turn.
      starting.swap(ready_);
      const auto turn = Clock::now();
      for (size_t index : starting) {
        if (conns_[index].retry_at > turn) {
          ready_.push_back(index);
        } else {
          begin(conns_[index]);
        }
      }
      starting.clear();
      const int timeout_ms = ready_.empty() ? 5 : 1;
      const int n =
          ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
      for (int i = 0; i < n; ++i) onEvent(conns_[events[i].data.u64]);
      const auto now = Clock::now();
      bool busy = !ready_.empty();
      for (auto& conn : conns_) {
        if (conn.phase != Phase::Idle && now - conn.started > plan_.timeout) {
          fail(conn, ErrorKind::Timeout);
        }
        busy |= conn.phase != Phase::Idle;
      }
      if (!busy && ready_.empty()) break;
    }
    tally(Clock::now());
  }

  Stats stats;

 private:
  /// A request is counted (stats, not warm-up) when it ends after the warm-up: one sent
  /// during the warm-up and still unanswered then is part of the run, not hidden in it.
  bool measured(Clock::time_point now) const { return now >= plan_.warmup_end; }
  bool inRun(Clock::time_point now) const {
    return now >= plan_.warmup_end && now <= plan_.answer_window_end;
  }

  /// A connection's request ended (answered or failed) at `now`.
  void settle(Conn& conn, Clock::time_point now, bool answered) {
    // Outstanding at some point of the run, even if sent in the warm-up and answered
    // after the end.
    if (conn.started <= plan_.answer_window_end && now >= plan_.warmup_end) conn.asked = true;
    if (!answered) return;
    if (inRun(now)) conn.answered = true;
    if (conn.waiting_since && measured(now)) noteWait(now - *conn.waiting_since);
    conn.waiting_since.reset();
  }

  void noteWait(Clock::duration wait) {
    stats.longest_unanswered_ns =
        std::max(stats.longest_unanswered_ns, static_cast<uint64_t>(wait.count()));
  }

  /// After the last request: starved connections, and the waits still running.
  void tally(Clock::time_point now) {
    for (auto& conn : conns_) {
      if (conn.asked && !conn.answered) ++stats.starved_connections;
      if (conn.waiting_since && measured(now)) noteWait(now - *conn.waiting_since);
    }
  }

  bool mayStart(Clock::time_point now) {
    if (now < plan_.warmup_end) return true;
    if (!plan_.count_mode) return now < plan_.end;
    return plan_.budget.fetch_sub(1, std::memory_order_relaxed) > 0;
  }

  /// Starts the next request on `conn` if the plan allows one.
  void begin(Conn& conn) {
    const auto now = Clock::now();
    if (!mayStart(now)) {
      conn.fd.reset();
      conn.phase = Phase::Idle;
      return;
    }
    conn.started = now;
    if (!conn.waiting_since) conn.waiting_since = now;
    conn.retried = false;
    send(conn);
  }

  /// Sends the request from the start, opening a connection first if there is none.
  void send(Conn& conn) {
    conn.sent = 0;
    conn.answered_any = false;
    conn.head.clear();
    conn.head_done = false;
    conn.stdout_bytes = conn.stderr_bytes = conn.bytes_read = conn.bytes_written = 0;
    conn.parser.reset();
    if (!conn.fd) {
      conn.reused = false;
      if (!open(conn)) return;
    } else {
      conn.reused = true;
    }
    conn.phase = Phase::Sending;
    writeMore(conn);
  }

  bool open(Conn& conn) {
    ++stats.connects;
    conn.fd.reset(::socket(plan_.target.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!conn.fd) {
      fail(conn, ErrorKind::Connect);
      return false;
    }
    fcgi::setNoDelayIfTcp(conn.fd.get());
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = index(conn);
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, conn.fd.get(), &ev);
    if (::connect(conn.fd.get(), reinterpret_cast<const sockaddr*>(&plan_.target.addr),
                  plan_.target.len) != 0) {
      if (errno == EINPROGRESS) {
        conn.phase = Phase::Connecting;
        return false;
      }
      fail(conn, ErrorKind::Connect);
      return false;
    }
    return true;
  }

  void onEvent(Conn& conn) {
    if (conn.phase == Phase::Connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(conn.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == EINPROGRESS || err == EALREADY) return;
      if (err != 0) return fail(conn, ErrorKind::Connect);
      conn.phase = Phase::Sending;
    }
    if (conn.phase == Phase::Sending) writeMore(conn);
    if (conn.phase == Phase::Receiving) readMore(conn);
  }

  void writeMore(Conn& conn) {
    const std::string& request = plan_.request;
    while (conn.sent < request.size()) {
      const ssize_t n = ::send(conn.fd.get(), request.data() + conn.sent,
                               request.size() - conn.sent, MSG_NOSIGNAL);
      if (n > 0) {
        conn.sent += static_cast<size_t>(n);
        conn.bytes_written += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (!retryStale(conn)) fail(conn, ErrorKind::Write);
      return;
    }
    conn.phase = Phase::Receiving;
    readMore(conn);
  }

  void readMore(Conn& conn) {
    for (;;) {
      const ssize_t n = ::read(conn.fd.get(), buffer_.data(), buffer_.size());
      if (n > 0) {
        conn.bytes_read += static_cast<uint64_t>(n);
        conn.answered_any = true;
        std::string_view data(buffer_.data(), static_cast<size_t>(n));
        if (consume(conn, data)) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (retryStale(conn)) return;
      return fail(conn, n == 0 ? ErrorKind::Closed : ErrorKind::Read);
    }
  }

  /// A keep-alive connection the server closed between requests (worker recycled,
  /// reload): nothing of the answer came, so the request never ran. Once, resend it on
  /// a fresh connection.
  bool retryStale(Conn& conn) {
    if (!conn.reused || conn.answered_any || conn.retried) return false;
    ++stats.retries;
    conn.fd.reset();
    conn.retried = true;
    send(conn);
    return true;
  }

  /// Parses the records in `data`; true when the request ended (the connection moved on).
  bool consume(Conn& conn, std::string_view data) {
    fcgi::Record record;
    for (;;) {
      const auto status = conn.parser.next(data, record);
      if (status == fcgi::RecordParser::Status::NeedMore) return false;
      if (status == fcgi::RecordParser::Status::Error || record.request_id != kRequestId) {
        fail(conn, ErrorKind::Protocol);
        return true;
      }
      switch (static_cast<fcgi::RecordType>(record.type)) {
        case fcgi::RecordType::Stdout:
          conn.stdout_bytes += record.content.size();
          if (!conn.head_done) {
            conn.head.append(record.content.substr(0, kHeadLimit - conn.head.size()));
            conn.head_done = conn.head.size() >= kHeadLimit ||
                             conn.head.find("\r\n\r\n") != std::string::npos ||
                             conn.head.find("\n\n") != std::string::npos;
          }
          break;
        case fcgi::RecordType::Stderr:
          conn.stderr_bytes += record.content.size();
          break;
        case fcgi::RecordType::EndRequest:
          finish(conn, record.content);
          return true;
        default:
          fail(conn, ErrorKind::Protocol);
          return true;
      }
    }
  }

  void finish(Conn& conn, std::string_view end_body) {
    const auto now = Clock::now();
    if (end_body.size() < fcgi::kEndRequestBodySize) return fail(conn, ErrorKind::Protocol);
    settle(conn, now, true);
    const auto protocol_status = static_cast<uint8_t>(end_body[4]);
    const int status = statusOf(conn.head);
    if (protocol_status != 0) {
      count(now, ErrorKind::EndStatus);
    } else if (status >= 400) {
      count(now, ErrorKind::HttpStatus);
    } else if (measured(now)) {
      ++stats.requests;
    } else {
      ++stats.warmup_requests;
    }
    if (measured(now)) {
      stats.latency_ns.record(static_cast<uint64_t>((now - conn.started).count()));
      stats.status_classes[std::clamp(status / 100, 0, 5)]++;
      stats.stdout_bytes += conn.stdout_bytes;
      stats.stderr_bytes += conn.stderr_bytes;
      stats.bytes_read += conn.bytes_read;
      stats.bytes_written += conn.bytes_written;
      last_answer_ = now;
    }
    if (!plan_.keep_alive) conn.fd.reset();
    conn.phase = Phase::Idle;
    ready_.push_back(index(conn));
  }

  void count(Clock::time_point now, ErrorKind kind) {
    if (measured(now)) {
      ++stats.errors[static_cast<size_t>(kind)];
    } else {
      ++stats.warmup_errors;
    }
  }

  void fail(Conn& conn, ErrorKind kind) {
    const auto now = Clock::now();
    settle(conn, now, false);
    count(now, kind);
    if (kind == ErrorKind::Connect) conn.retry_at = now + kConnectBackoff;
    if (measured(now)) {
      // A request that never got an answer is in the histogram at the time it waited (a
      // lower bound), so a server that leaves requests unanswered cannot show a good
      // tail. It does not stretch the measured window: waiting out the timeout after the
      // last answer is not throughput time.
      if (kind == ErrorKind::Timeout) {
        stats.latency_ns.record(static_cast<uint64_t>((now - conn.started).count()));
      } else {
        last_answer_ = now;
      }
      stats.bytes_read += conn.bytes_read;
      stats.bytes_written += conn.bytes_written;
    }
    conn.fd.reset();
    conn.phase = Phase::Idle;
    ready_.push_back(index(conn));
  }

  size_t index(const Conn& conn) const { return static_cast<size_t>(&conn - conns_.data()); }

 public:
  Clock::time_point last_answer_{};

 private:
  Plan& plan_;
  std::vector<Conn> conns_;
  UniqueFd epoll_;
  std::vector<char> buffer_;
  std::vector<size_t> ready_;  // idle connections to start a request on
};

}  // namespace

bool runLoad(const Options& options, Stats& stats, std::string& error) {
  Plan plan;
  if (!resolve(options.address, plan.target, error)) return false;
  fcgi::appendBeginRequest(plan.request, kRequestId, fcgi::Role::Responder, options.keep_alive);
  fcgi::appendParams(plan.request, kRequestId, options.params);
  fcgi::appendStdin(plan.request, kRequestId, options.body);
  plan.keep_alive = options.keep_alive;
  plan.timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_s));
  const auto start = Clock::now();
  plan.warmup_end = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(options.warmup_s));
  plan.end = plan.warmup_end + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.duration_s));
  plan.count_mode = options.requests > 0;
  if (!plan.count_mode) plan.answer_window_end = plan.end;
  plan.budget = static_cast<int64_t>(options.requests);

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    const int share =
        options.connections / options.threads + (t < options.connections % options.threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(plan, share));
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });
  for (auto& thread : threads) thread.join();

  Clock::time_point last = plan.warmup_end;
  for (auto& worker : workers) {
    stats.merge(worker->stats);
    last = std::max(last, worker->last_answer_);
  }
  stats.elapsed_s = std::chrono::duration<double>(last - plan.warmup_end).count();
  return true;
}

}  // namespace fpmd::bench
