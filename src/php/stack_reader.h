#pragma once

// The slowlog's PHP backtrace, read by the master from a running worker (PHP-FPM's
// fpm_php_trace.c). Workers are forked from the master after startup() without exec, so
// the engine globals sit at the same addresses in both: the master reads the worker's
// chain of zend_execute_data with process_vm_readv and the worker is never stopped.
// This header includes no PHP header: the master includes it.

#include <sys/time.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fpmd::php {

/// One line of the slowlog: "[0x00007ff08e015250] sleep() /srv/slow.php:3".
struct StackFrame {
  /// The frame's zend_execute_data in the worker, printed as PHP-FPM prints it.
  uint64_t address = 0;
  /// The bare function name as PHP-FPM prints it: no class ("m", not "K::m"), "{closure}",
  /// "[INCLUDE_OR_EVAL]" for an included file's code, "???" for a frame without function.
  std::string function;
  /// Where the frame was called from: the nearest calling user code's file and the line
  /// of its current opline; "unknown" and 0 when no user code called it.
  std::string file;
  uint32_t line = 0;
};

struct StackTrace {
  /// SG(request_info).path_translated of the worker; absent when it could not be read
  /// (then dump_failed is set and no frame was read).
  std::optional<std::string> script_filename;
  /// Innermost first, up to the requested depth; the main script's frame is not listed.
  std::vector<StackFrame> frames;
  /// A read failed midway (the worker moved on, or a pointer was stale): `frames` holds
  /// what was read before, and the slowlog block ends in "+++ dump failed".
  bool dump_failed = false;
};

/// Reads the PHP stack of `pid`, a worker forked from this process after startup(), up
/// to `depth` frames (request_slowlog_trace_depth, at least 1). The worker keeps running,
/// so a trace taken while it returns from a function may be cut short (dump_failed).
/// Fails, and the slowlog gets nothing, only when the process cannot be read at all, as
/// PHP-FPM writes nothing when ptrace(ATTACH) fails; the error is one log line, e.g.
///   "failed to read the memory of child 123: Operation not permitted (1); the master
///    needs CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE) or the pool's user"
Result<StackTrace> readStack(pid_t pid, int depth);

/// PHP-FPM's slowlog block, to be appended with one write():
///   "\n[22-Nov-2026 18:50:10]  [pool www] pid 123\nscript_filename = /x.php\n"
///   "[0x00007ff08e015250] sleep() /x.php:3\n" ... ["+++ dump failed\n"]
/// The time is local time; `debug_time` adds microseconds as PHP-FPM does when
/// log_level = debug.
std::string formatSlowlogEntry(std::string_view pool, pid_t pid, const StackTrace& trace,
                               const timeval& now, bool debug_time);

}  // namespace fpmd::php
