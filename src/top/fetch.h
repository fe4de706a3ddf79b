#pragma once

// `fpmd status`: one FastCGI request for a pool's status page, as a web server would send
// it, and the CGI answer split into status, headers and body.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fpmd::top {

/// Where the status page is served: a pool's `listen` value.
struct StatusAddress {
  enum class Kind { Unix, Tcp } kind = Kind::Unix;
  std::string path;  // Unix
  std::string host;  // Tcp: a name or a numeric address (no brackets)
  std::string port;  // Tcp
};

/// A unix socket path (optionally "unix:/path"), "host:port", "[ipv6]:port", or a bare
/// port / "*:port" (meaning this host), as the pool's `listen` line spells it.
Result<StatusAddress> parseStatusAddress(const std::string& text);

struct CgiResponse {
  int status = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Splits a responder's stdout stream: header lines (CRLF or LF) up to an empty line, then
/// the body. "Status: 404 Not Found" sets status and reason; without it the status is 200.
Result<CgiResponse> parseCgiResponse(std::string_view stdout_stream);

/// The request's bytes: BEGIN_REQUEST (no keep-conn), PARAMS for GET `path`?`query`,
/// an empty STDIN.
std::string encodeStatusRequest(const std::string& path, const std::string& query);

/// Sends the request and returns the page's body. Fails, with a message that names
/// `address_text`, when the connection fails, the answer is not a complete FastCGI
/// response within `timeout_ms`, or its status is not 200. A signal interrupts the wait.
Result<std::string> fetchStatusPage(const StatusAddress& address, const std::string& address_text,
                                    const std::string& path, const std::string& query,
                                    int timeout_ms);

}  // namespace fpmd::top
