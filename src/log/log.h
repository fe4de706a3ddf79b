#pragma once

// The one logging entry point, with PHP-FPM's line format (zlog.c):
//   [22-Nov-2026 18:50:10] NOTICE: fpm is running, pid 42
// The error log is process-wide state, like stderr itself: the master configures it once
// and forked workers switch it to "child" mode (no timestamp; the master decorates what
// it relays).

#include <fmt/format.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace fpmd::log {

enum class Level { Debug = 1, Notice = 2, Warning = 3, Error = 4, Alert = 5 };

/// PHP-FPM's names: "DEBUG", "NOTICE", "WARNING", "ERROR", "ALERT".
std::string_view levelName(Level level);

/// Where lines go. Stderr is the default until the config names a file or syslog.
struct Target {
  enum class Kind { Stderr, File, Syslog } kind = Kind::Stderr;
  int fd = 2;  // for Stderr and File; the logger does not own it
};

void setLevel(Level level);
Level level();
bool enabled(Level level);
void setTarget(Target target);
Target target();
/// Lines longer than this end in "..." (log_limit).
void setLimit(size_t limit);
/// Until the master is launched, NOTICE and above are also copied to stderr.
void setLaunched(bool launched);
/// In a worker: no timestamp, as PHP-FPM's children write.
void setChildMode(bool child);
/// In a forked worker: closes the master's log file (its fd is the logger's) and writes to
/// stderr from now on, in child mode.
void useStderrInChild();
void openSyslog(const std::string& ident, int facility);
/// Opens (append, create, close-on-exec) the error_log file and makes it the target.
/// Returns false with errno set on failure.
bool openFile(const std::string& path);
/// Creates the error_log file (append, 0600) without making it the target: PHP-FPM opens
/// it even when it logs to stderr. Returns false with errno set on failure.
bool createFile(const std::string& path);
/// SIGUSR1: reopens the file named by openFile (log rotation). No-op for other targets.
bool reopenFile();

/// Writes one line. `syserror` appends ": strerror (errno)".
void write(Level level, std::string_view message, int syserror = 0);

/// One line of a PHP-FPM stream (a worker's PHP messages): whatever log_level says, as in
/// PHP-FPM, whose streams drop only the line's prefix when log_level is above `level`.
void writeStreamed(Level level, std::string_view message);

/// The start of a line of `level` written now, as write() begins it:
/// "[04-Dec-2026 02:35:08] WARNING: " ("[...08.123456] WARNING: pid 42, " at log_level
/// debug; "[WARNING] " for syslog, which stamps lines itself). Empty when log_level is
/// above `level`: PHP-FPM's streams then write their text without it.
std::string lineStart(Level level);
/// Whether the target takes a line in pieces (a file, stderr), not only whole (syslog).
bool takesPieces();
/// Text already formatted as log lines (lineStart() and all), or a piece of a line when
/// takesPieces(): written as it is, without log_limit's cut. Syslog gets one line a call.
void writeFormatted(Level level, std::string_view text);

/// The message as it fits in one log line of `level` within log_limit: PHP-FPM cuts the
/// whole line (newline included) to log_limit and ends a cut line with "...". The same
/// cut text is what PHP-FPM sends to the web server on FastCGI stderr.
std::string fitMessage(Level level, std::string_view message);

/// Formats a line as it would be written (without the trailing newline). For tests.
std::string formatLine(Level level, std::string_view message, int syserror, bool with_time,
                       bool debug_format);

template <typename... Args>
void log(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
  if (!enabled(lvl)) return;
  write(lvl, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  log(Level::Debug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void notice(fmt::format_string<Args...> format, Args&&... args) {
  log(Level::Notice, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
  log(Level::Warning, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  log(Level::Error, format, std::forward<Args>(args)...);
}
template <typename... Args>
void alert(fmt::format_string<Args...> format, Args&&... args) {
  log(Level::Alert, format, std::forward<Args>(args)...);
}

/// Logs with errno appended, naming the failed call in the message:
///   sysError(Level::Error, "fork() failed") → "ERROR: fork() failed: No such file (2)"
template <typename... Args>
void sysError(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
  int saved = errno;
  if (!enabled(lvl)) return;
  write(lvl, fmt::format(format, std::forward<Args>(args)...), saved == 0 ? -1 : saved);
  errno = saved;
}

}  // namespace fpmd::log
