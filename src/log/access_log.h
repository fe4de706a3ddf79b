#pragma once

// PHP-FPM's access log line (access.format, fpm_log.c in PHP 8.2) and access.suppress_path[].
// Pure: the worker gathers what one finished request looked like into an AccessRecord; this
// file turns it into the exact bytes php-fpm8.2 writes, quirks included (the 1024-byte cap
// with its NUL byte, the scoreboard's field lengths, %o's loose header match). Every expected
// string in the unit tests was first observed on Debian's php-fpm8.2.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "cgi/request.h"
#include "common/result.h"
#include "log/access_format.h"

namespace fpmd::log {

/// FPM_LOG_BUFFER: a line holds at most this many bytes before its '\n'.
inline constexpr size_t kAccessLogBuffer = 1024;
/// The NOTICE PHP-FPM's child logs when a line hits the cap.
inline constexpr std::string_view kAccessLogTruncatedNotice =
    "the log buffer is full (1024). The access log request has been truncated.";

/// Everything a line may need about one finished request. The string fields are PHP-FPM's
/// scoreboard copies of SG(request_info); the formatter cuts them to the scoreboard's sizes.
struct AccessRecord {
  /// %e: the FastCGI params as PHP-FPM's CGI rules left them (after cgi::resolveScript()).
  const cgi::Params* params = nullptr;
  /// %o: the response header lines as PHP keeps them ("Name: value", as header() got them),
  /// in order, including X-Powered-By and the Content-type PHP adds.
  std::vector<std::string> response_headers;
  /// %R: the peer IP of the FastCGI connection; empty for a unix socket ("-").
  std::string client_ip;
  /// %r: SG(request_info).request_uri, i.e. cgi::ScriptInfo::request_uri (from SCRIPT_NAME,
  /// not REQUEST_URI); also what access.suppress_path[] matches.
  std::string request_uri;
  /// %q, %Q: QUERY_STRING.
  std::string query_string;
  /// %m: REQUEST_METHOD ("-" when empty).
  std::string request_method;
  /// %f: the script PHP ran (cgi::ScriptInfo::path_translated); empty when none ("-").
  std::string script_filename;
  /// %u: PHP_AUTH_USER from a Basic Authorization header (not REMOTE_USER).
  std::string auth_user;
  /// %l: CONTENT_LENGTH as atol() reads it (cgi::ScriptInfo::content_length).
  int64_t content_length = 0;
  /// %s: the HTTP status PHP answered (http_response_code()).
  int status = 200;
  /// %n: the pool name.
  std::string pool;
  /// %p, %P: the worker's pid and its parent's (getppid(), the master).
  pid_t pid = 0;
  pid_t parent_pid = 0;
  /// %t: time(NULL) when the request was accepted (the "Reading headers" stage).
  time_t accepted_epoch = 0;
  /// %T: time(NULL) when the line is written.
  time_t now_epoch = 0;
  /// %d and the divisor of %C: monotonic time from acceptance to request end.
  int64_t duration_us = 0;
  /// %C: times() deltas over the request, in clock ticks: user is tms_utime + tms_cutime,
  /// system is tms_stime + tms_cstime. clock_ticks is sysconf(_SC_CLK_TCK).
  int64_t cpu_user_ticks = 0;
  int64_t cpu_system_ticks = 0;
  long clock_ticks = 100;
  /// %M: zend_memory_peak_usage(true) at request end.
  uint64_t memory_peak = 0;
};

struct AccessLine {
  /// The bytes to write() in one go, ending with '\n'. Empty when PHP-FPM writes nothing
  /// (the line came out empty). A value cut by the cap leaves a NUL byte before the '\n',
  /// as PHP-FPM's snprintf() does.
  std::string text;
  /// The cap was hit: log kAccessLogTruncatedNotice as a NOTICE.
  bool truncated = false;
};

/// Formats the line the way PHP-FPM does, using the local time zone for %t and %T.
AccessLine formatAccessLine(const AccessFormat& format, const AccessRecord& record);

/// access.suppress_path[]: true when the request must not be logged. Only a 2xx GET or HEAD
/// without query string and with CONTENT_LENGTH <= 0 is suppressed, when its request_uri (cut
/// to the scoreboard's 127 bytes) equals one of the paths exactly.
bool suppressed(const std::vector<std::string>& suppress_paths, const AccessRecord& record);

}  // namespace fpmd::log
