// PHP-FPM's error log line: "[02-Dec-2026 16:00:00] WARNING: message: strerror (errno)",
// cut to log_limit with "...".

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <string>

#include "log/log.h"

namespace fpmd::log {
namespace {

class LogFormatTest : public ::testing::Test {
 protected:
  void TearDown() override { setLimit(1024); }
};

TEST_F(LogFormatTest, LevelAndMessage) {
  EXPECT_EQ(formatLine(Level::Warning, "[pool www] child 42 exited", 0, false, false),
            "WARNING: [pool www] child 42 exited");
  EXPECT_EQ(formatLine(Level::Notice, "ready to handle connections", 0, false, false),
            "NOTICE: ready to handle connections");
}

TEST_F(LogFormatTest, SystemErrorIsNamedWithItsNumber) {
  EXPECT_EQ(formatLine(Level::Error, "fork() failed", EAGAIN, false, false),
            "ERROR: fork() failed: Resource temporarily unavailable (11)");
}

TEST_F(LogFormatTest, TimeAsPhpFpmWritesIt) {
  std::string line = formatLine(Level::Notice, "x", 0, true, false);
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\] NOTICE: x)")))
      << line;
}

TEST_F(LogFormatTest, DebugFormatAddsMicrosecondsAndPid) {
  std::string line = formatLine(Level::Debug, "x", 0, true, true);
  std::regex expected(R"(\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\.\d{6}\] DEBUG: pid (\d+), x)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(line, match, expected)) << line;
  EXPECT_EQ(std::stoi(match[1]), ::getpid());
}

TEST_F(LogFormatTest, ALongLineIsCutToTheLimitWithItsNewline) {
  setLimit(20);
  std::string line = formatLine(Level::Warning, std::string(100, 'a'), 0, false, false);
  // 19 characters and the newline the writer adds: the limit, as in PHP-FPM.
  EXPECT_EQ(line.size(), 19u);
  EXPECT_EQ(line, "WARNING: aaaaaaa...");
}

TEST_F(LogFormatTest, FitMessageKeepsRoomForTheLevel) {
  setLimit(20);
  EXPECT_EQ(fitMessage(Level::Warning, "short"), "short");
  std::string cut = fitMessage(Level::Warning, std::string(100, 'b'));
  EXPECT_EQ(cut, "bbbbbbb...");  // "WARNING: " + cut + newline is the limit
}

TEST_F(LogFormatTest, AFullErrorLogIsSaidOnceOnStderr) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  int saved_stderr = ::dup(2);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_GE(::dup2(pipe_fds[1], 2), 0);
  Target saved_target = target();
  setLaunched(true);  // no start-up copy of each line to stderr
  ASSERT_TRUE(openFile("/dev/full"));
  for (int i = 0; i < 5; ++i) write(Level::Warning, "a line the disk refuses");
  // A file that takes lines ends the episode (the logger's state is process-wide).
  ASSERT_TRUE(openFile("/dev/null"));
  write(Level::Notice, "taken");
  Target null_target = target();
  setTarget(saved_target);
  ::close(null_target.fd);
  setLaunched(false);
  ::dup2(saved_stderr, 2);
  ::close(saved_stderr);
  ::close(pipe_fds[1]);
  std::string said;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0;) said.append(buf, n);
  ::close(pipe_fds[0]);
  EXPECT_NE(said.find("ERROR: cannot write to the error log (/dev/full); its lines are lost until "
                      "it takes them again: No space left on device (28)"),
            std::string::npos)
      << said;
  EXPECT_EQ(said.find('\n'), said.size() - 1) << said;  // one line for five refused
}

}  // namespace
}  // namespace fpmd::log
