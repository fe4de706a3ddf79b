// Open files: the master's RLIMIT_NOFILE (or [global] rlimit_files) against the descriptors
// it holds with every pool full, the pools' own rlimit_files against the hard limit they
// inherit, and fs.file-max against all of fpmd's processes together. Seed 000 sets 65535
// in /etc/security/limits.conf, which only login sessions read, not a service.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "audit/checks.h"

namespace fpmd::audit {
namespace {

std::string limitText(uint64_t value) {
  return value == UINT64_MAX ? "unlimited" : fmt::to_string(value);
}

uint64_t roundUp(uint64_t value, uint64_t step) {
  return (value + step - 1) / step * step;
}

std::string nofileFix(uint64_t value) {
  return fmt::format(
      "set rlimit_files = {0} in [global] (fpmd applies it at start, as root), or "
      "LimitNOFILE={0} in the systemd unit (systemctl edit fpmd); /etc/security/limits.conf "
      "only applies to login sessions",
      value);
}

}  // namespace

uint64_t masterFdsNeeded(const config::Config& config) {
  uint64_t fds = kMasterFds;
  for (const config::PoolConfig& pool : config.pools) {
    uint64_t per_worker =
        kWorkerFdsInMaster + (pool.catch_workers_output ? kWorkerOutputFds : uint64_t{0});
    fds += kPoolFds + static_cast<uint64_t>(pool.pm_max_children) * per_worker;
  }
  return fds;
}

Check nofileCheck(const config::Config& config, const Readings& readings) {
  if (!readings.nofile) return unreadable("nofile", "RLIMIT_NOFILE", "ulimit -Sn; ulimit -Hn");
  Check check;
  check.name = "nofile";
  const Readings::FileLimit& now = *readings.nofile;
  const uint64_t needed = masterFdsNeeded(config);
  const uint64_t fixed = kMasterFds + kPoolFds * config.pools.size();
  const uint64_t suggested = roundUp(needed, 1024);

  // The master sets soft and hard to [global] rlimit_files; past the hard limit that takes
  // root (CAP_SYS_RESOURCE), and without it the master keeps what it was started with.
  uint64_t soft = now.soft, hard = now.hard;
  std::string problem;
  if (const std::optional<int>& files = config.global.rlimit_files) {
    auto wanted = static_cast<uint64_t>(*files);
    if (readings.running_as_root || wanted <= now.hard) {
      soft = hard = wanted;
      check.found = fmt::format("rlimit_files = {}", wanted);
    } else {
      check.found = fmt::format("rlimit_files = {} above the hard limit {}: soft {}", wanted,
                                limitText(now.hard), limitText(now.soft));
      problem = fmt::format(
          "[global] rlimit_files = {} is above the hard limit {} and fpmd does not run as root: "
          "setrlimit() fails and the master keeps {}",
          wanted, limitText(now.hard), limitText(now.soft));
      check.level = Level::Warn;
    }
  } else {
    check.found = fmt::format("soft {}, hard {} (rlimit_files unset)", limitText(now.soft),
                              limitText(now.hard));
  }
  check.needed = fmt::format(
      "at least {} for the master ({} + {} a pool + {} a worker, {} with catch_workers_output)",
      needed, kMasterFds, kPoolFds, kWorkerFdsInMaster, kWorkerFdsInMaster + kWorkerOutputFds);

  std::vector<std::string> messages;
  if (!problem.empty()) messages.push_back(problem);
  if (soft < fixed) {
    check.level = Level::Fail;
    messages.push_back(fmt::format(
        "the master may open only {} files, fewer than its listeners and logs need ({})",
        limitText(soft), fixed));
  } else if (soft < needed) {
    check.level = std::max(check.level, Level::Warn);
    messages.push_back(fmt::format(
        "the master may open {} files but holds about {} with every pool at pm.max_children: "
        "past it accept(), pipe() and socketpair() fail with EMFILE (\"Too many open files\")",
        limitText(soft), needed));
  }
  // A worker sets its pool's rlimit_files before it drops root; one it inherits a lower hard
  // limit than that from cannot raise it and does not start.
  for (const config::PoolConfig& pool : config.pools) {
    if (!pool.rlimit_files || readings.running_as_root) continue;
    if (static_cast<uint64_t>(*pool.rlimit_files) <= hard) continue;
    check.level = Level::Fail;
    messages.push_back(fmt::format(
        "[{}] rlimit_files = {} is above the hard limit {} the workers inherit: without root "
        "setrlimit() fails and the pool's workers do not start",
        pool.name, *pool.rlimit_files, limitText(hard)));
  }
  if (messages.empty()) {
    check.message =
        fmt::format("{} open files for the master, about {} needed", limitText(soft), needed);
    return check;
  }
  check.message = fmt::format("{}", fmt::join(messages, "; "));
  uint64_t pools_want = 0;
  for (const config::PoolConfig& pool : config.pools) {
    if (pool.rlimit_files)
      pools_want = std::max(pools_want, static_cast<uint64_t>(*pool.rlimit_files));
  }
  check.fix = nofileFix(std::max(suggested, pools_want));
  return check;
}

Check fileMaxCheck(const config::Config& config, const Readings& readings) {
  if (!readings.file_max) {
    return unreadable("fs.file-max", "/proc/sys/fs/file-max", "sysctl fs.file-max");
  }
  Check check;
  check.name = "fs.file-max";
  uint64_t needed = masterFdsNeeded(config);
  for (const config::PoolConfig& pool : config.pools) {
    needed += static_cast<uint64_t>(pool.pm_max_children) * kWorkerFds;
  }
  auto file_max = static_cast<uint64_t>(std::max<int64_t>(*readings.file_max, 0));
  check.found = fmt::to_string(*readings.file_max);
  check.needed = fmt::format("at least {} (the master, and {} a worker)", needed, kWorkerFds);
  if (file_max >= needed) {
    check.message = fmt::format("the kernel's open files for all processes ({}) cover fpmd's {}",
                                file_max, needed);
    return check;
  }
  check.level = Level::Warn;
  check.message = fmt::format(
      "the kernel allows {} open files for all processes together, fewer than fpmd may use "
      "with every pool full ({}): opens fail with ENFILE (\"Too many open files in system\")",
      file_max, needed);
  check.fix = sysctlFix("fs.file-max", fmt::to_string(roundUp(needed * 2, 65536)));
  return check;
}

}  // namespace fpmd::audit
