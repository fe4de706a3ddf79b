#pragma once

// Blocking socket helpers shared by the responder Connection and the client tools.

#include <cstddef>
#include <string>

namespace fpmd::fastcgi {

/// read() retried on EINTR: > 0 bytes read, 0 at end of stream, -1 with errno set.
long readSome(int fd, char* buf, size_t len);

/// Writes all of `data`, retrying on EINTR and partial writes. Uses send(MSG_NOSIGNAL) so
/// that a vanished peer is EPIPE rather than a SIGPIPE; falls back to write() when `fd`
/// is not a socket. False with errno set on failure.
bool writeAll(int fd, const char* data, size_t len);

/// True for the errors that mean the peer went away (EPIPE, ECONNRESET).
bool isPeerGone(int error);

/// The peer for log lines: "127.0.0.1:51234", "[::1]:51234", "unix:/run/php.sock"
/// (the local path: unix peers are unnamed) or "unknown peer".
std::string describePeer(int fd);

/// Turns on TCP_NODELAY when `fd` is a TCP socket; no-op otherwise.
void setNoDelayIfTcp(int fd);

}  // namespace fpmd::fastcgi
