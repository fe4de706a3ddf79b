#pragma once

// PHP-FPM's ping and status pages (pm.status_path, ping.path) as pure renderers: the
// worker hands in the pool's status and the request's query, and gets back the exact
// bytes php-fpm8.2 would put on FCGI_STDOUT. No clock, no I/O; the only process state
// read is the local time zone (TZ, as the worker's environment leaves it), because
// PHP-FPM prints start times with localtime().

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status/model.h"

namespace fpmd::status {

/// PHP-FPM's formats, then fpmd's dashboard: its page and the script and stylesheet the page
/// loads from the same path (status/dashboard.h).
enum class StatusFormat {
  Text,
  Html,
  Xml,
  Json,
  OpenMetrics,
  Dashboard,
  DashboardScript,
  DashboardStyle
};

struct StatusQuery {
  StatusFormat format = StatusFormat::Text;
  /// `full`: add the per-process section (in OpenMetrics, fpmd's per-process series).
  bool full = false;
  /// `all`: every pool of the master (answered on the master's status sockets only).
  bool all = false;
  /// `fpmd`: fpmd's own fields in text, HTML and XML too (JSON and OpenMetrics always
  /// have them); without it those three are byte for byte php8.2-fpm's page.
  bool fpmd = false;
};

/// Reads the format from the keys of QUERY_STRING as PHP parses them into $_GET (so
/// `json=1`, `%6Ason` and `json[]` count). When several are present, PHP-FPM's order wins:
/// html, then xml, then json, then openmetrics, else text. fpmd's own keys come before all of
/// them: `dashboard.js` and `dashboard.css` (the dashboard's script and stylesheet), then
/// `dashboard` (the live HTML dashboard, which reads `?json&full` of the same path).
StatusQuery parseStatusQuery(std::string_view query_string);

/// One CGI answer: the status code, the headers in the order PHP sends them, the body.
struct HttpAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// What PHP itself adds to every answer it sends, taken from the pool's php.ini settings.
struct AnswerOptions {
  /// A HEAD request: PHP sends the headers and drops the body.
  bool head_only = false;
  /// expose_php: the X-Powered-By value, e.g. "PHP/8.2.36"; empty sends none.
  std::string powered_by;
  /// default_charset: appended to text/* content types and decides how HTML and XML
  /// escape (UTF-8 is validated; other charsets are taken byte by byte).
  std::string default_charset = "UTF-8";
  /// default_mimetype: the Content-type of a HEAD status answer, which sets none itself.
  std::string default_mimetype = "text/html";
};

/// The status page for `status`, as php-fpm8.2 renders it.
HttpAnswer renderStatus(const PoolStatus& status, const StatusQuery& query,
                        const AnswerOptions& options);

/// The master's aggregated view of several pools: JSON and OpenMetrics as one document,
/// text as one pool after another, the dashboard's files as for one pool; HTML and XML (one
/// pool per document in PHP-FPM's layout) answer in JSON.
HttpAnswer renderStatusAll(const std::vector<PoolStatus>& pools, const StatusQuery& query,
                           const AnswerOptions& options);

/// One of the dashboard's files (a format for which dashboardFile() has one; any other
/// answers the page). The page goes out like every status answer, never stored, with its
/// Content-Security-Policy; the script and the stylesheet change only with the binary, so
/// they carry an ETag and get a bodiless 304 when `if_none_match` (the request's
/// If-None-Match) names it. HEAD sends the headers of GET without the body.
HttpAnswer renderDashboard(StatusFormat format, std::string_view if_none_match,
                           const AnswerOptions& options);

/// The answer when the pool's status cannot be read (PHP-FPM's 500 "Internal error").
HttpAnswer renderStatusError(const AnswerOptions& options);

/// The ping answer: 200, text/plain, `response` (ping.response) as the body.
HttpAnswer renderPing(std::string_view response, const AnswerOptions& options);

/// The answer as CGI response bytes for FCGI_STDOUT: a `Status:` line only when the code
/// is not 200 (as PHP's CGI SAPI does), the headers, a blank line, the body.
std::string toCgiResponse(const HttpAnswer& answer);

}  // namespace fpmd::status
