#include "os/exit_status.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <fmt/format.h>

namespace fpmd::os {

std::string signalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

std::string describeExit(int status) {
  if (WIFEXITED(status)) return fmt::format("with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("on signal {} ({}{})", sig, signalName(sig),
                       WCOREDUMP(status) ? " - core dumped" : "");
  }
  return "abnormally";
}

bool exitedCleanly(int status) {
  return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
         (WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT);
}

}  // namespace fpmd::os
