#pragma once

// Whether a worker sleeps in the kernel (waits for a socket, a lock, sleep()) or runs (or
// waits for a CPU), from the state field of /proc/PID/stat. The process manager asks it
// about workers whose request has run for a while: a sleeping one is held by something
// else than CPU work, so a new worker would serve the connections queued behind it; a
// running one competes for the CPUs that a new worker would need too.

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace fpmd::os {

/// The one-letter state of a /proc/PID/stat line ('R', 'S', 'D', …); nullopt when the
/// text is not one. The command name may hold spaces and ')', so the state is found after
/// the last ')'.
std::optional<char> parseStatState(std::string_view stat);

/// True when the process sleeps ('S' interruptible, 'D' uninterruptible); false when it
/// runs, is runnable, or cannot be read (gone already).
bool sleepsInKernel(pid_t pid);

/// The CPUs this process may run on (a cpuset or taskset narrows them), as its workers
/// will: how many workers can make progress at once. At least 1.
int usableCpus();

}  // namespace fpmd::os
