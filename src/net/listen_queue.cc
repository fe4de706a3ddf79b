#include "net/listen_queue.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.h"

namespace fpmd::net {

std::optional<ListenQueue> tcpListenQueue(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) < 0) return std::nullopt;
  // On a listening socket Linux reports the accept queue in these two fields.
  if (info.tcpi_sacked == 0) return std::nullopt;
  return ListenQueue{info.tcpi_unacked, info.tcpi_sacked};
}

std::optional<ListenQueue> unixListenQueue(int fd) {
  struct stat info;
  if (::fstat(fd, &info) < 0) return std::nullopt;
  UniqueFd diag(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!diag) return std::nullopt;

  struct {
    nlmsghdr header;
    unix_diag_req body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  request.header.nlmsg_flags = NLM_F_REQUEST;
  request.body.sdiag_family = AF_UNIX;
  request.body.udiag_states = 1U << 10;  // TCP_LISTEN: unix sockets reuse TCP's states
  request.body.udiag_ino = static_cast<unsigned>(info.st_ino);
  request.body.udiag_show = UDIAG_SHOW_RQLEN;
  request.body.udiag_cookie[0] = request.body.udiag_cookie[1] = ~0U;  // no cookie
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(diag.get(), &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    return std::nullopt;
  }
  alignas(nlmsghdr) char buffer[1024];
  ssize_t n = ::recv(diag.get(), buffer, sizeof(buffer), 0);
  if (n <= 0) return std::nullopt;
  auto* header = reinterpret_cast<nlmsghdr*>(buffer);
  for (int len = static_cast<int>(n); NLMSG_OK(header, len); header = NLMSG_NEXT(header, len)) {
    if (header->nlmsg_type == NLMSG_ERROR || header->nlmsg_type == NLMSG_DONE) break;
    auto* message = static_cast<unix_diag_msg*>(NLMSG_DATA(header));
    if (message->udiag_ino != info.st_ino) continue;
    int attr_len = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof(*message)));
    for (auto* attr = reinterpret_cast<rtattr*>(message + 1); RTA_OK(attr, attr_len);
         attr = RTA_NEXT(attr, attr_len)) {
      if (attr->rta_type != UNIX_DIAG_RQLEN) continue;
      unix_diag_rqlen rqlen;
      std::memcpy(&rqlen, RTA_DATA(attr), sizeof(rqlen));
      return ListenQueue{rqlen.udiag_rqueue, rqlen.udiag_wqueue};
    }
  }
  return std::nullopt;
}

std::optional<ListenQueue> listenQueue(int fd, bool is_unix) {
  return is_unix ? unixListenQueue(fd) : tcpListenQueue(fd);
}

}  // namespace fpmd::net
