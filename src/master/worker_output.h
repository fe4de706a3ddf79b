#pragma once

// catch_workers_output: turns what a worker writes to its stdout/stderr into log lines,
// as PHP-FPM does: `[pool www] child 123 said into stderr: "text"`, one per line, long
// lines wrapped at log_limit, and `, pipe is closed` on the last one when the worker's
// end closes.

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace fpmd::master {

class WorkerOutput {
 public:
  WorkerOutput(std::string pool, pid_t pid, std::string stream, bool decorate, size_t limit)
      : pool_(std::move(pool)),
        pid_(pid),
        stream_(std::move(stream)),
        decorate_(decorate),
        limit_(limit) {}

  /// Feeds bytes read from the pipe; returns the complete log messages they finish.
  std::vector<std::string> feed(std::string_view data);
  /// The pipe closed: returns what is left, the last message marked as closed.
  std::vector<std::string> close();

 private:
  std::string decorate(std::string_view text, bool closing) const;
  size_t maxText() const;

  std::string pool_;
  pid_t pid_;
  std::string stream_;
  bool decorate_;
  size_t limit_;
  std::string pending_;
};

}  // namespace fpmd::master
