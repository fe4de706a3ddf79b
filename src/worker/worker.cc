#include "worker/worker.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/times.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "log/log.h"
#include "net/fd_passing.h"
#include "os/process_memory.h"
#include "php/engine.h"
#include "status/from_scoreboard.h"
#include "status/page.h"
#include "status/routing.h"
#include "worker/output_marker.h"
#include "worker/php_answer_defaults.h"
#include "worker/rss_reading.h"
#include "worker/stop_flag.h"

namespace fpmd::worker {
namespace {

/// Mirrors the engine's progress into this worker's scoreboard slot.
class ScoreboardObserver : public cgi::RequestObserver {
 public:
  ScoreboardObserver(scoreboard::Scoreboard* board, int slot) : board_(board), slot_(slot) {}
  void onStage(cgi::Stage stage) override {
    if (board_ != nullptr) board_->setStage(slot_, stage);
  }
  void onScript(std::string_view script, std::string_view user) override {
    user_.assign(user);
    if (board_ != nullptr) board_->setScript(slot_, script, user);
  }
  /// PHP_AUTH_USER of the current request (the access log's %u).
  const std::string& user() const { return user_; }
  void clearUser() { user_.clear(); }

 private:
  scoreboard::Scoreboard* board_;
  int slot_;
  std::string user_;
};

/// When a request began, for the access log's %t, %d and %C.
struct RequestClock {
  time_t accepted_epoch = 0;
  std::chrono::steady_clock::time_point start;
  tms cpu{};

  /// `with_cpu`: read the CPU clock too (for %C); only an access log needs it.
  static RequestClock now(bool with_cpu) {
    RequestClock clock;
    clock.accepted_epoch = ::time(nullptr);
    clock.start = std::chrono::steady_clock::now();
    if (with_cpu) ::times(&clock.cpu);
    return clock;
  }
};

std::string clientAddress(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) < 0) return {};
  if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6) return {};  // unix: "-"
  return net::peerAddressText(reinterpret_cast<sockaddr*>(&peer));
}

/// One access.log line, PHP-FPM's way: built after the request, one write() to the
/// O_APPEND file the master opened, so lines of concurrent workers never interleave.
void logAccess(const WorkerOptions& options, const cgi::Params& params,
               const php::RequestOutcome& outcome, const RequestClock& clock,
               const std::string& user, int connection_fd) {
  log::AccessRecord record;
  record.params = &params;
  record.response_headers = outcome.response_headers;
  record.client_ip = clientAddress(connection_fd);
  record.request_uri = params.get("SCRIPT_NAME");
  record.query_string = params.get("QUERY_STRING");
  record.request_method = params.get("REQUEST_METHOD");
  record.script_filename = outcome.script_filename;
  record.auth_user = user;
  record.content_length = std::atol(std::string(params.get("CONTENT_LENGTH")).c_str());
  record.status = outcome.status;
  if (log::suppressed(options.access_suppress_path, record)) return;
  record.pool = options.pool_name;
  record.pid = ::getpid();
  record.parent_pid = ::getppid();
  record.accepted_epoch = clock.accepted_epoch;
  record.now_epoch = ::time(nullptr);
  record.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - clock.start)
                           .count();
  tms end{};
  ::times(&end);
  record.cpu_user_ticks = static_cast<int64_t>((end.tms_utime + end.tms_cutime) -
                                               (clock.cpu.tms_utime + clock.cpu.tms_cutime));
  record.cpu_system_ticks = static_cast<int64_t>((end.tms_stime + end.tms_cstime) -
                                                 (clock.cpu.tms_stime + clock.cpu.tms_cstime));
  record.clock_ticks = ::sysconf(_SC_CLK_TCK);
  record.memory_peak = outcome.memory_peak;
  log::AccessLine line = formatAccessLine(*options.access_format, record);
  if (line.truncated) log::notice("{}", log::kAccessLogTruncatedNotice);
  if (line.text.empty()) return;
  // A full disk must not cost requests, nor a log line per request: say it once, and
  // once more when lines are written again.
  static bool failing = false;
  if (::write(options.access_log_fd, line.text.data(), line.text.size()) < 0) {
    if (!failing) log::sysError(log::Level::Error, "failed to write to the access log");
    failing = true;
  } else if (failing) {
    log::notice("writing to the access log again");
    failing = false;
  }
}

/// After request shutdown: the master ends our pending output line here (the marker
/// ends it whichever pipe it is on). A pipe takes these few bytes in one write().
void markRequestEnd() {
  ssize_t n;
  do {
    n = ::write(2, kEndOfRequestMarker.data(), kEndOfRequestMarker.size());
  } while (n < 0 && errno == EINTR);
}

uint64_t contentLength(const cgi::Params& params) {
  std::string_view text = params.get("CONTENT_LENGTH");
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

/// Closes our half and reads until the web server closes its half, as PHP-FPM does: a
/// close() with unread input (say, the empty STDIN record of a GET that we answered
/// without reading it) would make the kernel send a reset, and the client could lose the
/// response or see EPIPE. Bounded, so a client that never closes cannot pin the worker.
void closeGracefully(int fd) {
  constexpr int kDrainMillis = 1000;
  if (::shutdown(fd, SHUT_WR) < 0) return;
  char sink[4096];
  for (int waited = 0; waited < kDrainMillis;) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) {
      waited += 100;
      continue;
    }
    ssize_t n = ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;
  }
}

/// pm.status_path and ping.path, answered by the worker that took the request. It shows
/// itself Running on the page it renders, as PHP-FPM's worker does.
bool answerBuiltinPage(const WorkerOptions& options, cgi::Request& request,
                       const status::ScoreboardStatusSource* status_source) {
  status::PageRoutes routes{options.ping_path, options.ping_response, options.status_path,
                            options.status_fpmd_fields};
  if (!status::isBuiltinPage(routes, request.params)) return false;
  if (request.observer != nullptr) request.observer->onStage(cgi::Stage::Running);
  status::StatusReaders readers;
  if (status_source != nullptr) {
    readers.pool = [status_source] { return status_source->poolStatus(); };
  }
  std::optional<status::HttpAnswer> answer = status::answerBuiltinPage(
      routes, request.params, status::answerOptionsFor(request.params, phpAnswerDefaults()),
      readers);
  request.sink->writeOut(status::toCgiResponse(*answer));
  request.sink->finish();
  if (request.observer != nullptr) request.observer->onStage(cgi::Stage::Finishing);
  return true;
}

/// Whether the web server has sent something more on fd: 1 (its next request), 0 (it
/// closed the connection) or -1 (nothing yet).
int peekNext(int fd) {
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return 1;
  if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return 0;
  return -1;
}

/// Gives a kept-alive connection away so that it pins no worker. Its next request has
/// already come: it joins the dispatch queue behind the requests waiting there, and a
/// free worker takes it. Otherwise (idle, or the worker is stopping) it goes to the
/// master, which holds it without a process, passes it on when the next request comes
/// (or, on a reload, carries it to the next master). False when it cannot travel (unread
/// input), when the web server closed it, or when the hand-over failed.
bool giveAway(fastcgi::Connection& connection, const WorkerOptions& options) {
  if (options.handback_fd < 0) return false;
  // The previous request's unread stdin must not travel with the connection.
  if (!connection.drainBody() || connection.hasBufferedInput()) return false;
  int next = peekNext(connection.fd());
  if (next == 0) return false;
  if (next > 0 && options.requeue_fd >= 0 && !stopRequested() &&
      queueDispatched(options.scoreboard, options.requeue_fd, connection.fd())) {
    return true;
  }
  return net::sendFd(options.handback_fd, connection.fd());
}

/// How long a worker keeps a kept connection while other connections wait for a worker:
/// long enough that the hand-over is paid once per many small requests, short enough
/// that a waiting connection is not held back noticeably.
constexpr std::chrono::microseconds kKeepAliveSlice{1000};

/// How long a stopping worker still waits for a request the web server has begun to
/// send (part of a record, or a connection just accepted): bounded, so a peer that never
/// finishes cannot keep it.
constexpr int kStopGraceMillis = 1000;

/// How a worker waits while no request has begun on the connection it holds. A new
/// connection's first request is on its way: wait for it (bounded once stopping). On a
/// kept connection the web server may send the next request much later, or never: the
/// wait ends at once on a graceful stop, and when another connection needs this worker
/// (a new one in the listen queue, or a dispatched one), so that the connection is given
/// away (giveAway) instead of pinning the worker (PHP-FPM's workers stay pinned to
/// theirs). Under no contention nothing is handed over: keep-alive costs nothing.
class RequestWait : public fastcgi::Connection::IdleWait {
 public:
  /// request_waiting: the first request is known to have arrived (no wait before it).
  RequestWait(const WorkerOptions& options, scoreboard::Scoreboard* board, bool request_waiting)
      : options_(options), board_(board), request_waiting_(request_waiting) {}

  /// From now on the connection is kept between requests.
  void setKept() { kept_ = true; }
  /// A request has arrived whole: the next one gets a read deadline of its own.
  void requestRead() { read_deadline_.reset(); }
  /// Whether the last wait gave up at request_read_timeout (on a new connection that
  /// never sent a byte, too).
  bool readTimedOut() const { return read_timed_out_; }
  /// Why the last wait gave up: another connection needs this worker (else: stopping),
  /// and where it waits.
  bool othersWaiting() const { return listen_ready_ || dispatch_ready_; }
  bool listenReady() const { return listen_ready_; }
  bool dispatchReady() const { return dispatch_ready_; }

  /// Once, for a new connection's first read, unless stopping. Not for a dispatched one:
  /// its request is known to be there, and waitReadable() says so without a poll().
  bool readBeforeWaiting() override {
    bool first = !kept_ && !tried_read_ && !request_waiting_ && !stopRequested();
    tried_read_ = true;
    return first;
  }

  bool waitReadable(int fd, bool partial) override {
    listen_ready_ = dispatch_ready_ = false;
    if (request_waiting_) {
      request_waiting_ = false;
      return true;
    }
    bool expected = !kept_ || partial;
    // Between requests this worker is free for anyone who needs it.
    if (!expected) setStage(cgi::Stage::Idle);
    // Only a kept connection can be given back for another one.
    bool watch_others = !expected && options_.handback_fd >= 0;
    pollfd fds[4] = {{fd, POLLIN, 0},
                     {stopWakeFd(), POLLIN, 0},
                     {options_.listen_fd, POLLIN, 0},
                     {options_.dispatch_fd, POLLIN, 0}};
    // A request under way (or the first one on a new connection) must come whole within
    // request_read_timeout: a client that sends part of one and stalls gives up its
    // connection instead of holding this worker.
    if (expected && options_.request_read_timeout_ms > 0 && !read_deadline_) {
      read_deadline_ = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(options_.request_read_timeout_ms);
    }
    // Within its time slice a kept connection keeps this worker as under PHP-FPM: the
    // worker waits for its next request alone, for what is left of the slice, and only
    // then looks at the others. A hand-over (the fd sent and received, another worker's
    // wake-up) costs more than a small request, and the web server's next request often
    // comes on the connection it used last.
    bool in_slice = watch_others && withinSlice();
    for (;;) {
      int timeout = -1;
      nfds_t count = watch_others && !in_slice ? 4 : 2;
      if (stopRequested()) {
        if (!expected) return false;
        timeout = stopGraceLeft();
        if (timeout == 0) return false;
        count = 1;  // the stop's eventfd stays readable
      } else if (expected && read_deadline_) {
        timeout = millisLeft(*read_deadline_);
        if (timeout == 0) {
          read_timed_out_ = true;
          return false;
        }
      } else if (in_slice) {
        timeout = millisLeft(taken_ + kKeepAliveSlice);
      }
      int ready = ::poll(fds, count, timeout);
      if (ready < 0) {
        if (errno == EINTR) continue;
        return true;  // let the read report what is wrong
      }
      if (ready == 0 && in_slice) {
        in_slice = false;  // the slice is over: from now on the others come first
        continue;
      }
      // Others first, even when this connection's request came too: theirs are older, and
      // this one queues behind them (requests served in arrival order).
      if (watch_others && !in_slice && (fds[2].revents | fds[3].revents) != 0) {
        listen_ready_ = fds[2].revents != 0;
        dispatch_ready_ = fds[3].revents != 0;
        return false;
      }
      if (fds[0].revents != 0) {  // a request, or the web server's close
        setStage(cgi::Stage::ReadingHeaders);
        return true;
      }
    }
  }

 private:
  void setStage(cgi::Stage stage) {
    if (board_ != nullptr) board_->setStage(options_.slot, stage);
  }

  bool withinSlice() const { return std::chrono::steady_clock::now() - taken_ < kKeepAliveSlice; }

  static int millisLeft(std::chrono::steady_clock::time_point deadline) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(left.count(), 0));
  }

  int stopGraceLeft() {
    if (!stop_deadline_) {
      stop_deadline_ =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopGraceMillis);
    }
    return millisLeft(*stop_deadline_);
  }

  const WorkerOptions& options_;
  scoreboard::Scoreboard* board_;
  std::chrono::steady_clock::time_point taken_ = std::chrono::steady_clock::now();
  bool request_waiting_;
  bool kept_ = false;
  bool tried_read_ = false;
  bool listen_ready_ = false;
  bool dispatch_ready_ = false;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_;
  std::optional<std::chrono::steady_clock::time_point> read_deadline_;
  bool read_timed_out_ = false;
};

}  // namespace

namespace {

// The worker's own RSS after a request, for the status page, the governor's footprint
// and pm.max_memory: true when the worker must leave before its next request.
bool checkMemoryAfterRequest(const WorkerOptions& options, scoreboard::Scoreboard* board,
                             uint64_t peak_rss, RssReading& reading) {
  if (board == nullptr || !reading.due(peak_rss, options.max_memory)) return false;
  uint64_t rss = os::ownResidentBytes();
  board->setRssAfterRequest(options.slot, rss, peak_rss);
  if (options.max_memory == 0 || rss <= options.max_memory) return false;
  board->setExitReason(options.slot, scoreboard::ExitReason::MaxMemory);
  return true;
}

}  // namespace

int serve(ConnectionSource& source, const WorkerOptions& options) {
  scoreboard::Scoreboard* board = options.scoreboard;
  ScoreboardObserver observer(board, options.slot);
  std::unique_ptr<status::ScoreboardStatusSource> status_source;
  if (board != nullptr) status_source = std::make_unique<status::ScoreboardStatusSource>(*board);
  unsigned long served = 0;
  cgi::Params params;
  bool recycle = false;
  bool over_memory = false;  // pm.max_memory: the master logs it, from the slot
  RssReading rss_reading;
  // The CPU reading after a request is also the one before the next: one getrusage() per
  // request instead of two (each takes the scheduler's lock; 12% of a keep-alive hello.php
  // request's CPU). What lies between is the wait for that request, a few microseconds of
  // poll, accept and read, unless the source did idle work meanwhile: then it is read anew.
  std::optional<uint64_t> cpu_after_last;
  unsigned long idle_work_runs = 0;

  // A connection taken while this worker still held a kept one, served next.
  IncomingConnection incoming;
  for (;;) {
    if (!incoming.fd) {
      if (recycle || stopRequested()) break;
      if (board != nullptr) board->setStage(options.slot, cgi::Stage::Idle);
      incoming = source.next();
      if (!incoming.fd) break;
    }
    fastcgi::Connection connection(std::move(incoming.fd), options.server_values,
                                   std::move(incoming.preread));
    RequestWait wait(options, board, incoming.request_waiting);
    incoming = {};
    bool handed_back = false;
    bool timed_out = false;  // a stalled client: closed at once, not waited for
    for (;;) {
      if (board != nullptr) board->setStage(options.slot, cgi::Stage::ReadingHeaders);
      params.clear();
      fastcgi::Connection::ReadResult read = connection.readRequest(params, &wait);
      if (read == fastcgi::Connection::ReadResult::TimedOut || wait.readTimedOut()) {
        if (!stopRequested()) {
          connection.drop(fmt::format("request not complete within {:g}s (request_read_timeout)",
                                      options.request_read_timeout_ms / 1000.0));
        }
        timed_out = true;
        break;
      }
      if (read == fastcgi::Connection::ReadResult::Idle) {
        if (wait.othersWaiting() && !stopRequested() && !options.master_queues) {
          // Take the waiting connection before giving this one away: its own next
          // request gets a moment more to come, and then it skips the master.
          if (source.tryNext(wait.listenReady(), wait.dispatchReady(), incoming) && !incoming.fd) {
            continue;  // another worker took it: keep waiting on ours
          }
        }
        // Stopping, or needed elsewhere, with no request under way: the connection goes
        // away rather than being closed under the web server. On a reload the master
        // carries it to the next master; on a stop it closes it.
        handed_back = giveAway(connection, options);
        break;
      }
      if (read != fastcgi::Connection::ReadResult::Request) break;
      wait.requestRead();
      const bool access_log = options.access_log_fd >= 0 && options.access_format != nullptr;
      if (source.idleWorkRuns() != idle_work_runs) {
        idle_work_runs = source.idleWorkRuns();
        cpu_after_last.reset();
      }
      const uint64_t cpu_before = cpu_after_last ? *cpu_after_last : os::ownUsage().cpu_micros;
      RequestClock clock = RequestClock::now(access_log);
      observer.clearUser();
      if (board != nullptr) {
        board->beginRequest(options.slot, scoreboard::nowMicros(), params.get("REQUEST_METHOD"),
                            params.get("SCRIPT_NAME"), params.get("QUERY_STRING"),
                            contentLength(params));
        board->setStage(options.slot, cgi::Stage::GettingRequestInfo);
      }
      cgi::Request request{std::move(params), &connection.body(), &connection.sink(), &observer,
                           status_source.get()};
      php::RequestOutcome outcome;
      if (!answerBuiltinPage(options, request, status_source.get())) {
        outcome = php::execute(request);
      }
      if (options.mark_request_ends) markRequestEnd();
      params = std::move(request.params);
      if (access_log) logAccess(options, params, outcome, clock, observer.user(), connection.fd());
      // One reading after the request serves the scoreboard's CPU and the peak RSS.
      const os::OwnUsage usage = os::ownUsage();
      cpu_after_last = usage.cpu_micros;
      if (board != nullptr) {
        board->endRequest(options.slot, scoreboard::nowMicros(), outcome.memory_peak,
                          usage.cpu_micros - cpu_before);
      }
      ++served;
      if (options.max_requests != 0 && served >= options.max_requests) recycle = true;
      if (checkMemoryAfterRequest(options, board, usage.peak_resident_bytes, rss_reading)) {
        recycle = true;
        over_memory = true;
      }
      if (!connection.reusable()) break;
      if (recycle) {
        handed_back = giveAway(connection, options);
        break;
      }
      wait.setKept();
    }
    // A request read to its end (or a closed peer) leaves nothing for a reset: the close
    // is at once, and this worker is free without waiting for the web server's close
    // (PHP-FPM waits).
    if (!handed_back && !timed_out && !connection.aborted() && !connection.closableAtOnce()) {
      closeGracefully(connection.fd());
    }
  }
  if (recycle && !over_memory)
    log::debug("[pool {}] max requests reached: {}", options.pool_name, served);
  return 0;
}

}  // namespace fpmd::worker
