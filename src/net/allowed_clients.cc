#include "net/allowed_clients.h"

#include <arpa/inet.h>

#include <cstring>

#include <fmt/format.h>

namespace fpmd::net {
namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

Result<AllowedClients> AllowedClients::parse(const std::string& csv) {
  AllowedClients clients;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string::npos) comma = csv.size();
    std::string item = trim(csv.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    in_addr v4;
    in6_addr v6;
    if (::inet_pton(AF_INET, item.c_str(), &v4) == 1) {
      clients.v4_.push_back(v4);
    } else if (::inet_pton(AF_INET6, item.c_str(), &v6) == 1) {
      clients.v6_.push_back(v6);
    } else {
      return makeError(fmt::format("Wrong IP address '{}' in listen.allowed_clients", item));
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
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, buf,
                sizeof(buf));
  } else if (address->sa_family == AF_UNIX) {
    return "unix";
  }
  return buf;
}

}  // namespace fpmd::net
