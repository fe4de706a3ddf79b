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

}  // namespace fpmd::net
