#pragma once

// How a worker process comes to be. The supervisor asks; the real spawner forks, a test's
// spawner only hands out pids, so spawning, back-off and hold-off are tested without
// processes.

#include <sys/types.h>

#include <optional>

#include "common/unique_fd.h"

namespace fpmd::master {

struct Pool;

/// A started worker as the master keeps it: its pid and, with catch_workers_output, the
/// read ends of its stdout and stderr.
struct SpawnedWorker {
  pid_t pid = 0;
  UniqueFd stdout_pipe;
  UniqueFd stderr_pipe;
};

class Spawner {
 public:
  virtual ~Spawner() = default;
  /// Starts a worker of `pool` in scoreboard slot `slot`. nullopt: it could not be
  /// started (the reason is logged).
  virtual std::optional<SpawnedWorker> start(Pool& pool, int slot, bool startup) = 0;
};

}  // namespace fpmd::master
