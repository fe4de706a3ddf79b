#include "log/access_log.h"

#include <strings.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace fpmd::log {
namespace {

// strftime() gets a 128-byte buffer, so at most 127 characters.
constexpr size_t kTimeBuffer = 128;
constexpr const char* kDefaultTimeFormat = "%d/%b/%Y:%H:%M:%S %z";

// Sizes of the scoreboard's fixed char arrays the request info is strlcpy()'d into.
constexpr size_t kPoolSize = 32;
constexpr size_t kRequestUriSize = 128;
constexpr size_t kQueryStringSize = 512;
constexpr size_t kRequestMethodSize = 16;
constexpr size_t kScriptFilenameSize = 256;
constexpr size_t kAuthUserSize = 32;

// A C string copied into a char[size]: cut at its first NUL, then to size - 1 bytes.
std::string_view cString(std::string_view value, size_t size = std::string_view::npos) {
  value = value.substr(0, value.find('\0'));
  return size == std::string_view::npos ? value : value.substr(0, size - 1);
}

template <typename... Args>
std::string cFormat(const char* format, Args... args) {
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), format, args...);
  return std::string(buf, n > 0 ? std::min(static_cast<size_t>(n), sizeof(buf) - 1) : 0);
}

// The line as PHP-FPM builds it in its 1025-byte buffer: `len_` counts what snprintf() said it
// wrote, which runs past what fits once a value is cut.
class LineBuffer {
 public:
  bool full() const { return len_ >= kAccessLogBuffer; }
  void markTruncated() { truncated_ = true; }
  bool truncated() const { return truncated_; }

  void put(char c) {
    out_ += c;
    ++len_;
  }
  // snprintf(b, FPM_LOG_BUFFER - len, "%s", value): keeps room for its NUL.
  void value(std::string_view v) {
    v = cString(v);
    out_.append(v.substr(0, kAccessLogBuffer - len_ - 1));
    len_ += v.size();
  }

  AccessLine finish() && {
    AccessLine line;
    line.truncated = truncated_;
    if (out_.empty()) return line;
    // Bytes past what was written stay as the buffer's zero fill.
    out_.resize(std::min(len_, kAccessLogBuffer), '\0');
    out_ += '\n';
    line.text = std::move(out_);
    return line;
  }

 private:
  std::string out_;
  size_t len_ = 0;
  bool truncated_ = false;
};

std::string formatTime(time_t epoch, const std::string& format) {
  struct tm tm {};
  localtime_r(&epoch, &tm);
  char buf[kTimeBuffer];
  size_t n = strftime(buf, sizeof(buf), format.empty() ? kDefaultTimeFormat : format.c_str(), &tm);
  // On overflow PHP-FPM prints whatever its stack buffer held; we print nothing.
  return std::string(buf, n);
}

std::string cpuPercent(const AccessRecord& r, const std::string& which) {
  int64_t ticks = which == "user"     ? r.cpu_user_ticks
                  : which == "system" ? r.cpu_system_ticks
                                      : r.cpu_user_ticks + r.cpu_system_ticks;
  // PHP-FPM divides the clock_t by a float tick rate, then by the duration as a double.
  float seconds = static_cast<float>(ticks) / static_cast<float>(r.clock_ticks);
  double duration = static_cast<double>(r.duration_us / 1000000) +
                    static_cast<double>(r.duration_us % 1000000) / 1000000.;
  return cFormat("%.2f", seconds / duration * 100.);
}

std::string duration(const AccessRecord& r, const std::string& unit) {
  auto sec = r.duration_us / 1000000;
  auto usec = r.duration_us % 1000000;
  if (unit == "milli") {
    return cFormat("%.3f", static_cast<double>(sec) * 1000. + static_cast<double>(usec) / 1000.);
  }
  if (unit == "micro") {
    return fmt::format("{}", static_cast<uint64_t>(sec) * 1000000U + static_cast<uint64_t>(usec));
  }
  return cFormat("%.3f", static_cast<double>(sec) + static_cast<double>(usec) / 1000000.);
}

std::string memory(const AccessRecord& r, const std::string& unit) {
  uint64_t value = r.memory_peak;
  if (unit == "kilo") value /= 1024;
  if (unit == "mega") value = value / 1024 / 1024;
  return fmt::format("{}", value);
}

// %e reads PHP-FPM's FastCGI hash, whose hash of a 3-byte name reads the byte after the name:
// the value's first byte when stored, the terminating NUL when looked up. Such a name is
// found only in rare layouts, so we treat it as never found.
std::string_view param(const AccessRecord& r, const std::string& name, bool& found) {
  const std::string* value = r.params != nullptr ? r.params->find(name) : nullptr;
  found = value != nullptr && name.size() != 3;
  return found ? std::string_view(*value) : std::string_view();
}

// %o: the first header line containing the name anywhere whose bytes right after the name's
// length are ": ", with at least one byte after them. PHP-FPM checks no more than that, so
// %{ab}o also matches "xy: ab".
const std::string* header(const AccessRecord& r, const std::string& name) {
  for (const auto& line : r.response_headers) {
    std::string_view h = cString(line);
    if (h.empty() || h.find(name) == std::string_view::npos) continue;
    if (h.size() <= name.size() + 2) continue;
    if (h[name.size()] != ':' || h[name.size() + 1] != ' ') continue;
    return &line;
  }
  return nullptr;
}

std::string_view orDash(std::string_view value) {
  return value.empty() ? "-" : value;
}

void render(LineBuffer& out, const AccessFormat::Item& item, const AccessRecord& r) {
  switch (item.code) {
    case '%':
      out.put('%');
      return;
    case 'C':
      out.value(cpuPercent(r, item.text));
      return;
    case 'd':
      out.value(duration(r, item.text));
      return;
    case 'e': {
      bool found = false;
      std::string_view value = param(r, item.text, found);
      out.value(found ? value : "-");
      return;
    }
    case 'f':
      out.value(orDash(cString(r.script_filename, kScriptFilenameSize)));
      return;
    case 'l':
      out.value(fmt::format("{}", static_cast<uint64_t>(r.content_length)));
      return;
    case 'm':
      out.value(orDash(cString(r.request_method, kRequestMethodSize)));
      return;
    case 'M':
      out.value(memory(r, item.text));
      return;
    case 'n':
      out.value(orDash(cString(r.pool, kPoolSize)));
      return;
    case 'o': {
      const std::string* line = header(r, item.text);
      if (line == nullptr) {
        out.put('-');
      } else {
        out.value(std::string_view(*line).substr(item.text.size() + 2));
      }
      return;
    }
    case 'p':
      out.value(fmt::format("{}", static_cast<long>(r.pid)));
      return;
    case 'P':
      out.value(fmt::format("{}", static_cast<long>(r.parent_pid)));
      return;
    case 'q':
      out.value(cString(r.query_string, kQueryStringSize));
      return;
    case 'Q':
      out.value(cString(r.query_string).empty() ? "" : "?");
      return;
    case 'r':
      out.value(cString(r.request_uri, kRequestUriSize));
      return;
    case 'R':
      out.value(orDash(cString(r.client_ip)));
      return;
    case 's':
      out.value(fmt::format("{}", r.status));
      return;
    case 't':
      out.value(formatTime(r.accepted_epoch, item.text));
      return;
    case 'T':
      out.value(formatTime(r.now_epoch, item.text));
      return;
    case 'u':
      out.value(cString(r.auth_user, kAuthUserSize));
      return;
    default:
      return;  // parse() lets no other code through
  }
}

}  // namespace

AccessLine formatAccessLine(const AccessFormat& format, const AccessRecord& record) {
  LineBuffer out;
  // PHP-FPM checks for room before each format character and after each %-code.
  for (const auto& item : format.items()) {
    if (item.code == 0) {
      for (char c : item.text) {
        if (out.full()) {
          out.markTruncated();
          return std::move(out).finish();
        }
        out.put(c);
      }
      continue;
    }
    if (out.full()) {
      out.markTruncated();
      return std::move(out).finish();
    }
    render(out, item, record);
    if (out.full()) {
      out.markTruncated();
      return std::move(out).finish();
    }
  }
  if (format.trailingPercent() && out.full()) out.markTruncated();
  return std::move(out).finish();
}

bool suppressed(const std::vector<std::string>& suppress_paths, const AccessRecord& record) {
  if (!cString(record.query_string, kQueryStringSize).empty()) return false;
  std::string_view method = cString(record.request_method, kRequestMethodSize);
  if (method != "GET" && method != "HEAD") return false;
  if (record.status < 200 || record.status > 299) return false;
  // Signed, unlike %l: a negative CONTENT_LENGTH does not prevent suppression.
  if (record.content_length > 0) return false;
  std::string_view uri = cString(record.request_uri, kRequestUriSize);
  return std::any_of(suppress_paths.begin(), suppress_paths.end(),
                     [&](const std::string& path) { return path == uri; });
}

}  // namespace fpmd::log
