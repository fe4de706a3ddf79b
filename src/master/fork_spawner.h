#pragma once

// The real spawner: fork(), then in the child the worker's process set-up (output, fds,
// credentials, limits, PHP) and its serve loop, which never returns to the master's code.

#include <functional>

#include "master/spawner.h"

namespace fpmd::master {

class ForkSpawner final : public Spawner {
 public:
  /// `in_child` runs first in each new worker: it closes what the master holds that the
  /// worker must not (its loop, other pools' sockets, held connections).
  ForkSpawner(bool running_as_root, std::function<void(const Pool&)> in_child)
      : running_as_root_(running_as_root), in_child_(std::move(in_child)) {}

  std::optional<SpawnedWorker> start(Pool& pool, int slot, bool startup) override;

 private:
  [[noreturn]] void runChild(Pool& pool, int slot, UniqueFd stdout_fd, UniqueFd stderr_fd,
                             bool startup, pid_t master_pid);

  bool running_as_root_;
  std::function<void(const Pool&)> in_child_;
};

}  // namespace fpmd::master
