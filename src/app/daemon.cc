#include "app/daemon.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "log/log.h"

namespace fpmd::app {

int daemonize() {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) {
    log::sysError(log::Level::Error, "failed to create pipe");
    std::exit(78);
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    log::sysError(log::Level::Error, "failed to daemonize");
    std::exit(78);
  }
  if (pid > 0) {
    ::close(pipe_fds[1]);
    char status = '0';
    ssize_t n;
    do {
      n = ::read(pipe_fds[0], &status, 1);
    } while (n < 0 && errno == EINTR);
    ::_exit(n == 1 && status == '1' ? 0 : 78);
  }
  ::close(pipe_fds[0]);
  if (::setsid() < 0) log::sysError(log::Level::Error, "setsid() failed");
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    // stderr follows the error log so that PHP's own start-up messages land there too.
    log::Target target = log::target();
    ::dup2(target.kind == log::Target::Kind::File ? target.fd : null_fd, 2);
    if (null_fd > 2) ::close(null_fd);
  }
  return pipe_fds[1];
}

}  // namespace fpmd::app
