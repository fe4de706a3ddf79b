#include "net/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace fpmd::net {

bool makeFdChannel(UniqueFd& a, UniqueFd& b) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) {
    return false;
  }
  a.reset(pair[0]);
  b.reset(pair[1]);
  return true;
}

bool sendFd(int channel, int fd) {
  char byte = 'c';  // SCM_RIGHTS needs at least one byte of data
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  for (;;) {
    ssize_t sent = ::sendmsg(channel, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent == 1) return true;
    if (sent < 0 && errno == EINTR) continue;
    return false;
  }
}

ReceivedFd receiveFd(int channel) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  for (;;) {
    ssize_t got = ::recvmsg(channel, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {};
    if (got <= 0) return {ReceivedFd::Outcome::Failed, UniqueFd(), got == 0 ? EPIPE : errno};
    break;
  }
  // The message came but its fd could not be installed (out of file descriptors): the
  // kernel has closed the connection it carried. Say so; the caller may read on.
  if ((message.msg_flags & MSG_CTRUNC) != 0) return {ReceivedFd::Outcome::Lost, UniqueFd(), EMFILE};
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == nullptr || header->cmsg_type != SCM_RIGHTS ||
      header->cmsg_len != CMSG_LEN(sizeof(int))) {
    return {ReceivedFd::Outcome::Failed, UniqueFd(), EPROTO};
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
  return {ReceivedFd::Outcome::Fd, UniqueFd(fd), 0};
}

UniqueFd receiveNextFd(int channel, const std::function<void()>& on_lost) {
  for (;;) {
    ReceivedFd received = receiveFd(channel);
    if (received.outcome == ReceivedFd::Outcome::Fd) return std::move(received.fd);
    if (received.outcome != ReceivedFd::Outcome::Lost) return UniqueFd();
    on_lost();
  }
}

}  // namespace fpmd::net
