#pragma once

// Whether a worker may leave PHP's module shutdown to the kernel. A worker that exits
// (pm.max_requests, idle timeout, stop, reload) would otherwise free every class,
// function and string the master built at start-up: 1.1 ms of CPU per recycled worker on
// hello.php, most of it copy-on-write faults on pages it shares with the master, for
// memory the process exit frees anyway. This header includes no PHP header.

#include <span>
#include <string>
#include <string_view>

namespace fpmd::php {

/// True for an extension shipped in php-src whose module shutdown only frees memory or
/// handles the kernel closes at exit (compared without case, as PHP's module registry).
/// Not snmp: net-snmp saves its persistent state there.
bool shutdownOnlyFreesMemory(std::string_view module_name);

/// The first of `module_names` that is not known to be safe to skip, or empty when a
/// worker may exit without PHP's module shutdown.
std::string quickExitBlocker(std::span<const std::string> module_names);

}  // namespace fpmd::php
