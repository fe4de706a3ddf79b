#pragma once

// What `ps` shows for each process, as PHP-FPM does: "fpmd: master process (<config>)" and
// "fpmd: pool <name>", so an operator (and the scripts that count workers per pool) can
// tell the processes apart. Linux shows /proc/PID/cmdline: the memory of argv, which is
// rewritten in place; the environment's strings, which follow it, move to the heap first
// so the title may use their room too.

#include <string_view>

namespace fpmd::os {

/// Once, at the start of main(), before anything keeps pointers into argv or environ.
void initProcessTitle(int argc, char** argv);

/// The whole title ("fpmd: pool www"), cut to the room argv and the environment had.
void setProcessTitle(std::string_view title);

}  // namespace fpmd::os
