#pragma once

// What a freshly forked worker does to itself before serving, in PHP-FPM's order
// (fpm_unix_init_child, fpm_env_init_child): limits, chroot, chdir, identity, priority,
// dumpable flag, environment.

#include "common/result.h"
#include "config/config.h"

namespace fpmd::worker {

/// Runs in the child. Errors name the failed call, as PHP-FPM logs them; the child then
/// exits (the master logs and replaces it).
Status setupWorkerProcess(const config::PoolConfig& pool, bool running_as_root);

/// clear_env and env[]: rebuilds the environment the PHP scripts see.
void applyEnvironment(const config::PoolConfig& pool);

}  // namespace fpmd::worker
