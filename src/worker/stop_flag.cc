#include "worker/stop_flag.h"

#include <errno.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace fpmd::worker {
namespace {

volatile sig_atomic_t g_stop = 0;
int g_listen_fd = -1;
int g_spare_fd = -1;
int g_wake_fd = -1;

void onQuit(int) {
  int saved = errno;
  g_stop = 1;
  // dup2 is async-signal-safe. accept() on the replacement fails with EINVAL, which
  // wakes a worker blocked in accept and keeps any later accept from taking a client.
  if (g_listen_fd >= 0 && g_spare_fd >= 0) ::dup2(g_spare_fd, g_listen_fd);
  if (g_wake_fd >= 0) {
    uint64_t one = 1;
    ssize_t ignored = ::write(g_wake_fd, &one, sizeof(one));
    (void)ignored;
  }
  errno = saved;
}

}  // namespace

void installStopHandler(int listen_fd) {
  g_listen_fd = listen_fd;
  g_spare_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct sigaction action {};
  action.sa_handler = onQuit;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a blocked accept() must return EINTR or EINVAL.
  action.sa_flags = 0;
  ::sigaction(SIGQUIT, &action, nullptr);
}

bool stopWhenMasterDies(pid_t master) {
  if (::prctl(PR_SET_PDEATHSIG, SIGQUIT, 0, 0, 0) < 0) return false;
  // The master may have died between fork() and prctl(): then no signal will come.
  if (::getppid() != master) ::raise(SIGQUIT);
  return true;
}

bool stopRequested() {
  return g_stop != 0;
}

int stopWakeFd() {
  return g_wake_fd;
}

}  // namespace fpmd::worker
