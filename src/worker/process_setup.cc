#include "worker/process_setup.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "os/apparmor.h"
#include "os/process_memory.h"
#include "os/process_title.h"

namespace fpmd::worker {
namespace {

const std::string kRoot = "/";

Error failed(const config::PoolConfig& pool, const std::string& call) {
  int err = errno;
  return makeError(
      fmt::format("[pool {}] failed to {}: {} ({})", pool.name, call, std::strerror(err), err));
}

}  // namespace

void applyEnvironment(const config::PoolConfig& pool) {
  if (pool.clear_env) ::clearenv();
  for (const auto& [name, value] : pool.env) ::setenv(name.c_str(), value.c_str(), 1);
}

Status setupWorkerProcess(const config::PoolConfig& pool, bool running_as_root) {
  os::setProcessTitle(fmt::format("fpmd: pool {}", pool.name));
  if (pool.rlimit_files) {
    rlimit limit{static_cast<rlim_t>(*pool.rlimit_files), static_cast<rlim_t>(*pool.rlimit_files)};
    if (::setrlimit(RLIMIT_NOFILE, &limit) < 0) {
      return failed(pool, fmt::format("set max open files limit to {}", *pool.rlimit_files));
    }
  }
  if (pool.rlimit_core) {
    rlim_t value = *pool.rlimit_core < 0 ? RLIM_INFINITY : static_cast<rlim_t>(*pool.rlimit_core);
    rlimit limit{value, value};
    if (::setrlimit(RLIMIT_CORE, &limit) < 0) {
      return failed(pool, "set max core size limit");
    }
  }
  // Not root, chroot, user, group and priority are ignored (the master said so at start),
  // as in PHP-FPM's fpm_unix_init_child.
  const bool chrooted = running_as_root && !pool.chroot.empty();
  // Opens /proc/self/statm for the per-request memory check while /proc is still in reach.
  if (chrooted) os::ownResidentBytes();
  if (chrooted && ::chroot(pool.chroot.c_str()) < 0) {
    return failed(pool, fmt::format("chroot({})", pool.chroot));
  }
  // Under chroot without chdir, PHP-FPM starts in the new root.
  const std::string& dir = !pool.chdir.empty() || !chrooted ? pool.chdir : kRoot;
  if (!dir.empty() && ::chdir(dir.c_str()) < 0) {
    return failed(pool, fmt::format("chdir({})", dir));
  }
  if (running_as_root && pool.has_user) {
    if (::setgid(pool.gid) < 0) return failed(pool, fmt::format("setgid({})", pool.gid));
    if (::initgroups(pool.user.c_str(), pool.gid) < 0) {
      return failed(pool, fmt::format("initgroups({}, {})", pool.user, pool.gid));
    }
    if (::setuid(pool.uid) < 0) return failed(pool, fmt::format("setuid({})", pool.uid));
  }
  if (running_as_root && pool.process_priority) {
    if (::setpriority(PRIO_PROCESS, 0, *pool.process_priority) < 0) {
      return failed(pool, fmt::format("set priority to {}", *pool.process_priority));
    }
  }
  if (!pool.apparmor_hat.empty()) {
    if (Status changed = os::changeApparmorHat(pool.name, pool.apparmor_hat); !changed) {
      return changed;
    }
  }
  // setuid() clears the dumpable flag; PHP-FPM restores it on request so that the
  // master can trace (slowlog) and the kernel can dump core.
  if (pool.process_dumpable && ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
    return failed(pool, "prctl(PR_SET_DUMPABLE)");
  }
  applyEnvironment(pool);
  return {};
}

}  // namespace fpmd::worker
