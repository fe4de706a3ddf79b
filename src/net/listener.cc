#include "net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "log/log.h"

namespace fpmd::net {
namespace {

std::string errnoText(int err) {
  return fmt::format("{} ({})", std::strerror(err), err);
}

Error sysFailure(const std::string& what, const ListenAddress& address) {
  int err = errno;
  return makeError(fmt::format("{} for address '{}': {}", what, address.key(), errnoText(err)));
}

Result<UniqueFd> listenOn(UniqueFd fd, const ListenAddress& address, int backlog) {
  if (::listen(fd.get(), backlog) < 0) {
    return sysFailure("failed to listen to address", address);
  }
  return fd;
}

// A unix path that still answers belongs to a running server: refuse rather than steal it.
bool unixPathIsServed(const std::string& path) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe) return false;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
  return ::connect(probe.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0;
}

Result<UniqueFd> openUnix(const ListenAddress& address, const ListenOptions& options) {
  sockaddr_un sun{};
  if (address.path.size() >= sizeof(sun.sun_path)) {
    return makeError(fmt::format("socket path '{}' is too long", address.path));
  }
  if (unixPathIsServed(address.path)) {
    return makeError(
        fmt::format("An another FPM instance seems to already listen on {}", address.path));
  }
  ::unlink(address.path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sysFailure("failed to create new listening socket: socket()", address);
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, address.path.c_str(), address.path.size());
  // Bind under a umask that leaves the mode to us, then chmod: no window where the
  // socket is reachable with wider permissions than configured.
  mode_t old_mask = ::umask(0777);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun));
  ::umask(old_mask);
  if (rc < 0) return sysFailure("unable to bind listening socket", address);
  Status permissions = applyUnixPermissions(address.path, options);
  if (!permissions) return makeError(permissions.error());
  return listenOn(std::move(fd), address, options.backlog);
}

Result<UniqueFd> openInetExactly(const ListenAddress& address, const ListenOptions& options) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (address.kind == ListenAddress::Kind::AnyPort) {
    family = AF_INET6;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_any;
    sin6->sin6_port = htons(static_cast<uint16_t>(address.port));
    length = sizeof(*sin6);
  } else if (address.kind == ListenAddress::Kind::Inet6) {
    family = AF_INET6;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    if (::inet_pton(AF_INET6, address.host.c_str(), &sin6->sin6_addr) != 1) {
      return makeError(fmt::format("invalid IPv6 address '{}'", address.host));
    }
    sin6->sin6_port = htons(static_cast<uint16_t>(address.port));
    length = sizeof(*sin6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(address.port));
    if (::inet_pton(AF_INET, address.host.c_str(), &sin->sin_addr) != 1) {
      // A host name: PHP-FPM resolves it and takes the first IPv4 address.
      addrinfo hints{};
      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      int rc = ::getaddrinfo(address.host.c_str(), nullptr, &hints, &found);
      if (rc != 0 || found == nullptr) {
        return makeError(fmt::format("getaddrinfo: {} for '{}'", ::gai_strerror(rc), address.host));
      }
      sin->sin_addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
      ::freeaddrinfo(found);
    }
    length = sizeof(*sin);
  }

  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sysFailure("failed to create new listening socket: socket()", address);
  int on = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) {
    return sysFailure("failed to change socket attribute", address);
  }
  if (address.kind == ListenAddress::Kind::AnyPort) {
    int off = 0;  // dual stack: accept IPv4 as v4-mapped addresses too
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) < 0) {
    return sysFailure("unable to bind listening socket", address);
  }
  return listenOn(std::move(fd), address, options.backlog);
}

// "listen = 9000" means "::" (dual stack) and, when that fails for any reason (no IPv6 in
// the kernel, or only a v6-only socket holding the port), every IPv4 address, as PHP-FPM's
// fpm_socket_af_inet_listening_socket() does; only the second attempt's error is reported.
Result<UniqueFd> openInet(const ListenAddress& address, const ListenOptions& options) {
  if (address.kind != ListenAddress::Kind::AnyPort) return openInetExactly(address, options);
  Result<UniqueFd> dual = openInetExactly(address, options);
  if (dual) return dual;
  log::notice("Failed implicitly binding to ::, retrying with 0.0.0.0");
  ListenAddress v4 = address;
  v4.kind = ListenAddress::Kind::Inet;
  v4.host = "0.0.0.0";
  return openInetExactly(v4, options);
}

}  // namespace

Status applyUnixPermissions(const std::string& path, const ListenOptions& options) {
  if (::chmod(path.c_str(), options.mode) < 0) {
    int err = errno;
    return makeError(fmt::format("failed to chmod() the socket '{}': {}", path, errnoText(err)));
  }
  if (options.owner || options.group) {
    uid_t uid = options.owner.value_or(static_cast<uid_t>(-1));
    gid_t gid = options.group.value_or(static_cast<gid_t>(-1));
    if (::chown(path.c_str(), uid, gid) < 0) {
      int err = errno;
      return makeError(fmt::format("failed to chown() the socket '{}': {}", path, errnoText(err)));
    }
  }
  return {};
}

Result<UniqueFd> openListener(const ListenAddress& address, const ListenOptions& options) {
  if (address.isUnix()) return openUnix(address, options);
  return openInet(address, options);
}

int effectiveBacklog(int configured) {
  int somaxconn = 4096;
  std::ifstream in("/proc/sys/net/core/somaxconn");
  if (in) in >> somaxconn;
  if (configured < 0 || configured > somaxconn) return somaxconn;
  return configured;
}

}  // namespace fpmd::net
