#include "log/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "common/fd_flags.h"
#include "log/failure_episode.h"

namespace fpmd::log {
namespace {

// Process-wide by nature (like stderr): configured by the master, inherited by workers.
struct State {
  Level level = Level::Notice;
  Target target;
  size_t limit = 1024;
  bool launched = false;
  bool child = false;
  std::string file_path;
  // The error log file refusing lines (a full disk): said once on stderr, and counted.
  FailureEpisode file_failure;
  uint64_t lost_lines = 0;
};

State& state() {
  static State s;
  return s;
}

/// False (errno set) when the fd refused the text.
bool writeAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int syslogPriority(Level level) {
  switch (level) {
    case Level::Debug:
      return LOG_DEBUG;
    case Level::Notice:
      return LOG_NOTICE;
    case Level::Warning:
      return LOG_WARNING;
    case Level::Error:
      return LOG_ERR;
    case Level::Alert:
      return LOG_ALERT;
  }
  return LOG_NOTICE;
}

}  // namespace

std::string_view levelName(Level level) {
  switch (level) {
    case Level::Debug:
      return "DEBUG";
    case Level::Notice:
      return "NOTICE";
    case Level::Warning:
      return "WARNING";
    case Level::Error:
      return "ERROR";
    case Level::Alert:
      return "ALERT";
  }
  return "UNKNOWN";
}

void setLevel(Level level) {
  state().level = level;
}
Level level() {
  return state().level;
}
bool enabled(Level lvl) {
  return static_cast<int>(lvl) >= static_cast<int>(state().level);
}
void setTarget(Target target) {
  state().target = target;
}
Target target() {
  return state().target;
}
void setLimit(size_t limit) {
  state().limit = limit;
}
void setLaunched(bool launched) {
  state().launched = launched;
}
void setChildMode(bool child) {
  state().child = child;
}

void useStderrInChild() {
  State& s = state();
  if (s.target.kind == Target::Kind::File && s.target.fd > 2) ::close(s.target.fd);
  s.target = Target{Target::Kind::Stderr, 2};
  s.file_path.clear();
  s.child = true;
}

void openSyslog(const std::string& ident, int facility) {
  // openlog keeps the pointer: the string must outlive the logger.
  static std::string saved_ident;
  saved_ident = ident;
  ::openlog(saved_ident.c_str(), LOG_PID | LOG_CONS, facility);
}

bool openFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  State& s = state();
  if (s.target.kind == Target::Kind::File && s.target.fd > 2) ::close(s.target.fd);
  s.target = Target{Target::Kind::File, fd};
  s.file_path = path;
  return true;
}

bool createFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

bool reopenFile() {
  State& s = state();
  if (s.target.kind != Target::Kind::File || s.file_path.empty()) return true;
  int fd = ::open(s.file_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // dup2 keeps the fd number, so anything holding it (our stderr) follows the new file.
  if (s.target.fd > 2) {
    bool moved = ::dup2(fd, s.target.fd) >= 0;
    int saved = errno;
    ::close(fd);
    if (!moved) {
      errno = saved;
      return false;  // still writing to the old file: better than to none
    }
    // dup2 clears the flag; a log fd leaking into an exec'd program is only untidy.
    (void)setCloseOnExec(s.target.fd, true);
  } else {
    s.target.fd = fd;
  }
  return true;
}

namespace {

// PHP-FPM's zlog_buf_prefix: "[time] LEVEL: ", with microseconds and our pid at log_level
// debug; a worker's lines carry no time (the master stamps what it relays).
std::string prefixOf(Level level, bool with_time, bool debug_format) {
  std::string prefix;
  if (with_time) {
    struct timeval tv;
    ::gettimeofday(&tv, nullptr);
    struct tm tm;
    ::localtime_r(&tv.tv_sec, &tm);
    char buf[64];
    size_t n = ::strftime(buf, sizeof(buf), "[%d-%b-%Y %H:%M:%S", &tm);
    prefix.append(buf, n);
    if (debug_format) prefix += fmt::format(".{:06d}", static_cast<int>(tv.tv_usec));
    prefix += "] ";
  }
  prefix += levelName(level);
  prefix += ": ";
  if (debug_format) prefix += fmt::format("pid {}, ", ::getpid());
  return prefix;
}

// A line longer than log_limit (which counts the newline the caller appends) ends in "...".
void cutToLimit(std::string& line) {
  size_t limit = state().limit;
  if (limit >= 5 && line.size() + 1 > limit) {
    line.resize(limit - 4);
    line += "...";
  }
}

bool toSyslog(const State& s) {
  return s.target.kind == Target::Kind::Syslog && !s.child;
}

}  // namespace

std::string formatLine(Level level, std::string_view message, int syserror, bool with_time,
                       bool debug_format) {
  std::string line = prefixOf(level, with_time, debug_format);
  line.reserve(line.size() + message.size());
  line += message;
  if (syserror > 0) line += fmt::format(": {} ({})", std::strerror(syserror), syserror);
  cutToLimit(line);
  return line;
}

std::string fitMessage(Level level, std::string_view message) {
  const State& s = state();
  size_t prefix = levelName(level).size() + 2;  // "NOTICE: "
  size_t room = s.limit > prefix + 1 ? s.limit - prefix - 1 : 0;
  if (message.size() <= room) return std::string(message);
  if (room < 3) return "...";
  std::string cut(message.substr(0, room - 3));
  cut += "...";
  return cut;
}

namespace {

// The error log's own failures cannot go to the error log: stderr (the terminal, or the
// journal under systemd) hears of it once per episode, and the file of the end of it.
void fileFailed(State& s, int err) {
  ++s.lost_lines;
  if (!s.file_failure.failed()) return;
  if (s.target.fd == 2) return;
  std::string line = formatLine(
      Level::Error,
      fmt::format("cannot write to the error log ({}); its lines are lost until it takes them "
                  "again",
                  s.file_path),
      err, true, false);
  line += '\n';
  (void)writeAll(2, line);
}

void fileRecovered(State& s) {
  std::string line = formatLine(
      Level::Notice, fmt::format("the error log takes lines again; {} were lost", s.lost_lines), 0,
      true, false);
  line += '\n';
  s.lost_lines = 0;
  (void)writeAll(s.target.fd, line);
}

void writeToTarget(State& s, std::string_view text) {
  if (writeAll(s.target.fd, text)) {
    if (s.file_failure.succeeded()) fileRecovered(s);
  } else if (s.target.kind == Target::Kind::File && !s.child) {
    fileFailed(s, errno);
  }
}

}  // namespace

void write(Level lvl, std::string_view message, int syserror) {
  State& s = state();
  if (!enabled(lvl)) return;
  bool debug_format = s.level == Level::Debug;
  if (toSyslog(s)) {
    std::string text = fmt::format("[{}] {}", levelName(lvl), message);
    if (syserror > 0) text += fmt::format(": {} ({})", std::strerror(syserror), syserror);
    ::syslog(syslogPriority(lvl), "%s", text.c_str());
  } else {
    std::string line = formatLine(lvl, message, syserror, !s.child, debug_format);
    line += '\n';
    writeToTarget(s, line);
  }
  // PHP-FPM copies start-up messages to the terminal so init scripts show why it failed.
  bool target_is_stderr = s.target.kind == Target::Kind::Stderr || s.target.fd == 2;
  if (!s.launched && !s.child && !target_is_stderr && lvl >= Level::Notice) {
    std::string line = formatLine(lvl, message, syserror, true, debug_format);
    line += '\n';
    (void)writeAll(2, line);
  }
}

void writeStreamed(Level lvl, std::string_view message) {
  if (enabled(lvl)) {
    write(lvl, message);
    return;
  }
  std::string line(message);
  cutToLimit(line);
  line += '\n';
  writeFormatted(lvl, line);
}

std::string lineStart(Level lvl) {
  const State& s = state();
  if (!enabled(lvl)) return {};
  if (toSyslog(s)) return fmt::format("[{}] ", levelName(lvl));
  return prefixOf(lvl, !s.child, s.level == Level::Debug);
}

bool takesPieces() {
  return !toSyslog(state());
}

void writeFormatted(Level lvl, std::string_view text) {
  State& s = state();
  if (toSyslog(s)) {
    if (text.ends_with('\n')) text.remove_suffix(1);
    ::syslog(syslogPriority(lvl), "%.*s", static_cast<int>(text.size()), text.data());
    return;
  }
  writeToTarget(s, text);
}

}  // namespace fpmd::log
