#include "net/listen_address.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace fpmd::net {
namespace {

bool allDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// PHP-FPM names the port part only: "invalid port value '69002'".
Result<int> parsePort(const std::string& text) {
  if (!allDigits(text) || text.size() > 5) {
    return makeError(fmt::format("invalid port value '{}'", text));
  }
  int port = std::stoi(text);
  if (port < 1 || port > 65535) return makeError(fmt::format("invalid port value '{}'", text));
  return port;
}

}  // namespace

std::string ListenAddress::key() const {
  switch (kind) {
    case Kind::Unix:
      return path;
    case Kind::Inet:
      return fmt::format("{}:{}", host.empty() ? "0.0.0.0" : host, port);
    case Kind::Inet6:
      return fmt::format("[{}]:{}", host, port);
    case Kind::AnyPort:
      return fmt::format("[::]:{}", port);
  }
  return path;
}

Result<ListenAddress> parseListenAddress(const std::string& value) {
  ListenAddress address;
  if (value.empty()) return makeError("listen address is empty");
  if (allDigits(value)) {
    auto port = parsePort(value);
    if (!port) return makeError(port.error());
    address.kind = ListenAddress::Kind::AnyPort;
    address.port = *port;
    return address;
  }
  size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    address.kind = ListenAddress::Kind::Unix;
    address.path = value;
    return address;
  }
  auto port = parsePort(value.substr(colon + 1));
  if (!port) return makeError(port.error());
  address.port = *port;
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    address.kind = ListenAddress::Kind::Inet6;
    address.host = host.substr(1, host.size() - 2);
  } else if (host == "*" || host.empty()) {
    address.kind = ListenAddress::Kind::AnyPort;
  } else if (host.find(':') != std::string::npos) {
    return makeError(fmt::format("invalid listen address '{}'", value));
  } else {
    address.kind = ListenAddress::Kind::Inet;
    address.host = host;
  }
  return address;
}

}  // namespace fpmd::net
