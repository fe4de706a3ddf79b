// The memory check: what the pools may take at pm.max_children against what the cgroup or
// the host leaves them once [global] memory_reserve is kept free — seed 004's 1 GB server,
// whose 50 php-fpm children starved mysqld, must FAIL here before it goes live.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "audit/checks.h"
#include "master/pm/memory_policy.h"

namespace fpmd::audit {
namespace {

namespace pm = master::pm;

/// A pool as the memory check counts it.
struct PoolTake {
  const config::PoolConfig* pool = nullptr;
  uint64_t worker = 0;  // pm.max_memory, or the governor's first guess
  uint64_t take = 0;    // max_children × worker, or the budget when that is less
  bool budgeted = false;
};

const char* limitSource(os::CgroupVersion source) {
  switch (source) {
    case os::CgroupVersion::V1:
      return "cgroup v1 memory.limit_in_bytes";
    case os::CgroupVersion::V2:
      return "cgroup v2 memory.max";
    default:
      return "host MemTotal, no cgroup limit";
  }
}

std::string describe(const PoolTake& part) {
  const config::PoolConfig& pool = *part.pool;
  if (part.budgeted) {
    return fmt::format("{}: pm.max_pool_memory {} MiB, under {} × {} MiB", pool.name,
                       mib(part.take), pool.pm_max_children, mib(part.worker));
  }
  return fmt::format("{}: {} × {} MiB", pool.name, pool.pm_max_children, mib(part.worker));
}

/// A budget to suggest: whole hundreds of MiB when there are that many ("900M").
std::string budgetText(uint64_t bytes) {
  uint64_t whole = bytes >> 20;
  if (whole >= 100) whole -= whole % 100;
  return fmt::format("{}M", std::max<uint64_t>(whole, 1));
}

/// What each pool should be set to for all of them to fit in `target`: each keeps its share
/// of the total.
std::string fixFor(const std::vector<PoolTake>& parts, uint64_t total, uint64_t target) {
  std::vector<std::string> fixes;
  for (const PoolTake& part : parts) {
    auto share = static_cast<uint64_t>(static_cast<long double>(target) * part.take / total);
    uint64_t children = std::max<uint64_t>(1, share / part.worker);
    std::string fix = part.budgeted
                          ? fmt::format("set pm.max_pool_memory = {}, or pm.max_children = auto",
                                        budgetText(share))
                          : fmt::format(
                                "set pm.max_children = {}, or pm.max_children = auto, or "
                                "pm.max_pool_memory = {}",
                                children, budgetText(share));
    fixes.push_back(parts.size() == 1 ? fix : fmt::format("[{}] {}", part.pool->name, fix));
  }
  return fmt::format("{}", fmt::join(fixes, "; "));
}

}  // namespace

Check memoryCheck(const config::Config& config, const Readings& readings) {
  if (!readings.memory) {
    return unreadable("memory", "/proc/meminfo or the memory cgroup", "free -m");
  }
  Check check;
  check.name = "memory";
  const uint64_t limit = readings.memory->limit;
  const uint64_t reserve = std::min(limit, pm::reserveBytes(config.global.memory_reserve, limit));
  const uint64_t available = limit - reserve;
  const auto warn_at = static_cast<uint64_t>(static_cast<double>(available) * kMemoryWarnShare);

  std::vector<PoolTake> parts;
  std::vector<std::string> automatic;
  uint64_t total = 0;
  for (const config::PoolConfig& pool : config.pools) {
    if (pool.pm_max_children_auto) {
      automatic.push_back(pool.name);
      continue;
    }
    PoolTake part;
    part.pool = &pool;
    part.worker = pool.pm_max_memory != 0 ? pool.pm_max_memory : pm::kFirstFootprintGuess;
    part.take = static_cast<uint64_t>(pool.pm_max_children) * part.worker;
    if (pool.pm_max_pool_memory != 0 && pool.pm_max_pool_memory < part.take) {
      part.take = pool.pm_max_pool_memory;
      part.budgeted = true;
    }
    total += part.take;
    parts.push_back(part);
  }

  std::vector<std::string> described;
  for (const PoolTake& part : parts) described.push_back(describe(part));
  std::string room =
      reserve != 0
          ? fmt::format("{} MiB limit - {} MiB reserve", mib(limit), mib(reserve))
          : fmt::format("{} MiB limit, memory_reserve = 0: the host guard is off", mib(limit));
  std::string automatic_text =
      automatic.empty()
          ? ""
          : fmt::format("; {}: auto: sized from memory at run time", fmt::join(automatic, ", "));

  check.found = fmt::format("{} MiB for the pools; limit {} MiB ({})", mib(total), mib(limit),
                            limitSource(readings.memory->source));
  check.needed = fmt::format("at most {} MiB, better under {} MiB ({:.0f}%)", mib(available),
                             mib(warn_at), kMemoryWarnShare * 100);
  if (parts.empty()) {
    check.message = config.pools.empty() ? "no pool"
                                         : fmt::format("{} MiB available ({}){}", mib(available),
                                                       room, automatic_text);
    return check;
  }
  std::string pools = fmt::format("{}", fmt::join(described, ", "));
  if (total > available) {
    check.level = Level::Fail;
    check.message = fmt::format("pools may take {} MiB ({}) but {} MiB is available ({}){}",
                                mib(total), pools, mib(available), room, automatic_text);
    check.fix = fixFor(parts, total, available);
  } else if (total > warn_at) {
    check.level = Level::Warn;
    check.message = fmt::format(
        "pools may take {} MiB ({}), {:.0f}% of the {} MiB available ({}): little room for "
        "workers that grow past their estimate{}",
        mib(total), pools, 100.0 * static_cast<double>(total) / static_cast<double>(available),
        mib(available), room, automatic_text);
    check.fix = fixFor(parts, total, warn_at);
  } else {
    check.message = fmt::format("pools may take {} MiB ({}) of the {} MiB available ({}){}",
                                mib(total), pools, mib(available), room, automatic_text);
  }
  return check;
}

}  // namespace fpmd::audit
