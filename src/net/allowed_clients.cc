#include "net/allowed_clients.h"

#include <arpa/inet.h>

#include <cstring>

#include <fmt/format.h>

namespace fpmd::net {
AllowedClients AllowedClients::parse(const std::string& csv, std::vector<std::string>* rejected) {
  AllowedClients clients;
  if (csv.empty()) return clients;
  clients.configured_ = true;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    std::string item = csv.substr(start, comma - start);
    start = comma + 1;
    in_addr v4;
    in6_addr v6;
    if (::inet_pton(AF_INET, item.c_str(), &v4) == 1) {
      clients.v4_.push_back(v4);
    } else if (::inet_pton(AF_INET6, item.c_str(), &v6) == 1) {
      clients.v6_.push_back(v6);
    } else if (rejected != nullptr) {
      rejected->push_back(item);
    }
  }
  return clients;
}

bool AllowedClients::allows(const sockaddr* address) const {
  if (allowsAll()) return true;
  if (address == nullptr) return false;
  if (address->sa_family == AF_UNIX) return true;  // the list applies to TCP only
  if (address->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(address);
    for (const in_addr& allowed : v4_) {
      if (allowed.s_addr == sin->sin_addr.s_addr) return true;
    }
    return false;
  }
  if (address->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address);
    for (const in6_addr& allowed : v6_) {
      if (std::memcmp(&allowed, &sin6->sin6_addr, sizeof(in6_addr)) == 0) return true;
    }
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
      for (const in_addr& allowed : v4_) {
        if (std::memcmp(&allowed, &sin6->sin6_addr.s6_addr[12], 4) == 0) return true;
      }
    }
  }
  return false;
}

std::string peerAddressText(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = "unknown";
  if (address == nullptr) return buf;
  if (address->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, buf,
                sizeof(buf));
  } else if (address->sa_family == AF_INET6) {
    const in6_addr& ip6 = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    // An IPv4 client of a dual-stack socket is shown as IPv4 ("127.0.0.1", not
    // "::ffff:127.0.0.1"), as PHP-FPM's fcgi_get_last_client_ip() does.
    if (IN6_IS_ADDR_V4MAPPED(&ip6)) {
      ::inet_ntop(AF_INET, &ip6.s6_addr[12], buf, sizeof(buf));
    } else {
      ::inet_ntop(AF_INET6, &ip6, buf, sizeof(buf));
    }
  } else if (address->sa_family == AF_UNIX) {
    return "unix";
  }
  return buf;
}

}  // namespace fpmd::net
