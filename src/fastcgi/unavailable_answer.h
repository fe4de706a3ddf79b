#pragma once

// The master's own answer to a request that waited longer than request_queue_timeout for
// a worker: 503 with Retry-After, written without PHP and without a worker. Pure: the
// caller reads what the web server sent and writes the bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fpmd::fastcgi {

/// The request id of the BEGIN_REQUEST at the start of `input` (what was read from a
/// connection that nobody has read from yet), or nullopt when it is not there whole or
/// the bytes are not FastCGI.
std::optional<uint16_t> firstRequestId(std::string_view input);

/// The whole response: STDOUT with the CGI headers and a short text, its end, and
/// END_REQUEST (complete).
std::string unavailableResponse(uint16_t request_id, int retry_after_seconds);

}  // namespace fpmd::fastcgi
