// The slowlog backtrace: a child forked after engine start-up (as fpmd's workers are)
// runs a slow script, and this process reads its PHP stack while it keeps running.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <regex>
#include <string>

#include "engine_harness.h"
#include "php/stack_reader.h"

namespace fpmd::php::testing {
namespace {

// A forked "worker" running one fixture; killed and reaped when the test ends.
class SlowChild {
 public:
  explicit SlowChild(const std::string& script) {
    pid_ = ::fork();
    if (pid_ == 0) {
      run(script);
      ::_exit(0);
    }
  }
  ~SlowChild() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// The child needs a moment to reach its sleep: reads until the innermost frame is
// `function` (bounded: a child that never gets there fails the test).
Result<StackTrace> traceWhenIn(pid_t pid, const std::string& function, int depth) {
  for (int attempt = 0; attempt < 5000; ++attempt) {
    Result<StackTrace> trace = readStack(pid, depth);
    if (!trace.ok()) return trace;
    if (!trace->frames.empty() && trace->frames[0].function == function) return trace;
    ::usleep(2000);
  }
  return makeError("the child never reached " + function + "()");
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST(StackReader, ReadsNestedFunctionsOfARunningChild) {
  SlowChild child("slow.php");
  ASSERT_GT(child.pid(), 0);
  Result<StackTrace> trace = traceWhenIn(child.pid(), "sleep", 20);
  ASSERT_TRUE(trace.ok()) << trace.error();
  EXPECT_EQ(trace->script_filename, fixture("slow.php"));
  EXPECT_FALSE(trace->dump_failed);
  ASSERT_EQ(trace->frames.size(), 3u);
  const std::string file = fixture("slow.php");
  EXPECT_EQ(trace->frames[0].function, "sleep");
  EXPECT_EQ(trace->frames[0].file, file);
  EXPECT_EQ(trace->frames[0].line, 3u);
  EXPECT_EQ(trace->frames[1].function, "inner");
  EXPECT_EQ(trace->frames[1].file, file);
  EXPECT_EQ(trace->frames[1].line, 6u);
  EXPECT_EQ(trace->frames[2].function, "outer");
  EXPECT_EQ(trace->frames[2].file, file);
  EXPECT_EQ(trace->frames[2].line, 8u);
  // Frames are pushed on the VM stack: callers sit below their callees.
  EXPECT_GT(trace->frames[0].address, trace->frames[1].address);
  EXPECT_GT(trace->frames[1].address, trace->frames[2].address);
  EXPECT_EQ(::waitpid(child.pid(), nullptr, WNOHANG), 0) << "the child must keep running";
}

TEST(StackReader, StopsAtTheTraceDepth) {
  SlowChild child("slow.php");
  ASSERT_GT(child.pid(), 0);
  Result<StackTrace> trace = traceWhenIn(child.pid(), "sleep", 2);
  ASSERT_TRUE(trace.ok()) << trace.error();
  ASSERT_EQ(trace->frames.size(), 2u);
  EXPECT_EQ(trace->frames[1].function, "inner");
  EXPECT_FALSE(trace->dump_failed);
}

// php-fpm8.2's slowlog for the same fixtures (request_slowlog_timeout=1s, the fixtures
// copied to /tmp/slowcap), addresses masked.
constexpr const char* kPhpFpmNested =
    "script_filename = /tmp/slowcap/slow_nested.php\n"
    "[0xADDRESS] usleep() /tmp/slowcap/slow_included.php:2\n"
    "[0xADDRESS] {closure}() /tmp/slowcap/slow_included.php:3\n"
    "[0xADDRESS] array_map() /tmp/slowcap/slow_included.php:3\n"
    "[0xADDRESS] [INCLUDE_OR_EVAL]() /tmp/slowcap/slow_nested.php:3\n"
    "[0xADDRESS] run() /tmp/slowcap/slow_nested.php:4\n"
    "[0xADDRESS] start() /tmp/slowcap/slow_nested.php:6\n";

TEST(StackReader, IncludesClosuresAndMethodsAsPhpFpmPrintsThem) {
  SlowChild child("slow_nested.php");
  ASSERT_GT(child.pid(), 0);
  Result<StackTrace> trace = traceWhenIn(child.pid(), "usleep", 20);
  ASSERT_TRUE(trace.ok()) << trace.error();
  timeval now{};
  std::string block = formatSlowlogEntry("www", child.pid(), *trace, now, false);
  // Past the blank line and the header line.
  block = block.substr(block.find('\n', 1) + 1);
  block = std::regex_replace(block, std::regex("\\[0x[0-9a-f]{16}\\]"), "[0xADDRESS]");
  block = replaceAll(block, fixture(""), "/tmp/slowcap/");
  EXPECT_EQ(block, kPhpFpmNested);
}

TEST(StackReader, AGoneProcessIsAnError) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
  Result<StackTrace> trace = readStack(pid, 20);
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error(),
            "failed to read the memory of child " + std::to_string(pid) + ": No such process (3)");
}

// A master without CAP_SYS_PTRACE reading a worker of another user: a reader process
// that dropped root reads a sibling that runs as another user.
TEST(StackReader, PermissionDeniedSaysWhatToGrant) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  pid_t target = ::fork();
  if (target == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(target, 0);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t reader = ::fork();
  if (reader == 0) {
    ::close(fds[0]);
    if (::setgid(65533) != 0 || ::setuid(65533) != 0) ::_exit(1);
    Result<StackTrace> trace = readStack(target, 20);
    std::string text = trace.ok() ? "read" : trace.error();
    ssize_t written = ::write(fds[1], text.data(), text.size());
    ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, n);
  ::close(fds[0]);
  ::waitpid(reader, nullptr, 0);
  ::kill(target, SIGKILL);
  ::waitpid(target, nullptr, 0);
  EXPECT_EQ(text, "failed to read the memory of child " + std::to_string(target) +
                      ": Operation not permitted (1); the master needs CAP_SYS_PTRACE (docker "
                      "run --cap-add=SYS_PTRACE) or the pool's user");
}

// 22-Nov-2026 21:51:53 local time, whatever the time zone.
timeval captureTime(long usec) {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 22;
  tm.tm_hour = 21;
  tm.tm_min = 51;
  tm.tm_sec = 53;
  tm.tm_isdst = -1;
  return timeval{std::mktime(&tm), usec};
}

StackTrace capturedTrace() {
  StackTrace trace;
  trace.script_filename = "/tmp/slowcap/slow.php";
  trace.frames = {{0x00007f8743e15160, "sleep", "/tmp/slowcap/slow.php", 3},
                  {0x00007f8743e150f0, "inner", "/tmp/slowcap/slow.php", 6},
                  {0x00007f8743e15080, "outer", "/tmp/slowcap/slow.php", 8}};
  return trace;
}

// Byte for byte what php-fpm8.2 appended to its slowlog (log_level = notice).
TEST(SlowlogFormat, MatchesPhpFpm) {
  EXPECT_EQ(formatSlowlogEntry("www", 32265, capturedTrace(), captureTime(123456), false),
            "\n"
            "[22-Nov-2026 21:51:53]  [pool www] pid 32265\n"
            "script_filename = /tmp/slowcap/slow.php\n"
            "[0x00007f8743e15160] sleep() /tmp/slowcap/slow.php:3\n"
            "[0x00007f8743e150f0] inner() /tmp/slowcap/slow.php:6\n"
            "[0x00007f8743e15080] outer() /tmp/slowcap/slow.php:8\n");
}

// log_level = debug adds microseconds to the time, as in php-fpm8.2's
// "[22-Nov-2026 21:50:14.864482]  [pool www] pid 31792".
TEST(SlowlogFormat, DebugLevelAddsMicroseconds) {
  StackTrace trace = capturedTrace();
  trace.frames.resize(1);
  EXPECT_EQ(formatSlowlogEntry("www", 31792, trace, captureTime(4482), true),
            "\n"
            "[22-Nov-2026 21:51:53.004482]  [pool www] pid 31792\n"
            "script_filename = /tmp/slowcap/slow.php\n"
            "[0x00007f8743e15160] sleep() /tmp/slowcap/slow.php:3\n");
}

TEST(SlowlogFormat, DumpFailedEndsTheBlock) {
  StackTrace partial = capturedTrace();
  partial.frames.resize(1);
  partial.dump_failed = true;
  EXPECT_EQ(formatSlowlogEntry("a b", 7, partial, captureTime(0), false),
            "\n"
            "[22-Nov-2026 21:51:53]  [pool a b] pid 7\n"
            "script_filename = /tmp/slowcap/slow.php\n"
            "[0x00007f8743e15160] sleep() /tmp/slowcap/slow.php:3\n"
            "+++ dump failed\n");

  StackTrace nothing;
  nothing.dump_failed = true;
  EXPECT_EQ(formatSlowlogEntry("www", 7, nothing, captureTime(0), false),
            "\n"
            "[22-Nov-2026 21:51:53]  [pool www] pid 7\n"
            "+++ dump failed\n");
}

TEST(SlowlogFormat, UnknownCallerAndUnknownFunction) {
  StackTrace trace;
  trace.script_filename = "/x.php";
  trace.frames = {{0x10, "???", "unknown", 0}};
  EXPECT_EQ(formatSlowlogEntry("www", 1, trace, captureTime(0), false),
            "\n"
            "[22-Nov-2026 21:51:53]  [pool www] pid 1\n"
            "script_filename = /x.php\n"
            "[0x0000000000000010] ?\?\?() unknown:0\n");
}

}  // namespace
}  // namespace fpmd::php::testing
