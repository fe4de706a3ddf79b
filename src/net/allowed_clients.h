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
  /// Parses a comma-separated list of numeric addresses, as PHP-FPM's
  /// fcgi_set_allowed_clients() does: pieces are not trimmed, a piece that is not an
  /// address is skipped (and put in `rejected`, for the caller to warn about), and a list
  /// with no valid piece left allows no one. Empty: everyone is allowed.
  static AllowedClients parse(const std::string& csv, std::vector<std::string>* rejected);

  bool allowsAll() const { return !configured_; }
  bool allowsNone() const { return configured_ && v4_.empty() && v6_.empty(); }
  bool allows(const sockaddr* address) const;

 private:
  bool configured_ = false;
  std::vector<in_addr> v4_;
  std::vector<in6_addr> v6_;
};

/// The peer address as text for log lines ("127.0.0.1", "::1"), or "unknown".
std::string peerAddressText(const sockaddr* address);

}  // namespace fpmd::net
