#pragma once

// PHP-FPM's `listen` values: "ip:port", "[ipv6]:port", "*:port", "port" (all addresses)
// or a unix socket path. Pure parsing; no sockets are created here.

#include <string>

#include "common/result.h"

namespace fpmd::net {

struct ListenAddress {
  enum class Kind { Unix, Inet, Inet6, AnyPort } kind = Kind::Unix;
  std::string path;  // Unix
  std::string host;  // Inet/Inet6: numeric address or a name; empty for any
  int port = 0;

  bool isUnix() const { return kind == Kind::Unix; }
  /// The key used for FPM_SOCKETS when sockets are inherited across a reload.
  std::string key() const;
};

/// A value is a unix path unless it contains ':' or is all digits, as in PHP-FPM.
Result<ListenAddress> parseListenAddress(const std::string& value);

}  // namespace fpmd::net
