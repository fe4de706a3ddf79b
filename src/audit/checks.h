#pragma once

// The checks of audit/check_system.h one by one, and what their texts share.

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/check_system.h"

namespace fpmd::audit {

Check memoryCheck(const config::Config& config, const Readings& readings);
Check nofileCheck(const config::Config& config, const Readings& readings);
Check fileMaxCheck(const config::Config& config, const Readings& readings);
Check somaxconnCheck(const config::Config& config, const Readings& readings);
Check portRangeCheck(const config::Config& config, const Readings& readings);
Check twReuseCheck(const config::Config& config, const Readings& readings);
Check twRecycleCheck(const Readings& readings);
Check finTimeoutCheck(const Readings& readings);

/// Bytes in MiB, rounded to the nearest.
uint64_t mib(uint64_t bytes);

/// The fix for a sysctl: set it now and keep it across reboots.
std::string sysctlFix(std::string_view name, std::string_view value);

/// A check that could not read its value: WARN, the reader named, a command to look.
Check unreadable(std::string name, std::string_view what, std::string_view look);

}  // namespace fpmd::audit
