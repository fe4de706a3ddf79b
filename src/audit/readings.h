#pragma once

// The readings `fpmd --check-system` audits, taken from this host: the memory cgroup or
// /proc/meminfo (os/host_memory), RLIMIT_NOFILE, and the sysctls (os/sysctl).

#include "audit/check_system.h"
#include "os/sysctl.h"

namespace fpmd::audit {

Readings readThisHost(const os::Sysctl& sysctl = os::Sysctl());

}  // namespace fpmd::audit
