#pragma once

// catch_workers_output: what a worker writes to its stdout and stderr, turned into error
// log lines byte for byte as PHP-FPM 8.2 writes them (fpm_stdio.c, zlog.c's streams):
//   [04-Dec-2026 02:35:08] WARNING: [pool www] child 123 said into stderr: "text"
// - one pending line per child, shared by both pipes: output on the other pipe ends it;
// - a newline ends a line, and so does the worker's end-of-request marker
//   (worker::kEndOfRequestMarker); empty lines are dropped;
// - a long line wraps at log_limit - 1 bytes, the full prefix again on each part: nothing
//   is cut, no "...";
// - undecorated output is the bare text; when log_level is above WARNING the prefix goes
//   and the text stays (with PHP-FPM's closing quote);
// - the timestamp is the one of the line's first byte;
// - unbuffered (log_buffering = no), each piece is written as it arrives.
// No clock and no file here: the line start comes from LineStart, the bytes go to Write.

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

namespace fpmd::master {

enum class OutputPipe { Stdout, Stderr };

struct WorkerOutputSettings {
  std::string pool;
  pid_t pid = 0;
  bool decorate = true;  // decorate_workers_output
  bool buffered = true;  // log_buffering
  size_t limit = 1024;   // log_limit, the newline included
};

class WorkerOutput {
 public:
  /// The start of a line written now ("[04-Dec-2026 02:35:08] WARNING: "), or "" when
  /// log_level is above WARNING.
  using LineStart = std::function<std::string()>;
  /// Appends to the error log: one whole line per call, or a piece of one when unbuffered.
  using Write = std::function<void(std::string_view)>;

  WorkerOutput(WorkerOutputSettings settings, LineStart line_start, Write write);

  /// What one wake-up read from `pipe` (all it had), and whether the pipe then ended (end
  /// of file or a read error).
  void relay(OutputPipe pipe, std::string_view data, bool ended);
  /// The child is gone: the pending line is written.
  void finish();

 private:
  void scan(std::string_view data);
  void append(std::string_view text);
  void openLine(bool quote);
  void endLine(std::string_view suffix = {});
  void appendSuffix(std::string_view suffix);
  void releaseHeldMarker();
  void flush();
  size_t quoteSize() const { return settings_.decorate ? 1 : 0; }

  WorkerOutputSettings settings_;
  LineStart line_start_;
  Write write_;
  /// Whether a relay() came before: PHP-FPM adds ", pipe is closed" only when the child's
  /// first wake-up already saw the end of its pipe.
  bool started_ = false;
  OutputPipe pipe_ = OutputPipe::Stderr;
  /// A line is open: its start is in the log (unbuffered) or in pending_.
  bool open_ = false;
  /// Bytes of the open line so far, its start included: where it wraps.
  size_t line_size_ = 0;
  /// What is not written yet: the open line (buffered), or this wake-up's (unbuffered).
  std::string pending_;
  /// How many bytes of a marker the last data ended with: the rest may come next.
  size_t held_marker_ = 0;
};

}  // namespace fpmd::master
