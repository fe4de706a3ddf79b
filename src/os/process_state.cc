#include "os/process_state.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/unique_fd.h"

namespace fpmd::os {

std::optional<char> parseStatState(std::string_view stat) {
  size_t close = stat.rfind(')');
  // "PID (comm) S …": a space, then the state letter.
  if (close == std::string_view::npos || close + 2 >= stat.size() || stat[close + 1] != ' ') {
    return std::nullopt;
  }
  return stat[close + 2];
}

bool sleepsInKernel(pid_t pid) {
  UniqueFd fd(::open(fmt::format("/proc/{}/stat", pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  // The state comes right after the pid and the command name (at most 15 bytes).
  char buf[128];
  ssize_t n = ::read(fd.get(), buf, sizeof(buf));
  if (n <= 0) return false;
  std::optional<char> state = parseStatState(std::string_view(buf, static_cast<size_t>(n)));
  return state == 'S' || state == 'D';
}

int usableCpus() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (::sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 1;
  return std::max(1, CPU_COUNT(&cpus));
}

}  // namespace fpmd::os
