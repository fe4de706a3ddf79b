#pragma once

// File descriptor flags, changed with their results checked: a listener left blocking
// stalls a worker, a socket left close-on-exec is lost across a reload.

#include <fcntl.h>

namespace fpmd {

/// Adds O_NONBLOCK, keeping the other status flags. False (errno set) on failure.
[[nodiscard]] inline bool setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/// Sets or clears FD_CLOEXEC. False (errno set) on failure.
[[nodiscard]] inline bool setCloseOnExec(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) return false;
  flags = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  return ::fcntl(fd, F_SETFD, flags) == 0;
}

}  // namespace fpmd
