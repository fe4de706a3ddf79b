#pragma once

// `fpmd status`: the live view's terminal (alternate screen, no echo, 'q' to quit) and
// its stop signals. Everything is given back when the object is destroyed.

#include <termios.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace fpmd::top {

/// Columns of the terminal on stdout, 0 when stdout is not one.
size_t stdoutColumns();

class LiveTerminal {
 public:
  /// Blocks SIGINT, SIGTERM and SIGHUP (they are taken only while wait() sleeps or
  /// while interruptible() runs, so that none is lost between a check and a sleep) and,
  /// with `full_screen` when stdout is a terminal, switches it to the alternate screen;
  /// when stdin is a terminal too, keys are read one by one without echo.
  explicit LiveTerminal(bool full_screen);
  ~LiveTerminal();
  LiveTerminal(const LiveTerminal&) = delete;
  LiveTerminal& operator=(const LiveTerminal&) = delete;

  /// Stdout is a terminal: frames are drawn in place with ANSI codes.
  bool interactive() const { return interactive_; }
  /// Columns and rows of the terminal, 0 when stdout is not one.
  size_t width() const;
  size_t height() const;

  /// Replaces the screen with `frame` (interactive) or appends it after a blank line.
  /// False when stdout is gone.
  bool draw(const std::string& frame);

  /// Lets stop signals in while running `work` (a signal may cut a blocking call short).
  template <typename Work>
  auto interruptible(Work work) {
    allowSignals(true);
    auto result = work();
    allowSignals(false);
    return result;
  }

  /// Sleeps `duration` unless a stop signal arrives or 'q' is pressed. False once the
  /// user asked to stop.
  bool wait(std::chrono::milliseconds duration);
  bool stopRequested() const;

 private:
  void allowSignals(bool allow);

  bool interactive_ = false;
  bool keyboard_ = false;  // stdin's settings were changed
  bool read_keys_ = false;
  bool quit_ = false;
  termios saved_termios_{};
};

}  // namespace fpmd::top
