#pragma once

// Where a worker's connections come from: accept() on the pool's listening socket (the
// fast path, as PHP-FPM), and kept-alive connections queued on the pool's dispatch
// channel. The master holds the idle ones workers give back (so keep-alive pins no
// worker) and queues each once the web server sends its next request; a worker that
// gives away a kept connection whose next request has already come queues it itself.

#include <functional>
#include <string>

#include "common/unique_fd.h"
#include "net/allowed_clients.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::worker {

struct IncomingConnection {
  UniqueFd fd;
  std::string preread;  // bytes someone already read from fd
  /// Its request has arrived: dispatched connections were seen readable before they
  /// were queued, so the worker reads without waiting first.
  bool request_waiting = false;
};

class ConnectionSource {
 public:
  virtual ~ConnectionSource() = default;
  /// Blocks until a connection arrives. An invalid fd means: stop serving (the listener
  /// was closed for a graceful stop, or a fatal error was logged).
  virtual IncomingConnection next() = 0;
  /// Takes a connection already waiting in the queues seen ready, without blocking:
  /// `incoming` stays empty when there is none (another worker was faster). False, as an
  /// invalid fd from next(), means: stop serving.
  virtual bool tryNext(bool listen_ready, bool dispatch_ready, IncomingConnection& incoming) = 0;
  /// How many times this source did work of its own while waiting (see PoolSource's
  /// setIdleWork): CPU spent then is no request's.
  virtual unsigned long idleWorkRuns() const { return 0; }
};

/// accept() on the pool's listening socket, with PHP-FPM's listen.allowed_clients check
/// (a refused client is logged and closed: invalid, errno ECONNABORTED) and TCP_NODELAY
/// for TCP. Invalid with errno set when nothing could be accepted.
UniqueFd acceptAllowed(int listen_fd, const net::AllowedClients& allowed);

/// Queues a connection whose next request has come on the pool's dispatch channel (the
/// master's or a worker's end of it), counted in `board` (may be null) so that workers
/// looking for work skip the channel while it holds nothing. False if the send failed.
bool queueDispatched(scoreboard::Scoreboard* board, int channel_fd, int connection_fd);

/// Waits on the pool's (non-blocking) listening socket and its dispatch channel at once,
/// with EPOLLEXCLUSIVE so one arrival wakes one idle worker, not all of them. When both
/// have connections waiting, it takes from them in turn.
class PoolSource : public ConnectionSource {
 public:
  /// dispatch_fd: the workers' end of the dispatch channel, or -1. board: the pool's
  /// scoreboard, whose count of queued connections saves asking an empty channel (null:
  /// ask it every time).
  PoolSource(int listen_fd, int dispatch_fd, net::AllowedClients allowed,
             scoreboard::Scoreboard* board = nullptr);
  IncomingConnection next() override;
  bool tryNext(bool listen_ready, bool dispatch_ready, IncomingConnection& incoming) override;

  /// `work` runs once a wait for the next connection has lasted `after_ms`, once per wait
  /// (an idle worker giving memory back after a peak).
  /// request_queue_timeout: the master hands out connections one per request: before
  /// each wait for one, this worker adds 1 to `credits_fd` (an eventfd).
  void askForEachConnection(int credits_fd) { credits_fd_ = credits_fd; }

  void setIdleWork(int after_ms, std::function<void()> work) {
    idle_after_ms_ = after_ms;
    idle_work_ = std::move(work);
  }
  unsigned long idleWorkRuns() const override { return idle_work_runs_; }

 private:
  enum class Take { Got, Empty, Stop };
  /// One pass over the queues still marked as worth trying, in turn.
  Take takeWaiting(IncomingConnection& incoming);
  bool acceptOne(IncomingConnection& incoming);
  bool takeDispatched(IncomingConnection& incoming);
  /// request_queue_timeout: one connection asked of the master, unless one is asked.
  void ask();

  int listen_fd_;
  int dispatch_fd_;
  net::AllowedClients allowed_;
  scoreboard::Scoreboard* board_;
  UniqueFd epoll_;
  bool try_dispatch_ = true;
  bool try_accept_ = true;
  bool dispatch_first_ = true;  // whose turn it is when both queues hold connections
  int credits_fd_ = -1;
  bool asked_ = false;  // a credit is out, not yet answered by a connection
  int idle_after_ms_ = -1;
  std::function<void()> idle_work_;
  unsigned long idle_work_runs_ = 0;
};

}  // namespace fpmd::worker
