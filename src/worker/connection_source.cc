#include "worker/connection_source.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "log/log.h"
#include "net/fd_passing.h"
#include "worker/stop_flag.h"

namespace fpmd::worker {

bool queueDispatched(scoreboard::Scoreboard* board, int channel_fd, int connection_fd) {
  // Raised first: the count is never below what the channel holds, or a worker could
  // miss a connection in it (it would still see the channel readable in epoll_wait).
  if (board != nullptr) board->addDispatchQueued(1);
  if (net::sendFd(channel_fd, connection_fd)) return true;
  if (board != nullptr) board->addDispatchQueued(-1);
  return false;
}

PoolSource::PoolSource(int listen_fd, int dispatch_fd, net::AllowedClients allowed,
                       scoreboard::Scoreboard* board)
    : listen_fd_(listen_fd),
      dispatch_fd_(dispatch_fd),
      allowed_(std::move(allowed)),
      board_(board),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  for (int fd : {listen_fd_, dispatch_fd_, stopWakeFd()}) {
    if (fd < 0) continue;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
      log::sysError(log::Level::Error, "epoll_ctl(ADD) failed");
    }
  }
}

UniqueFd acceptAllowed(int listen_fd, const net::AllowedClients& allowed) {
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof(peer);
  // Blocking, whatever the listener is: workers read their connections with blocking calls.
  UniqueFd fd(::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC));
  if (!fd) return fd;
  const auto* address = reinterpret_cast<const sockaddr*>(&peer);
  if (!allowed.allows(address)) {
    log::error("Connection disallowed: IP address '{}' has been dropped.",
               net::peerAddressText(address));
    fd.reset();
    errno = ECONNABORTED;  // after the close, which may set it
    return fd;
  }
  if (address->sa_family == AF_INET || address->sa_family == AF_INET6) {
    // Responses are written in one batch per flush; don't let Nagle hold the tail back.
    int on = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  }
  return fd;
}

bool PoolSource::acceptOne(IncomingConnection& incoming) {
  incoming.fd = acceptAllowed(listen_fd_, allowed_);
  return static_cast<bool>(incoming.fd);
}

bool PoolSource::takeDispatched(IncomingConnection& incoming) {
  if (!try_dispatch_) return false;
  incoming.fd = net::receiveNextFd(dispatch_fd_, [] {
    // The kernel closed it for want of an fd here; the next one may fit again.
    log::error("a dispatched connection was closed: out of file descriptors (rlimit_files)");
  });
  if (incoming.fd) {
    if (board_ != nullptr) board_->addDispatchQueued(-1);
    asked_ = false;
    incoming.request_waiting = true;
    return true;
  }
  try_dispatch_ = false;  // empty (or another worker was faster)
  return false;
}

PoolSource::Take PoolSource::takeWaiting(IncomingConnection& incoming) {
  // Both queues hold connections whose request is waiting: new ones in the listen queue,
  // kept ones the master or a worker dispatched. Under load neither is ever empty for
  // long, so always looking at one first starves the other (its requests waited for
  // seconds): take from them in turn, starting with the one not served last time.
  for (;;) {
    if (stopRequested()) return Take::Stop;
    if (dispatch_first_ && takeDispatched(incoming)) {
      dispatch_first_ = false;
      return Take::Got;
    }
    if (try_accept_) {
      if (acceptOne(incoming)) {
        dispatch_first_ = true;
        return Take::Got;
      }
      if (errno == ECONNABORTED || errno == EINTR) continue;
      // EINVAL: the graceful-stop handler replaced the listener with an unbound socket.
      if (stopRequested() || errno == EINVAL) return Take::Stop;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::sysError(log::Level::Error, "accept() failed");
        return Take::Stop;
      }
      try_accept_ = false;
    }
    if (!dispatch_first_ && takeDispatched(incoming)) return Take::Got;
    if (!try_dispatch_ && !try_accept_) return Take::Empty;
  }
}

bool PoolSource::tryNext(bool listen_ready, bool dispatch_ready, IncomingConnection& incoming) {
  try_dispatch_ = dispatch_ready && dispatch_fd_ >= 0;
  try_accept_ = listen_ready && listen_fd_ >= 0;
  incoming = {};
  return takeWaiting(incoming) != Take::Stop;
}

void PoolSource::ask() {
  if (asked_) return;
  uint64_t one = 1;
  if (::write(credits_fd_, &one, sizeof(one)) == sizeof(one)) asked_ = true;
}

IncomingConnection PoolSource::next() {
  // Without keep-alive the channel is always empty: no recvmsg() per connection for it.
  try_dispatch_ = dispatch_fd_ >= 0 && (board_ == nullptr || board_->dispatchMayHold());
  try_accept_ = listen_fd_ >= 0;
  if (credits_fd_ >= 0) {
    // The master sends one connection per ask: a worker that took one without asking
    // would take another's, and that one would wait with its ask spent.
    ask();
    try_dispatch_ = true;
  }
  bool idle_work_due = static_cast<bool>(idle_work_);
  for (;;) {
    IncomingConnection incoming;
    Take taken = takeWaiting(incoming);
    if (taken == Take::Got) return incoming;
    if (taken == Take::Stop) return {};
    epoll_event events[3];
    int ready = ::epoll_wait(epoll_.get(), events, 3, idle_work_due ? idle_after_ms_ : -1);
    if (ready == 0) {
      idle_work_due = false;
      ++idle_work_runs_;
      idle_work_();
      continue;
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      log::sysError(log::Level::Error, "epoll_wait() failed");
      return {};
    }
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.fd == dispatch_fd_) try_dispatch_ = true;
      if (events[i].data.fd == listen_fd_) try_accept_ = true;
    }
  }
}

}  // namespace fpmd::worker
