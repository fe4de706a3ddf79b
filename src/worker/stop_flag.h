#pragma once

// A worker's graceful stop (SIGQUIT, as PHP-FPM's children): finish the current request,
// accept no new one, exit 0. The signal handler is the only writer.

#include <sys/types.h>

namespace fpmd::worker {

/// Installs the SIGQUIT handler. On the signal it sets the flag and replaces
/// `listen_fd` with an unbound socket so a blocked accept() returns at once.
void installStopHandler(int listen_fd);
/// Asks the kernel for the stop signal when the master dies (PR_SET_PDEATHSIG), so a
/// SIGKILLed master leaves no orphan serving: the worker finishes its request and exits,
/// and its copy of the listening socket is gone at once (the stop handler swaps it out), so
/// a new master can bind the address. Call after the last credential change (setuid clears
/// the setting). False (errno set) when prctl fails.
[[nodiscard]] bool stopWhenMasterDies(pid_t master);
bool stopRequested();
/// Readable once a stop was requested: wait on it beside other fds (epoll, poll), since
/// a signal that lands just before the wait would otherwise not interrupt it.
int stopWakeFd();

}  // namespace fpmd::worker
