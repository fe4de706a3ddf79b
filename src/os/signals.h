#pragma once

// The master receives signals through a signalfd: they are blocked in the master and
// read by the loop, so no work happens in a handler (nginx's discipline, FPM's self-pipe).

#include <signal.h>

#include "common/unique_fd.h"

namespace fpmd::os {

class SignalChannel {
 public:
  /// Blocks TERM, INT, QUIT, USR1, USR2 and CHLD and opens a signalfd for them. SIGPIPE is
  /// ignored: a web server that goes away must not kill the master.
  SignalChannel();
  int fd() const { return fd_.get(); }
  /// Next pending signal number, or 0 when none is left.
  int next();
  /// In a forked child: unblock everything, restore default dispositions and close the
  /// signalfd (the master's).
  void resetInChild();

 private:
  UniqueFd fd_;
};

}  // namespace fpmd::os
