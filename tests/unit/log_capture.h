#pragma once

// The error log sent to a memory file for the life of a test, and read back.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "log/log.h"

namespace fpmd::testing {

class LogCapture {
 public:
  LogCapture() : saved_(log::target()), fd_(::memfd_create("fpmd-test-log", MFD_CLOEXEC)) {
    log::setTarget({log::Target::Kind::File, fd_.get()});
    log::setLaunched(true);  // no copy of each line to stderr
  }
  ~LogCapture() {
    log::setTarget(saved_);
    log::setLaunched(false);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const {
    std::string out;
    char buf[65536];
    off_t offset = 0;
    ssize_t n;
    while ((n = ::pread(fd_.get(), buf, sizeof(buf), offset)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      offset += n;
    }
    return out;
  }
  int lineCount() const {
    std::string t = text();
    return static_cast<int>(std::count(t.begin(), t.end(), '\n'));
  }
  /// The lines without their timestamps.
  std::vector<std::string> lines() const {
    static const std::regex stamp(R"(^\[[^\]]*\] )");
    std::istringstream in(text());
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) out.push_back(std::regex_replace(line, stamp, ""));
    return out;
  }
  /// Forgets what was logged so far.
  void clear() {
    (void)::ftruncate(fd_.get(), 0);
    ::lseek(fd_.get(), 0, SEEK_SET);
  }

 private:
  log::Target saved_;
  UniqueFd fd_;
};

}  // namespace fpmd::testing
