#include "master/pm/memory_policy.h"

#include <algorithm>
#include <cmath>

namespace fpmd::master::pm {

uint64_t reserveBytes(const std::optional<config::GlobalConfig::MemoryReserve>& reserve,
                      uint64_t limit) {
  if (!reserve) {
    auto share = static_cast<uint64_t>(static_cast<double>(limit) * kDefaultReservePercent / 100);
    return std::min(limit / 2, std::max(share, kMinimumReserve));
  }
  if (reserve->bytes > 0) return reserve->bytes;
  return static_cast<uint64_t>(std::llround(static_cast<double>(limit) * reserve->percent / 100));
}

int autoMaxChildren(uint64_t pool_memory, uint64_t footprint, int cap) {
  if (footprint == 0) footprint = kFirstFootprintGuess;
  uint64_t fits = pool_memory / footprint;
  return static_cast<int>(std::clamp<uint64_t>(fits, 1, static_cast<uint64_t>(std::max(cap, 1))));
}

}  // namespace fpmd::master::pm
