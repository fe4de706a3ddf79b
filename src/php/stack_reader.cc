// The walk of PHP-FPM's fpm_php_trace_dump() over another process's memory: each frame
// prints its function, then the file and line of the nearest user code that called it.

#include "php/stack_reader.h"

#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>

extern "C" {
#include <SAPI.h>
#include <php.h>
}

namespace fpmd::php {
namespace {

// PHP-FPM reads names and paths into a 1024-byte buffer.
constexpr size_t kMaxText = 1023;
// A stale pointer in a running worker may lead into a loop: the search for the calling
// user code gives up after this many internal frames.
constexpr int kMaxCallerHops = 1024;

// PHP-FPM's valid_ptr(): non-null and word aligned.
bool validPointer(uintptr_t p) {
  return p != 0 && (p & (sizeof(long) - 1)) == 0;
}

class RemoteMemory {
 public:
  explicit RemoteMemory(pid_t pid) : pid_(pid) {}

  // False with errno set; a short read (the range ends in an unmapped page) is EFAULT.
  bool read(uintptr_t address, void* out, size_t size) const {
    iovec local{out, size};
    iovec remote{reinterpret_cast<void*>(address), size};
    ssize_t n = ::process_vm_readv(pid_, &local, 1, &remote, 1, 0);
    if (n == static_cast<ssize_t>(size)) return true;
    if (n >= 0) errno = EFAULT;
    return false;
  }

  template <typename T>
  bool get(uintptr_t address, T& out) const {
    return read(address, &out, sizeof(out));
  }

  bool pointer(uintptr_t address, uintptr_t& out) const { return get(address, out); }

  // The text of the zend_string at `address`, cut as PHP-FPM's buffer cuts it.
  bool zendString(uintptr_t address, std::string& out) const {
    size_t len = 0;
    if (!get(address + offsetof(zend_string, len), len)) return false;
    out.resize(std::min(len, kMaxText));
    if (!read(address + offsetof(zend_string, val), out.data(), out.size())) return false;
    // PHP-FPM stops at a NUL, as it reads a C string.
    out.resize(std::strlen(out.c_str()));
    return true;
  }

  // A NUL-terminated C string of at most kMaxText bytes, read page by page so that a
  // string ending just before an unmapped page is still read.
  bool cString(uintptr_t address, std::string& out) const {
    out.clear();
    constexpr uintptr_t kPage = 4096;
    while (out.size() < kMaxText) {
      size_t chunk = std::min<size_t>(kPage - (address % kPage), kMaxText - out.size());
      char buf[kPage];
      if (!read(address, buf, chunk)) return false;
      const char* end = static_cast<const char*>(std::memchr(buf, '\0', chunk));
      out.append(buf, end ? static_cast<size_t>(end - buf) : chunk);
      if (end) break;
      address += chunk;
    }
    return true;
  }

 private:
  pid_t pid_;
};

// The function column: the name, "[INCLUDE_OR_EVAL]" for included code, "???" without a
// function. Sets `top` for the main script's frame, where PHP-FPM's walk ends.
bool frameFunction(const RemoteMemory& mem, uintptr_t frame, std::string& name, bool& top) {
  top = false;
  uintptr_t func = 0;
  if (!mem.pointer(frame + offsetof(zend_execute_data, func), func)) return false;
  if (!validPointer(func)) {
    name = "???";
    return true;
  }
  uintptr_t function_name = 0;
  if (!mem.pointer(func + offsetof(zend_function, common.function_name), function_name)) {
    return false;
  }
  if (function_name != 0) return mem.zendString(function_name, name);
  // Code without a function: the call kind, in the top bits of This's type info, tells the
  // main script from an include/require/eval.
  uint32_t call_info = 0;
  if (!mem.get(frame + offsetof(zend_execute_data, This.u1.type_info), call_info)) return false;
  if (ZEND_CALL_KIND_EX(call_info) == ZEND_CALL_TOP_CODE) {
    top = true;
  } else if (ZEND_CALL_KIND_EX(call_info) == ZEND_CALL_NESTED_CODE) {
    name = "[INCLUDE_OR_EVAL]";
  } else {
    name = "???";
  }
  return true;
}

// The file and line column for a frame whose caller chain starts at `caller`: the first
// user code up the chain, at the line of its current opline.
bool callerLocation(const RemoteMemory& mem, uintptr_t caller, StackFrame& out) {
  out.file.clear();
  out.line = 0;
  for (int hops = 0; caller != 0 && hops < kMaxCallerHops; ++hops) {
    uintptr_t func = 0;
    if (!mem.pointer(caller + offsetof(zend_execute_data, func), func)) return false;
    if (!validPointer(func)) break;
    zend_uchar type = 0;
    if (!mem.get(func + offsetof(zend_function, type), type)) return false;
    if (ZEND_USER_CODE(type)) {
      uintptr_t filename = 0;
      if (!mem.pointer(func + offsetof(zend_op_array, filename), filename)) return false;
      if (!mem.zendString(filename, out.file)) return false;
      uintptr_t opline = 0;
      if (!mem.pointer(caller + offsetof(zend_execute_data, opline), opline)) return false;
      if (validPointer(opline) && !mem.get(opline + offsetof(zend_op, lineno), out.line)) {
        return false;
      }
      break;
    }
    if (!mem.pointer(caller + offsetof(zend_execute_data, prev_execute_data), caller)) {
      return false;
    }
  }
  if (out.file.empty()) out.file = "unknown";
  return true;
}

// False when a read failed midway.
bool walkFrames(const RemoteMemory& mem, int depth, std::vector<StackFrame>& frames) {
  uintptr_t frame = 0;
  if (!mem.pointer(reinterpret_cast<uintptr_t>(&EG(current_execute_data)), frame)) {
    return false;
  }
  while (frame != 0 && static_cast<int>(frames.size()) < depth) {
    StackFrame entry;
    entry.address = frame;
    bool top = false;
    if (!frameFunction(mem, frame, entry.function, top)) return false;
    if (top) break;
    uintptr_t prev = 0;
    if (!mem.pointer(frame + offsetof(zend_execute_data, prev_execute_data), prev)) {
      return false;
    }
    if (!callerLocation(mem, prev, entry)) return false;
    frames.push_back(std::move(entry));
    frame = prev;
  }
  return true;
}

std::string accessError(pid_t pid, int err) {
  std::string text =
      fmt::format("failed to read the memory of child {}: {} ({})", pid, std::strerror(err), err);
  if (err == EPERM) {
    text +=
        "; the master needs CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE) or the pool's "
        "user";
  }
  return text;
}

}  // namespace

Result<StackTrace> readStack(pid_t pid, int depth) {
  const RemoteMemory mem(pid);
  StackTrace trace;
  // The first read tells whether the worker can be read at all (PHP-FPM's attach).
  uintptr_t path_translated = 0;
  if (!mem.pointer(reinterpret_cast<uintptr_t>(&SG(request_info).path_translated),
                   path_translated)) {
    return makeError(accessError(pid, errno));
  }
  std::string script;
  if (!mem.cString(path_translated, script)) {
    trace.dump_failed = true;
    return trace;
  }
  trace.script_filename = std::move(script);
  trace.dump_failed = !walkFrames(mem, std::max(depth, 1), trace.frames);
  return trace;
}

std::string formatSlowlogEntry(std::string_view pool, pid_t pid, const StackTrace& trace,
                               const timeval& now, bool debug_time) {
  struct tm tm;
  ::localtime_r(&now.tv_sec, &tm);
  char stamp[64];
  size_t n = ::strftime(stamp, sizeof(stamp), "%d-%b-%Y %H:%M:%S", &tm);
  std::string out = fmt::format("\n[{}", std::string_view(stamp, n));
  if (debug_time) out += fmt::format(".{:06d}", static_cast<int>(now.tv_usec));
  // PHP-FPM's time stamp ends in "] " and the header adds its own space.
  out += fmt::format("]  [pool {}] pid {}\n", pool, pid);
  if (trace.script_filename) out += fmt::format("script_filename = {}\n", *trace.script_filename);
  for (const StackFrame& frame : trace.frames) {
    out += fmt::format("[0x{:016x}] {}() {}:{}\n", frame.address, frame.function, frame.file,
                       frame.line);
  }
  if (trace.dump_failed) out += "+++ dump failed\n";
  return out;
}

}  // namespace fpmd::php
