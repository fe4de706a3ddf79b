#pragma once

// A worker's graceful stop (SIGQUIT, as PHP-FPM's children): finish the current request,
// accept no new one, exit 0. The signal handler is the only writer.

namespace fpmd::worker {

/// Installs the SIGQUIT handler. On the signal it sets the flag and replaces
/// `listen_fd` with an unbound socket so a blocked accept() returns at once.
void installStopHandler(int listen_fd);
bool stopRequested();
/// Readable once a stop was requested: wait on it beside other fds (epoll, poll), since
/// a signal that lands just before the wait would otherwise not interrupt it.
int stopWakeFd();

}  // namespace fpmd::worker
