#include "worker/connection_source.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "log/log.h"
#include "worker/stop_flag.h"

namespace fpmd::worker {

IncomingConnection ListenSource::next() {
  for (;;) {
    if (stopRequested()) return {};
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // EINVAL: the graceful-stop handler replaced the listener with an unbound socket.
      if (stopRequested() || errno == EINVAL) return {};
      log::sysError(log::Level::Error, "accept() failed");
      return {};
    }
    IncomingConnection incoming{UniqueFd(fd), {}};
    const auto* address = reinterpret_cast<const sockaddr*>(&peer);
    if (!allowed_.allows(address)) {
      log::error("Connection disallowed: IP address '{}' has been dropped.",
                 net::peerAddressText(address));
      continue;
    }
    if (address->sa_family == AF_INET || address->sa_family == AF_INET6) {
      // Responses are written in one batch per flush; don't let Nagle hold the tail back.
      int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    return incoming;
  }
}

}  // namespace fpmd::worker
