#include "fastcgi/socket_io.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace fpmd::fastcgi {

long readSome(int fd, char* buf, size_t len) {
  for (;;) {
    ssize_t n = ::read(fd, buf, len);
    if (n >= 0 || errno != EINTR) return static_cast<long>(n);
  }
}

bool writeAll(int fd, const char* data, size_t len) {
  bool socket = true;
  while (len > 0) {
    ssize_t n = socket ? ::send(fd, data, len, MSG_NOSIGNAL) : ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && socket) {
        socket = false;
        continue;
      }
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

bool isPeerGone(int error) {
  return error == EPIPE || error == ECONNRESET;
}

std::string describePeer(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "unknown peer";
  char ip[INET6_ADDRSTRLEN] = {};
  switch (addr.ss_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      return fmt::format("{}:{}", ip, ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
      return fmt::format("[{}]:{}", ip, ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
      sockaddr_un local{};
      socklen_t local_len = sizeof local;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
          local_len > offsetof(sockaddr_un, sun_path) && local.sun_path[0] != '\0') {
        size_t max = local_len - offsetof(sockaddr_un, sun_path);
        return fmt::format("unix:{}",
                           std::string_view(local.sun_path, ::strnlen(local.sun_path, max)));
      }
      return "unix socket";
    }
    default:
      return "unknown peer";
  }
}

void setNoDelayIfTcp(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) return;
  int on = 1;
  // Best effort: without it a kept connection only risks Nagle delays.
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

}  // namespace fpmd::fastcgi
