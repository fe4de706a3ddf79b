#pragma once

// pm.status_listen: the pool's status and ping pages on a socket of their own, answered by
// the master from the scoreboard. PHP-FPM serves that socket with a hidden pool of worker
// processes; here no worker is involved, so the page answers even when every worker of
// every pool is busy, and costs no process.
//
// The master never blocks on a client: sockets are non-blocking, each connection is a
// fastcgi::ResponderSession fed from the event loop, and a connection that stays silent
// (or will not take its answer) is closed by sweep().

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/unique_fd.h"
#include "fastcgi/responder_session.h"
#include "log/failure_episode.h"
#include "net/allowed_clients.h"
#include "os/event_loop.h"

namespace fpmd::status {

class StatusServer {
 public:
  StatusServer(os::EventLoop& loop, UniqueFd listener, net::AllowedClients allowed,
               fastcgi::ResponderSession::Answer answer, std::string log_prefix);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int listenerFd() const { return listener_.get(); }
  /// Closes connections idle for longer than kIdleTimeoutUs (called on the master's tick),
  /// and accepts again after running out of fds.
  void sweep(int64_t now_us);
  /// In a forked worker: closes the socket and connections (the objects stay, unused).
  void closeFdsInChild();

  static constexpr int64_t kIdleTimeoutUs = 10'000'000;
  /// More clients than this at once and the oldest is dropped: a page served by the master
  /// must not let anyone make the master hold unbounded state.
  static constexpr size_t kMaxConnections = 64;

 private:
  struct Connection {
    UniqueFd fd;
    fastcgi::ResponderSession session;
    std::string pending;           // answer bytes the socket has not taken yet
    bool closing = false;          // answered without keep-alive: flush, then close
    bool waiting_to_send = false;  // EPOLLOUT asked for: the socket took only part
    int64_t last_active_us = 0;
  };

  void onAcceptable();
  void onEvent(int fd, uint32_t events);
  /// Sends what is pending; false when the connection is finished or broken.
  bool flush(Connection& connection);
  void close(int fd);
  void dropOldest();
  /// Out of fds (EMFILE, ENFILE, ...): stop watching the listener until an fd is freed or
  /// the next sweep, saying so once per episode.
  void pauseAccepting();
  void resumeAccepting();

  os::EventLoop& loop_;
  UniqueFd listener_;
  net::AllowedClients allowed_;
  fastcgi::ResponderSession::Answer answer_;
  std::string log_prefix_;
  std::map<int, std::unique_ptr<Connection>> connections_;
  bool accept_paused_ = false;
  log::FailureEpisode out_of_fds_;
};

}  // namespace fpmd::status
