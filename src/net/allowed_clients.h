#pragma once

// listen.allowed_clients (and FCGI_WEB_SERVER_ADDRS): the web servers allowed to connect
// to a TCP listener. IPv4 entries also match their IPv4-mapped IPv6 form.

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace fpmd::net {

class AllowedClients {
 public:
  /// Parses a comma-separated list of numeric addresses. Empty: everyone is allowed.
  static Result<AllowedClients> parse(const std::string& csv);

  bool allowsAll() const { return v4_.empty() && v6_.empty(); }
  bool allows(const sockaddr* address) const;

 private:
  std::vector<in_addr> v4_;
  std::vector<in6_addr> v6_;
};

/// The peer address as text for log lines ("127.0.0.1", "::1"), or "unknown".
std::string peerAddressText(const sockaddr* address);

}  // namespace fpmd::net
