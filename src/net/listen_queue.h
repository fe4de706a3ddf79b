#pragma once

// How many connections wait in a listening socket's accept queue, and its limit.

#include <cstdint>
#include <optional>

namespace fpmd::net {

struct ListenQueue {
  uint64_t depth = 0;
  uint64_t limit = 0;
};

/// TCP listeners, as PHP-FPM reads them: TCP_INFO's tcpi_unacked (current depth) and
/// tcpi_sacked (backlog). nullopt when the socket is not TCP or the kernel won't say.
std::optional<ListenQueue> tcpListenQueue(int fd);

/// Unix listeners, which PHP-FPM always reports as 0 (php-src#9943): asks the kernel
/// through NETLINK_SOCK_DIAG (UNIX_DIAG_RQLEN: queued connections and the backlog) for
/// the socket with fd's inode. nullopt when the kernel won't say.
std::optional<ListenQueue> unixListenQueue(int fd);

/// Whichever of the two applies to fd.
std::optional<ListenQueue> listenQueue(int fd, bool is_unix);

}  // namespace fpmd::net
