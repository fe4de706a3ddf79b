#include "net/listen_queue.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace fpmd::net {

std::optional<ListenQueue> tcpListenQueue(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) < 0) return std::nullopt;
  // On a listening socket Linux reports the accept queue in these two fields.
  if (info.tcpi_sacked == 0) return std::nullopt;
  return ListenQueue{info.tcpi_unacked, info.tcpi_sacked};
}

}  // namespace fpmd::net
