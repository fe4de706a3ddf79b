#pragma once

// Where a worker's connections come from. Today: accept() on the pool's listening socket
// (the fast path, as PHP-FPM). The master can later hand over connections it holds (idle
// kept-alive ones, or ones it accepted while every worker was busy) through another
// source that also passes bytes already read.

#include <string>

#include "common/unique_fd.h"
#include "net/allowed_clients.h"

namespace fpmd::worker {

struct IncomingConnection {
  UniqueFd fd;
  std::string preread;  // bytes someone already read from fd
};

class ConnectionSource {
 public:
  virtual ~ConnectionSource() = default;
  /// Blocks until a connection arrives. An invalid fd means: stop serving (the listener
  /// was closed for a graceful stop, or a fatal error was logged).
  virtual IncomingConnection next() = 0;
};

/// accept() on a listening socket, dropping clients that listen.allowed_clients refuses.
class ListenSource : public ConnectionSource {
 public:
  ListenSource(int listen_fd, net::AllowedClients allowed)
      : listen_fd_(listen_fd), allowed_(std::move(allowed)) {}
  IncomingConnection next() override;

 private:
  int listen_fd_;
  net::AllowedClients allowed_;
};

}  // namespace fpmd::worker
