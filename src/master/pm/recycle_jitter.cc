#include "master/pm/recycle_jitter.h"

#include <algorithm>

namespace fpmd::master::pm {
namespace {

/// splitmix64's finaliser: neighbouring seeds (consecutive pids) give unrelated values.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

unsigned long maxRequestsFor(unsigned long max_requests, unsigned long jitter, uint64_t seed) {
  if (max_requests == 0) return 0;
  jitter = std::min(jitter, max_requests - 1);
  if (jitter == 0) return max_requests;
  return max_requests - static_cast<unsigned long>(mix(seed) % (uint64_t{jitter} + 1));
}

unsigned long defaultMaxRequestsJitter(unsigned long max_requests) {
  return max_requests / 10;
}

unsigned long firstLifeJitter(unsigned long max_requests, unsigned long jitter) {
  if (jitter == 0) return 0;
  return std::max(jitter, max_requests / 2);
}

}  // namespace fpmd::master::pm
