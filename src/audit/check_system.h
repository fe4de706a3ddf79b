#pragma once

// `fpmd --check-system`: seed 000's kernel and limit advice (a sysctl.conf and a
// limits.conf copied from blog to blog) and seed 004's 1 GB server, audited against the
// config instead of copied. Each check says what it found, what the config needs and the
// command that fixes it (docs/check-system.md). A pure function of the config and the
// readings, which audit/readings.h takes from this host, so tests can hand it a 1 GB server.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "os/host_memory.h"

namespace fpmd::audit {

enum class Level { Ok, Warn, Fail };
const char* levelName(Level level);  // "OK", "WARN", "FAIL"

struct Check {
  std::string name;  // "memory", "nofile", or the sysctl's name ("net.core.somaxconn")
  Level level = Level::Ok;
  std::string found;    // the value found
  std::string needed;   // the value the config needs
  std::string fix;      // what to run or set; empty when there is nothing to fix
  std::string message;  // why, with the numbers
};

/// What the audit looks at, read by audit::readThisHost() or made up by a test.
struct Readings {
  struct Memory {
    uint64_t limit = 0;                                  // the cgroup's limit, or MemTotal
    os::CgroupVersion source = os::CgroupVersion::None;  // None: /proc/meminfo's MemTotal
  };
  std::optional<Memory> memory;
  struct FileLimit {
    uint64_t soft = 0;  // UINT64_MAX: unlimited
    uint64_t hard = 0;
  };
  std::optional<FileLimit> nofile;  // RLIMIT_NOFILE of the process that runs the check
  bool running_as_root = false;     // the master can raise its hard limits
  // sysctl values; nullopt when this kernel does not have the parameter or it is unreadable.
  std::optional<int64_t> somaxconn;                        // net.core.somaxconn
  std::optional<int64_t> file_max;                         // fs.file-max
  std::optional<std::vector<int64_t>> local_port_range;    // net.ipv4.ip_local_port_range
  std::optional<std::string> local_reserved_ports;         // net.ipv4.ip_local_reserved_ports
  std::optional<int64_t> tcp_tw_reuse, tcp_timestamps;     // net.ipv4.tcp_tw_reuse, …
  std::optional<int64_t> tcp_tw_recycle, tcp_fin_timeout;  // absent since Linux 4.12, …
};

// The estimates, documented in docs/check-system.md.
/// The share of the memory available to the pools above which the memory check warns.
inline constexpr double kMemoryWarnShare = 0.8;
/// The master's own descriptors: stdio, epoll, signalfd, timers, logs, libphp's files.
inline constexpr uint64_t kMasterFds = 32;
/// A pool's in the master: listener, status listener, two socketpairs, access log, slowlog.
inline constexpr uint64_t kPoolFds = 8;
/// A worker's in the master: a connection held for it (kept alive or still arriving), and
/// its stdout and stderr pipes with catch_workers_output.
inline constexpr uint64_t kWorkerFdsInMaster = 1;
inline constexpr uint64_t kWorkerOutputFds = 2;
/// A worker's own, for fs.file-max: stdio, listener, channels, epoll, its connection, logs,
/// the scripts, a few database and cache connections.
inline constexpr uint64_t kWorkerFds = 32;
/// A pool's listen.backlog of -1 (the kernel's somaxconn) is audited against php-fpm's
/// old default, what www.conf and php.net still document.
inline constexpr int64_t kMinimumBacklog = 511;
/// Fewer local ports than this for outgoing connections: warn.
inline constexpr int64_t kMinimumPortRange = 10000;
/// net.ipv4.tcp_fin_timeout below this: warn (seed 000 sets 1; the kernel's default is 60).
inline constexpr int64_t kMinimumFinTimeout = 10;

/// One check after the other: memory, nofile, fs.file-max, net.core.somaxconn,
/// net.ipv4.ip_local_port_range, net.ipv4.tcp_tw_reuse, net.ipv4.tcp_tw_recycle,
/// net.ipv4.tcp_fin_timeout.
std::vector<Check> checkSystem(const config::Config& config, const Readings& readings);

/// The descriptors the master holds with every pool at pm.max_children.
uint64_t masterFdsNeeded(const config::Config& config);

Level worstLevel(const std::vector<Check>& checks);
/// The process's exit code: 0 when every check is OK, 1 when the worst is WARN, 2 on a FAIL.
int exitCode(const std::vector<Check>& checks);

}  // namespace fpmd::audit
