#include "config/directives.h"

#include <strings.h>
#include <syslog.h>

#include <cstdint>
#include <cstdlib>

namespace fpmd::config {
namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// glibc's atoi(): strtol() truncated to int.
int cAtoi(const std::string& s) {
  long v = std::strtol(s.c_str(), nullptr, 10);
  return static_cast<int>(static_cast<uint32_t>(static_cast<unsigned long>(v)));
}

// Deduces the class of a pointer to member, so one template serves both tables.
template <typename C, typename T>
C classOf(T C::*);
template <auto M>
using Owner = decltype(classOf(M));

template <auto M>
Status setString(Owner<M>& c, const std::string& v) {
  c.*M = v;
  return {};
}

template <auto M>
Status setInteger(Owner<M>& c, const std::string& v) {
  Result<int> r = parseInteger(v);
  if (!r) return makeError(r.error());
  c.*M = *r;
  return {};
}

template <auto M>
Status setTime(Owner<M>& c, const std::string& v) {
  Result<int> r = parseTime(v);
  if (!r) return makeError(r.error());
  c.*M = *r;
  return {};
}

template <auto M>
Status setBoolean(Owner<M>& c, const std::string& v) {
  Result<bool> r = parseBoolean(v);
  if (!r) return makeError(r.error());
  c.*M = *r;
  return {};
}

// PHP-FPM stores 64 to mean "unset", so setting 64 explicitly is the same as not setting it.
template <auto M>
Status setPriority(Owner<M>& c, const std::string& v) {
  Result<int> r = parseInteger(v);
  if (!r) return makeError(r.error());
  c.*M = *r == 64 ? std::nullopt : std::optional<int>(*r);
  return {};
}

template <auto M>
Status setRlimitFiles(Owner<M>& c, const std::string& v) {
  Result<int> r = parseInteger(v);
  if (!r) return makeError(r.error());
  c.*M = *r;
  return {};
}

template <auto M>
Status setRlimitCore(Owner<M>& c, const std::string& v) {
  if (equalsNoCase(v, "unlimited")) {
    c.*M = -1;
    return {};
  }
  Result<int> r = parseInteger(v);
  if (!r) return makeError(r.error());
  if (*r < 0) return makeError("must be greater than zero or 'unlimited'");
  c.*M = *r;
  return {};
}

template <auto M>
Status setSize(Owner<M>& c, const std::string& v) {
  Result<uint64_t> r = parseSize(v);
  if (!r) return makeError(r.error());
  c.*M = *r;
  return {};
}

Status setMaxChildren(PoolConfig& c, const std::string& v) {
  if (equalsNoCase(v, "auto")) {
    c.pm_max_children_auto = true;
    return {};
  }
  c.pm_max_children_auto = false;
  return setInteger<&PoolConfig::pm_max_children>(c, v);
}

Status setMemoryReserve(GlobalConfig& c, const std::string& v) {
  GlobalConfig::MemoryReserve reserve;
  if (!v.empty() && v.back() == '%') {
    char* end = nullptr;
    std::string number = v.substr(0, v.size() - 1);
    reserve.percent = std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || reserve.percent < 0 || reserve.percent >= 100) {
      return makeError("invalid percentage (0% to 99%)");
    }
  } else {
    Result<uint64_t> bytes = parseSize(v);
    if (!bytes) return makeError(bytes.error());
    reserve.bytes = *bytes;
  }
  c.memory_reserve = reserve;
  return {};
}

Status setPm(PoolConfig& c, const std::string& v) {
  if (equalsNoCase(v, "static")) {
    c.pm = PoolConfig::Pm::Static;
  } else if (equalsNoCase(v, "dynamic")) {
    c.pm = PoolConfig::Pm::Dynamic;
  } else if (equalsNoCase(v, "ondemand")) {
    c.pm = PoolConfig::Pm::Ondemand;
  } else {
    return makeError("invalid process manager (static, dynamic or ondemand)");
  }
  return {};
}

Status setLimitExtensions(PoolConfig& c, const std::string& v) {
  c.security_limit_extensions_text = v;
  return {};
}

Status setLogLevel(GlobalConfig& c, const std::string& v) {
  static constexpr struct {
    std::string_view name;
    log::Level level;
  } kLevels[] = {{"debug", log::Level::Debug},     {"notice", log::Level::Notice},
                 {"warning", log::Level::Warning}, {"warn", log::Level::Warning},
                 {"error", log::Level::Error},     {"alert", log::Level::Alert}};
  for (const auto& l : kLevels) {
    if (equalsNoCase(v, l.name)) {
      c.log_level = l.level;
      return {};
    }
  }
  return makeError("invalid value for 'log_level'");
}

Status setSyslogFacility(GlobalConfig& c, const std::string& v) {
  static constexpr struct {
    std::string_view name;
    int facility;
  } kFacilities[] = {{"AUTH", LOG_AUTH},     {"AUTHPRIV", LOG_AUTHPRIV}, {"CRON", LOG_CRON},
                     {"DAEMON", LOG_DAEMON}, {"FTP", LOG_FTP},           {"KERN", LOG_KERN},
                     {"LPR", LOG_LPR},       {"MAIL", LOG_MAIL},         {"NEWS", LOG_NEWS},
                     {"SYSLOG", LOG_SYSLOG}, {"USER", LOG_USER},         {"UUCP", LOG_UUCP},
                     {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1},     {"LOCAL2", LOG_LOCAL2},
                     {"LOCAL3", LOG_LOCAL3}, {"LOCAL4", LOG_LOCAL4},     {"LOCAL5", LOG_LOCAL5},
                     {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7}};
  for (const auto& f : kFacilities) {
    if (equalsNoCase(v, f.name)) {
      c.syslog_facility = f.facility;
      return {};
    }
  }
  return makeError("invalid value");
}

using G = GlobalConfig;
using P = PoolConfig;
constexpr ValueKind kStr = ValueKind::String;
constexpr ValueKind kOther = ValueKind::Other;

// Same order as PHP-FPM's ini_fpm_global_options.
constexpr Directive<GlobalConfig> kGlobal[] = {
    {"pid", kStr, setString<&G::pid>, true},
    {"error_log", kStr, setString<&G::error_log>, true},
    {"syslog.ident", kStr, setString<&G::syslog_ident>, true},
    {"syslog.facility", kOther, setSyslogFacility, true},
    {"log_buffering", kOther, setBoolean<&G::log_buffering>, true},
    {"log_level", kOther, setLogLevel, true},
    {"log_limit", kOther, setInteger<&G::log_limit>, true},
    {"emergency_restart_threshold", kOther, setInteger<&G::emergency_restart_threshold>, true},
    {"emergency_restart_interval", kOther, setTime<&G::emergency_restart_interval>, true},
    {"process_control_timeout", kOther, setTime<&G::process_control_timeout>, true},
    {"process.max", kOther, setInteger<&G::process_max>, true},
    {"process.priority", kOther, setPriority<&G::process_priority>, true},
    {"daemonize", kOther, setBoolean<&G::daemonize>, true},
    {"rlimit_files", kOther, setRlimitFiles<&G::rlimit_files>, true},
    {"rlimit_core", kOther, setRlimitCore<&G::rlimit_core>, true},
    // Always epoll: "epoll" is silent, other valid names warn (see load()).
    {"events.mechanism", kStr, setString<&G::events_mechanism>, true},
    {"systemd_interval", kOther, setTime<&G::systemd_interval>, true},
    // fpmd's own: the host guard's reserve.
    {"memory_reserve", kOther, setMemoryReserve, true},
};

// Same order as PHP-FPM's ini_fpm_pool_options. listen.setfib is absent on purpose: PHP-FPM
// only knows it where SO_SETFIB exists (FreeBSD), so on Linux it is an unknown entry.
constexpr Directive<PoolConfig> kPool[] = {
    {"prefix", kStr, setString<&P::prefix>, true},
    {"user", kStr, setString<&P::user>, true},
    {"group", kStr, setString<&P::group>, true},
    {"listen", kStr, setString<&P::listen>, true},
    {"listen.backlog", kOther, setInteger<&P::listen_backlog>, true},
    {"listen.acl_users", kStr, setString<&P::listen_acl_users>, false},
    {"listen.acl_groups", kStr, setString<&P::listen_acl_groups>, false},
    {"listen.owner", kStr, setString<&P::listen_owner>, true},
    {"listen.group", kStr, setString<&P::listen_group>, true},
    {"listen.mode", kStr, setString<&P::listen_mode>, true},
    {"listen.allowed_clients", kStr, setString<&P::listen_allowed_clients>, true},
    {"process.priority", kOther, setPriority<&P::process_priority>, true},
    {"process.dumpable", kOther, setBoolean<&P::process_dumpable>, true},
    {"pm", kOther, setPm, true},
    {"pm.max_children", kOther, setMaxChildren, true},
    {"pm.start_servers", kOther, setInteger<&P::pm_start_servers>, true},
    {"pm.min_spare_servers", kOther, setInteger<&P::pm_min_spare_servers>, true},
    {"pm.max_spare_servers", kOther, setInteger<&P::pm_max_spare_servers>, true},
    {"pm.max_spawn_rate", kOther, setInteger<&P::pm_max_spawn_rate>, true},
    {"pm.process_idle_timeout", kOther, setTime<&P::pm_process_idle_timeout>, true},
    {"pm.max_requests", kOther, setInteger<&P::pm_max_requests>, true},
    // fpmd's own (not in PHP-FPM, so not in the -tt dump either).
    {"pm.max_requests_jitter", kOther, setInteger<&P::pm_max_requests_jitter>, true},
    {"pm.max_memory", kOther, setSize<&P::pm_max_memory>, true},
    {"pm.max_pool_memory", kOther, setSize<&P::pm_max_pool_memory>, true},
    {"pm.status_path", kStr, setString<&P::pm_status_path>, true},
    {"pm.status_listen", kStr, setString<&P::pm_status_listen>, true},
    {"ping.path", kStr, setString<&P::ping_path>, true},
    {"ping.response", kStr, setString<&P::ping_response>, true},
    {"access.log", kStr, setString<&P::access_log>, true},
    {"access.format", kStr, setString<&P::access_format>, true},
    {"slowlog", kStr, setString<&P::slowlog>, true},
    {"request_slowlog_timeout", kOther, setTime<&P::request_slowlog_timeout>, true},
    {"request_slowlog_trace_depth", kOther, setInteger<&P::request_slowlog_trace_depth>, true},
    {"request_terminate_timeout", kOther, setTime<&P::request_terminate_timeout>, true},
    {"request_terminate_timeout_track_finished", kOther,
     setBoolean<&P::request_terminate_timeout_track_finished>, true},
    // fpmd's own: how long a worker waits for a request to arrive whole.
    {"request_read_timeout", kOther, setTime<&P::request_read_timeout>, true},
    // fpmd's own: how long a request may wait for a free worker.
    {"request_queue_timeout", kOther, setTime<&P::request_queue_timeout>, true},
    {"rlimit_files", kOther, setRlimitFiles<&P::rlimit_files>, true},
    {"rlimit_core", kOther, setRlimitCore<&P::rlimit_core>, true},
    {"chroot", kStr, setString<&P::chroot>, true},
    {"chdir", kStr, setString<&P::chdir>, true},
    {"catch_workers_output", kOther, setBoolean<&P::catch_workers_output>, true},
    {"pm.status_fpmd_fields", kOther, setBoolean<&P::pm_status_fpmd_fields>, true},
    {"decorate_workers_output", kOther, setBoolean<&P::decorate_workers_output>, true},
    {"clear_env", kOther, setBoolean<&P::clear_env>, true},
    {"security.limit_extensions", kStr, setLimitExtensions, true},
    {"apparmor_hat", kStr, setString<&P::apparmor_hat>, true},
};

template <typename C, size_t N>
const Directive<C>* find(const Directive<C> (&table)[N], std::string_view key) {
  for (const auto& d : table) {
    if (equalsNoCase(d.key, key)) return &d;
  }
  return nullptr;
}

}  // namespace

std::span<const Directive<GlobalConfig>> globalDirectives() {
  return kGlobal;
}
std::span<const Directive<PoolConfig>> poolDirectives() {
  return kPool;
}
const Directive<GlobalConfig>* findGlobalDirective(std::string_view key) {
  return find(kGlobal, key);
}
const Directive<PoolConfig>* findPoolDirective(std::string_view key) {
  return find(kPool, key);
}

Result<bool> parseBoolean(const std::string& value) {
  if (value == "1") return true;
  if (value.empty()) return false;
  return makeError("invalid boolean value");
}

Result<int> parseInteger(const std::string& value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (i == 0 && value[i] == '-') continue;
    if (value[i] < '0' || value[i] > '9') {
      return makeError("is not a valid number (greater or equal than zero)");
    }
  }
  return cAtoi(value);
}

Result<int> parseTime(const std::string& value) {
  if (value.empty()) return makeError("invalid time value");
  char suffix = value.back();
  std::string number = value.substr(0, value.size() - 1);
  int64_t seconds;
  switch (suffix) {
    case 'm':
      seconds = int64_t{60} * cAtoi(number);
      break;
    case 'h':
      seconds = int64_t{3600} * cAtoi(number);
      break;
    case 'd':
      seconds = int64_t{86400} * cAtoi(number);
      break;
    case 's':
      seconds = cAtoi(number);
      break;
    default:
      if (suffix < '0' || suffix > '9') return makeError("unknown suffix used in time value");
      seconds = cAtoi(value);
  }
  // PHP-FPM multiplies in int; keep its wrap-around rather than invoking UB.
  return static_cast<int>(static_cast<uint32_t>(static_cast<uint64_t>(seconds)));
}

Result<uint64_t> parseSize(const std::string& value) {
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  std::string_view suffix = std::string_view(value).substr(digits);
  uint64_t unit = 1;
  if (suffix == "k" || suffix == "K") {
    unit = uint64_t{1} << 10;
  } else if (suffix == "m" || suffix == "M") {
    unit = uint64_t{1} << 20;
  } else if (suffix == "g" || suffix == "G") {
    unit = uint64_t{1} << 30;
  } else if (!suffix.empty()) {
    return makeError("invalid size (a number with an optional K, M or G suffix)");
  }
  if (digits == 0 || digits > 12) {
    return makeError("invalid size (a number with an optional K, M or G suffix)");
  }
  return std::strtoull(value.substr(0, digits).c_str(), nullptr, 10) * unit;
}

}  // namespace fpmd::config
