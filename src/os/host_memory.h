#pragma once

// How much memory the processes here may still use: the memory cgroup's limit and use
// (v1: memory.limit_in_bytes, memory.usage_in_bytes, memory.stat; v2: memory.max,
// memory.current, memory.stat, memory.pressure), or the host's /proc/meminfo outside a
// limit, and memory pressure (PSI). The memory guard reads it several times a second, so
// the probe keeps its files open and reads each with one pread().

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace fpmd::os {

struct MemInfo {
  uint64_t total = 0;      // MemTotal, bytes
  uint64_t available = 0;  // MemAvailable, bytes
};
/// /proc/meminfo's text; nullopt without MemTotal or MemAvailable.
std::optional<MemInfo> parseMeminfo(std::string_view text);

struct Pressure {
  double some_avg10 = 0;  // percent of the last 10 s some task waited for memory
  double full_avg10 = 0;  // percent of the last 10 s all tasks did
};
/// The "some avg10=… " and "full avg10=…" lines of a PSI file (/proc/pressure/memory,
/// a v2 cgroup's memory.pressure). "full" is optional (older kernels' cpu files lack it).
std::optional<Pressure> parsePressure(std::string_view text);

/// One "name value" line of a memory.stat file; nullopt when it is not there.
std::optional<uint64_t> statValue(std::string_view stat_text, std::string_view name);

/// A limit file's value: a number, or "max" (v2) / a value near 2^63 (v1) for none.
std::optional<uint64_t> parseLimit(std::string_view text);

enum class CgroupVersion { None, V1, V2 };
const char* cgroupVersionName(CgroupVersion version);  // "none", "v1", "v2"

struct CgroupLocation {
  CgroupVersion version = CgroupVersion::None;
  std::string dir;    // the cgroup's directory, e.g. /sys/fs/cgroup/memory/system.slice/x
  std::string mount;  // where its hierarchy is mounted (v2 walks up to here for limits)
};
/// The memory cgroup of the process whose /proc/PID/cgroup and /proc/PID/mountinfo these
/// are: the v1 "memory" controller's hierarchy if one is mounted, else the v2 one (when
/// `v2_has_memory` says the memory controller is enabled there).
CgroupLocation findMemoryCgroup(std::string_view proc_cgroup, std::string_view mountinfo,
                                bool (*v2_has_memory)(const std::string& dir));

/// One reading.
struct HostMemory {
  /// What the processes here may use in all: the cgroup's limit (the smallest on its path)
  /// or, outside a limit, MemTotal.
  uint64_t limit = 0;
  /// What they use that the kernel cannot simply drop: the cgroup's usage minus its
  /// inactive file cache, or MemTotal - MemAvailable.
  uint64_t used = 0;
  /// limit - used, and never more than the host's MemAvailable.
  uint64_t available = 0;
  /// Memory PSI of the cgroup (v2) or of the host; nullopt without PSI.
  std::optional<Pressure> pressure;
  CgroupVersion source = CgroupVersion::None;  // None: read from /proc/meminfo
};

class HostMemoryProbe {
 public:
  /// Where to read; tests point them at files of their own.
  struct Paths {
    std::string meminfo = "/proc/meminfo";
    std::string host_pressure = "/proc/pressure/memory";
    CgroupLocation cgroup;
  };

  /// This process's own cgroup, found through /proc/self.
  static Paths pathsForThisProcess();

  explicit HostMemoryProbe(Paths paths);

  /// nullopt when even /proc/meminfo cannot be read.
  std::optional<HostMemory> read() const;
  const Paths& paths() const { return paths_; }
  /// In a forked worker: the master's readings are not its business.
  void closeInChild();

 private:
  Paths paths_;
  UniqueFd meminfo_, pressure_;
  UniqueFd limit_, usage_, stat_;
  /// v2: memory.max of the ancestors (a child cannot use more than its parents allow).
  uint64_t ancestors_limit_ = UINT64_MAX;
};

/// Reads a whole (small) file from offset 0: /proc and cgroup files are regenerated at
/// each read. Empty on error.
std::string preadAll(int fd);

}  // namespace fpmd::os
