#pragma once

// A worker's memory as the kernel accounts it: RSS counts every page it maps (so shared
// opcache and libphp pages count once per worker), PSS divides each shared page among the
// processes sharing it (so the PSS of all workers adds up to what the pool really uses).
// Read from /proc/PID/smaps_rollup by the master, which may read every worker's.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace fpmd::os {

struct ProcessMemory {
  uint64_t rss = 0;  // bytes
  uint64_t pss = 0;
};

/// The "Rss:" and "Pss:" lines (kB) of smaps_rollup's text; nullopt when either is missing.
std::optional<ProcessMemory> parseSmapsRollup(std::string_view text);

/// nullopt when the process is gone or the file cannot be read.
std::optional<ProcessMemory> readProcessMemory(pid_t pid);

/// This process's resident set size in bytes, from /proc/self/statm: one short read, cheap
/// enough for a worker to take after every request. 0 when it cannot be read.
uint64_t ownResidentBytes();
/// This process's CPU time (user + system) and largest resident set so far, from one
/// getrusage(): each reading of a CPU clock takes the scheduler's lock, so a worker reads
/// both at once after its request.
struct OwnUsage {
  uint64_t cpu_micros = 0;
  uint64_t peak_resident_bytes = 0;  // ru_maxrss
};
OwnUsage ownUsage();

/// The resident pages field (the second) of a statm line, in pages.
std::optional<uint64_t> parseStatmResident(std::string_view text);

}  // namespace fpmd::os
