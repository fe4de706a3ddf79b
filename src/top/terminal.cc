#include "top/terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "fastcgi/socket_io.h"

namespace fpmd::top {
namespace {

volatile sig_atomic_t g_stop_signal = 0;

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr char kEnterScreen[] = "\x1b[?1049h\x1b[?25l";  // alternate screen, hide cursor
constexpr char kLeaveScreen[] = "\x1b[?25h\x1b[?1049l";
constexpr char kHome[] = "\x1b[H";
constexpr char kClearLineEnd[] = "\x1b[K";
constexpr char kClearBelow[] = "\x1b[J";

void onStopSignal(int signal) {
  g_stop_signal = signal;
}

sigset_t stopSignalSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : kStopSignals) sigaddset(&set, signal);
  return set;
}

void writeOut(std::string_view text) {
  (void)fastcgi::writeAll(STDOUT_FILENO, text.data(), text.size());
}

winsize terminalSize() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return {};
  return size;
}

}  // namespace

LiveTerminal::LiveTerminal(bool full_screen) {
  g_stop_signal = 0;
  sigset_t set = stopSignalSet();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a signal cuts a fetch or a sleep short
  for (int signal : kStopSignals) ::sigaction(signal, &action, nullptr);

  interactive_ = full_screen && ::isatty(STDOUT_FILENO) == 1;
  if (!interactive_) return;
  writeOut(kEnterScreen);
  if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved_termios_) == 0) {
    termios raw = saved_termios_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: ^C is SIGINT
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    keyboard_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    read_keys_ = keyboard_;
  }
}

LiveTerminal::~LiveTerminal() {
  if (keyboard_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios_);
  if (interactive_) writeOut(kLeaveScreen);
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int signal : kStopSignals) ::sigaction(signal, &action, nullptr);
  sigset_t set = stopSignalSet();
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

size_t stdoutColumns() {
  return terminalSize().ws_col;
}

size_t LiveTerminal::width() const {
  return interactive_ ? stdoutColumns() : 0;
}

size_t LiveTerminal::height() const {
  return interactive_ ? terminalSize().ws_row : 0;
}

bool LiveTerminal::draw(const std::string& frame) {
  std::string out;
  if (!interactive_) {
    out = frame + "\n";
  } else {
    // Overwrite in place rather than clear first: no flicker. The last line gets no
    // newline, so that a frame as tall as the screen does not scroll it.
    out = kHome;
    size_t start = 0;
    while (start < frame.size()) {
      size_t end = frame.find('\n', start);
      if (end == std::string::npos) end = frame.size();
      out.append(frame, start, end - start);
      out += kClearLineEnd;
      if (end + 1 < frame.size()) out += "\n";
      start = end + 1;
    }
    out += kClearBelow;
  }
  return fastcgi::writeAll(STDOUT_FILENO, out.data(), out.size());
}

void LiveTerminal::allowSignals(bool allow) {
  sigset_t set = stopSignalSet();
  ::sigprocmask(allow ? SIG_UNBLOCK : SIG_BLOCK, &set, nullptr);
}

bool LiveTerminal::stopRequested() const {
  return quit_ || g_stop_signal != 0;
}

bool LiveTerminal::wait(std::chrono::milliseconds duration) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::now() + duration;
  sigset_t unblocked;
  ::sigprocmask(SIG_SETMASK, nullptr, &unblocked);
  for (int signal : kStopSignals) sigdelset(&unblocked, signal);
  while (!stopRequested()) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    if (left.count() <= 0) return true;
    timespec timeout{static_cast<time_t>(left.count() / 1000000000),
                     static_cast<long>(left.count() % 1000000000)};
    pollfd key{STDIN_FILENO, POLLIN, 0};
    // ppoll lets the stop signals in only while it sleeps: one that arrived since the
    // check above is delivered here and ends the sleep.
    int ready = ::ppoll(&key, read_keys_ ? 1 : 0, &timeout, &unblocked);
    if (ready > 0) {
      char keys[32];
      ssize_t n = ::read(STDIN_FILENO, keys, sizeof keys);
      if (n <= 0 && errno != EINTR) read_keys_ = false;  // hung up: stop polling it
      for (ssize_t i = 0; i < n; ++i) quit_ |= keys[i] == 'q' || keys[i] == 'Q';
    }
  }
  return false;
}

}  // namespace fpmd::top
