#include "status/server.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "log/log.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::status {

StatusServer::StatusServer(os::EventLoop& loop, UniqueFd listener, net::AllowedClients allowed,
                           fastcgi::ResponderSession::Answer answer, std::string log_prefix)
    : loop_(loop),
      listener_(std::move(listener)),
      allowed_(std::move(allowed)),
      answer_(std::move(answer)),
      log_prefix_(std::move(log_prefix)) {
  loop_.add(listener_.get(), EPOLLIN, [this](uint32_t) { onAcceptable(); });
}

StatusServer::~StatusServer() {
  for (auto& [fd, connection] : connections_) loop_.remove(fd);
  loop_.remove(listener_.get());
}

void StatusServer::onAcceptable() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof(peer);
    int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &peer_size,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        pauseAccepting();
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::sysError(log::Level::Warning, "{}accept() on the status socket failed", log_prefix_);
      }
      return;
    }
    UniqueFd owned(fd);
    out_of_fds_.succeeded();  // the episode is over
    if (peer.ss_family != AF_UNIX && !allowed_.allows(reinterpret_cast<sockaddr*>(&peer))) {
      log::error("Connection disallowed: IP address '{}' has been dropped.",
                 net::peerAddressText(reinterpret_cast<sockaddr*>(&peer)));
      continue;
    }
    if (connections_.size() >= kMaxConnections) dropOldest();
    auto connection = std::make_unique<Connection>(Connection{std::move(owned),
                                                              fastcgi::ResponderSession(answer_),
                                                              {},
                                                              false,
                                                              false,
                                                              scoreboard::nowMicros()});
    connections_[fd] = std::move(connection);
    loop_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t events) { onEvent(fd, events); });
  }
}

void StatusServer::onEvent(int fd, uint32_t events) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& connection = *it->second;
  connection.last_active_us = scoreboard::nowMicros();
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    char buffer[16384];
    for (;;) {
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        // The client is gone (or closed its side after our answer): nothing left to do.
        close(fd);
        return;
      }
      if (connection.closing) continue;  // the rest of an answered request: drain it
      auto state = connection.session.feed(std::string_view(buffer, static_cast<size_t>(n)),
                                           connection.pending);
      if (state == fastcgi::ResponderSession::State::Invalid) {
        log::warning("{}status connection: {}; closed", log_prefix_, connection.session.error());
        close(fd);
        return;
      }
      if (state == fastcgi::ResponderSession::State::Done) connection.closing = true;
    }
  }
  if (!flush(connection)) close(fd);
}

bool StatusServer::flush(Connection& connection) {
  int fd = connection.fd.get();
  while (!connection.pending.empty()) {
    ssize_t n = ::send(fd, connection.pending.data(), connection.pending.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!connection.waiting_to_send) loop_.modify(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      connection.waiting_to_send = true;
      return true;
    }
    if (n < 0) return false;
    connection.pending.erase(0, static_cast<size_t>(n));
  }
  if (connection.closing) {
    // All sent: end our side and let the client close (closing first with its STDIN
    // still unread could reset the connection before it has read the answer). sweep()
    // ends a client that never closes.
    ::shutdown(fd, SHUT_WR);
  }
  if (connection.waiting_to_send) loop_.modify(fd, EPOLLIN | EPOLLRDHUP);
  connection.waiting_to_send = false;
  return true;
}

void StatusServer::pauseAccepting() {
  // The connection stays in the listen queue, so the socket stays readable: accepting again
  // at once would spin the master (and flood the log) until an fd is free.
  if (out_of_fds_.failed()) {
    log::sysError(log::Level::Warning,
                  "{}accept() on the status socket failed; not accepting for a second",
                  log_prefix_);
  }
  if (!accept_paused_) loop_.modify(listener_.get(), 0);
  accept_paused_ = true;
}

void StatusServer::resumeAccepting() {
  if (!accept_paused_) return;
  accept_paused_ = false;
  loop_.modify(listener_.get(), EPOLLIN);
}

void StatusServer::close(int fd) {
  loop_.remove(fd);
  connections_.erase(fd);
  resumeAccepting();  // an fd is free again
}

void StatusServer::dropOldest() {
  auto oldest = connections_.begin();
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->second->last_active_us < oldest->second->last_active_us) oldest = it;
  }
  if (oldest != connections_.end()) close(oldest->first);
}

void StatusServer::closeFdsInChild() {
  listener_.reset();
  connections_.clear();  // each closes its own fd
}

void StatusServer::sweep(int64_t now_us) {
  resumeAccepting();
  for (auto it = connections_.begin(); it != connections_.end();) {
    int fd = it->first;
    ++it;
    if (now_us - connections_[fd]->last_active_us > kIdleTimeoutUs) close(fd);
  }
}

}  // namespace fpmd::status
