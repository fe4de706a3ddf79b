#include "status/page.h"

#include <algorithm>

#include <fmt/format.h>

#include "cgi/url_decode.h"
#include "status/dashboard.h"
#include "status/escape.h"
#include "status/render.h"

namespace fpmd::status {
namespace {

using Header = std::pair<std::string, std::string>;

// The $_GET key PHP registers for one "name=value" pair of the query string.
std::string getKey(std::string_view pair) {
  std::string name = cgi::urlDecode(pair.substr(0, pair.find('=')));
  name.resize(std::min(name.size(), name.find('\0')));  // PHP reads the name as a C string
  name.erase(0, name.find_first_not_of(' '));           // and skips its leading spaces
  // "json[]" and "json[x]" register the array "json"; a '[' without its ']' does not.
  size_t bracket = name.find('[');
  if (bracket != std::string::npos && name.find(']', bracket) != std::string::npos) {
    name.resize(bracket);
  }
  return name;
}

Header contentType(std::string_view mime, const AnswerOptions& options) {
  // PHP appends default_charset to text/* types and then rewrites the header line with its
  // own spelling, "Content-type"; other types keep the line as PHP-FPM wrote it.
  const std::string& charset = options.default_charset;
  if (mime.starts_with("text/") && !charset.empty() &&
      mime.find("charset=") == std::string_view::npos) {
    return {"Content-type", fmt::format("{};charset={}", mime, charset)};
  }
  return {"Content-Type", std::string(mime)};
}

// PHP's fallback when nothing set a content type (note the space before "charset" here).
Header defaultContentType(const AnswerOptions& options) {
  std::string value = options.default_mimetype;
  if (value.starts_with("text/") && !options.default_charset.empty()) {
    value += "; charset=" + options.default_charset;
  }
  return {"Content-type", value};
}

HttpAnswer startAnswer(int status, const AnswerOptions& options) {
  HttpAnswer answer;
  answer.status = status;
  // PHP adds X-Powered-By when the request starts, before PHP-FPM adds anything.
  if (!options.powered_by.empty()) answer.headers.emplace_back("X-Powered-By", options.powered_by);
  return answer;
}

void addNoCache(HttpAnswer& answer) {
  answer.headers.emplace_back("Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
  answer.headers.emplace_back("Cache-Control", "no-cache, no-store, must-revalidate, max-age=0");
}

// The headers every status answer starts with. PHP-FPM returns before choosing a format on
// HEAD, so there PHP's default type goes out and the answer is complete.
HttpAnswer startStatusAnswer(const AnswerOptions& options) {
  HttpAnswer answer = startAnswer(200, options);
  addNoCache(answer);
  if (options.head_only) answer.headers.push_back(defaultContentType(options));
  return answer;
}

std::string_view mimeType(StatusFormat format) {
  switch (format) {
    case StatusFormat::Html:
      return "text/html";
    case StatusFormat::Xml:
      return "text/xml";
    case StatusFormat::Json:
      return "application/json";
    case StatusFormat::OpenMetrics:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case StatusFormat::Dashboard:
    case StatusFormat::DashboardScript:
    case StatusFormat::DashboardStyle:
      break;  // renderDashboard() answers these
    case StatusFormat::Text:
      break;
  }
  return "text/plain";
}

render::Fields fieldsFor(const StatusQuery& query) {
  return query.fpmd ? render::Fields::All : render::Fields::PhpFpm;
}

std::string renderBody(const PoolStatus& status, const StatusQuery& query, bool utf8) {
  switch (query.format) {
    case StatusFormat::Html:
      return render::renderHtml(status, query.full, utf8, fieldsFor(query));
    case StatusFormat::Xml:
      return render::renderXml(status, query.full, utf8, fieldsFor(query));
    case StatusFormat::Json:
      return render::renderJson(status, query.full);
    case StatusFormat::OpenMetrics:
      return render::renderOpenMetrics(status, query.full);
    case StatusFormat::Dashboard:
    case StatusFormat::DashboardScript:
    case StatusFormat::DashboardStyle:
      break;  // renderDashboard() answers these
    case StatusFormat::Text:
      break;
  }
  return render::renderText(status, query.full, fieldsFor(query));
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 304:
      return "Not Modified";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    default:
      return {};
  }
}

// If-None-Match (RFC 9110 13.1.2): "*" or a list of entity tags, compared weakly (a W/ tag
// matches too, as a proxy that compressed the file may have weakened the ETag).
bool ifNoneMatchNames(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    if_none_match.remove_prefix(comma == std::string_view::npos ? if_none_match.size() : comma + 1);
    tag.remove_prefix(std::min(tag.size(), tag.find_first_not_of(" \t")));
    tag = tag.substr(0, tag.find_last_not_of(" \t") + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

}  // namespace

StatusQuery parseStatusQuery(std::string_view query_string) {
  bool html = false, xml = false, json = false, openmetrics = false, dashboard = false;
  bool dashboard_script = false, dashboard_style = false;
  StatusQuery query;
  while (!query_string.empty()) {
    size_t end = query_string.find('&');
    std::string key = getKey(query_string.substr(0, end));
    query_string.remove_prefix(end == std::string_view::npos ? query_string.size() : end + 1);
    html |= key == "html";
    xml |= key == "xml";
    json |= key == "json";
    openmetrics |= key == "openmetrics";
    dashboard |= key == "dashboard";
    dashboard_script |= key == "dashboard.js";
    dashboard_style |= key == "dashboard.css";
    query.full |= key == "full";
    query.all |= key == "all";
    query.fpmd |= key == "fpmd";
  }
  if (dashboard_script) {
    query.format = StatusFormat::DashboardScript;
  } else if (dashboard_style) {
    query.format = StatusFormat::DashboardStyle;
  } else if (dashboard) {
    query.format = StatusFormat::Dashboard;
  } else if (html) {
    query.format = StatusFormat::Html;
  } else if (xml) {
    query.format = StatusFormat::Xml;
  } else if (json) {
    query.format = StatusFormat::Json;
  } else if (openmetrics) {
    query.format = StatusFormat::OpenMetrics;
  }
  return query;
}

HttpAnswer renderStatus(const PoolStatus& status, const StatusQuery& query,
                        const AnswerOptions& options) {
  if (dashboardFile(query.format)) return renderDashboard(query.format, {}, options);
  HttpAnswer answer = startStatusAnswer(options);
  if (options.head_only) return answer;
  answer.headers.push_back(contentType(mimeType(query.format), options));
  answer.body = renderBody(status, query, render::isUtf8Charset(options.default_charset));
  return answer;
}

HttpAnswer renderStatusAll(const std::vector<PoolStatus>& pools, const StatusQuery& query,
                           const AnswerOptions& options) {
  if (dashboardFile(query.format)) return renderDashboard(query.format, {}, options);
  HttpAnswer answer = startStatusAnswer(options);
  if (options.head_only) return answer;
  StatusFormat format = query.format;
  if (format == StatusFormat::Html || format == StatusFormat::Xml) format = StatusFormat::Json;
  answer.headers.push_back(contentType(mimeType(format), options));
  switch (format) {
    case StatusFormat::OpenMetrics:
      answer.body = render::renderOpenMetricsAll(pools, query.full);
      break;
    case StatusFormat::Text:
      answer.body = render::renderTextAll(pools, query.full, fieldsFor(query));
      break;
    default:
      answer.body = render::renderJsonAll(pools, query.full);
      break;
  }
  return answer;
}

HttpAnswer renderDashboard(StatusFormat format, std::string_view if_none_match,
                           const AnswerOptions& options) {
  if (!dashboardFile(format)) format = StatusFormat::Dashboard;
  DashboardFile file = *dashboardFile(format);
  bool page = format == StatusFormat::Dashboard;
  bool unchanged = !page && ifNoneMatchNames(if_none_match, file.etag);
  HttpAnswer answer = startAnswer(unchanged ? 304 : 200, options);
  if (page) {
    // Never stored, so a browser always gets the page of the running binary, and with it
    // that binary's script and stylesheet.
    addNoCache(answer);
    answer.headers.emplace_back("Content-Security-Policy", dashboardContentSecurityPolicy());
  } else {
    // Kept by the browser, but asked for again (If-None-Match) each time the page loads.
    answer.headers.emplace_back("Cache-Control", "no-cache");
    answer.headers.emplace_back("ETag", file.etag);
  }
  // A script or stylesheet is run only when it comes with its own type, never sniffed.
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (unchanged) return answer;
  answer.headers.push_back(contentType(file.content_type, options));
  if (!options.head_only) answer.body = std::string(file.bytes);
  return answer;
}

HttpAnswer renderStatusError(const AnswerOptions& options) {
  HttpAnswer answer = startAnswer(500, options);
  answer.headers.push_back(contentType("text/plain", options));
  addNoCache(answer);
  if (!options.head_only) answer.body = "Internal error. Please review log file for errors.";
  return answer;
}

HttpAnswer renderPing(std::string_view response, const AnswerOptions& options) {
  HttpAnswer answer = startAnswer(200, options);
  answer.headers.push_back(contentType("text/plain", options));
  addNoCache(answer);
  if (!options.head_only) answer.body = std::string(response);
  return answer;
}

std::string toCgiResponse(const HttpAnswer& answer) {
  std::string out;
  if (answer.status != 200) {
    std::string_view reason = reasonPhrase(answer.status);
    out += reason.empty() ? fmt::format("Status: {}\r\n", answer.status)
                          : fmt::format("Status: {} {}\r\n", answer.status, reason);
  }
  for (const auto& [name, value] : answer.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "\r\n";
  return out + answer.body;
}

}  // namespace fpmd::status
