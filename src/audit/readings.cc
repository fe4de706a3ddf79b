#include "audit/readings.h"

#include <sys/resource.h>
#include <unistd.h>

namespace fpmd::audit {
namespace {

uint64_t limitValue(rlim_t value) {
  return value == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(value);
}

}  // namespace

Readings readThisHost(const os::Sysctl& sysctl) {
  Readings readings;
  os::HostMemoryProbe probe(os::HostMemoryProbe::pathsForThisProcess());
  if (std::optional<os::HostMemory> memory = probe.read()) {
    readings.memory = Readings::Memory{memory->limit, memory->source};
  }
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    readings.nofile = Readings::FileLimit{limitValue(files.rlim_cur), limitValue(files.rlim_max)};
  }
  readings.running_as_root = ::geteuid() == 0;
  readings.somaxconn = sysctl.integer("net.core.somaxconn");
  readings.file_max = sysctl.integer("fs.file-max");
  readings.local_port_range = sysctl.integers("net.ipv4.ip_local_port_range");
  readings.local_reserved_ports = sysctl.text("net.ipv4.ip_local_reserved_ports");
  readings.tcp_tw_reuse = sysctl.integer("net.ipv4.tcp_tw_reuse");
  readings.tcp_timestamps = sysctl.integer("net.ipv4.tcp_timestamps");
  readings.tcp_tw_recycle = sysctl.integer("net.ipv4.tcp_tw_recycle");
  readings.tcp_fin_timeout = sysctl.integer("net.ipv4.tcp_fin_timeout");
  return readings;
}

}  // namespace fpmd::audit
