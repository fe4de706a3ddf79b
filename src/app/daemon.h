#pragma once

// Going to the background the way PHP-FPM does: the parent waits on a pipe until the
// daemon reports its real start-up result, so an init script sees a failure.

namespace fpmd::app {

/// In the parent: never returns (exits 0 when the daemon reported ready, 78 otherwise).
/// In the daemon: returns the write end of the pipe for Master to report on.
int daemonize();

}  // namespace fpmd::app
