// The -tt dump, line for line as PHP-FPM 8.2's fpm_conf_dump() prints it.

#include <cctype>

#include "config/config.h"

namespace fpmd::config {
namespace {

const char* yesNo(bool b) {
  return b ? "yes" : "no";
}

std::string orUndefined(bool set, const std::string& value) {
  return set ? value : "undefined";
}

std::string priority(const std::optional<int>& p) {
  return p ? fmt::format("{}", *p) : "undefined";
}

std::string mebibytes(uint64_t bytes) {
  if (bytes % (1 << 20) != 0) return fmt::format("{}", bytes);
  return fmt::format("{}M", bytes >> 20);
}

const char* pmName(PoolConfig::Pm pm) {
  switch (pm) {
    case PoolConfig::Pm::Static:
      return "static";
    case PoolConfig::Pm::Dynamic:
      return "dynamic";
    case PoolConfig::Pm::Ondemand:
      return "ondemand";
  }
  return "static";
}

void dumpGlobal(const GlobalConfig& g, std::vector<std::string>& out) {
  auto line = [&](std::string_view key, const auto& value) {
    out.push_back(fmt::format("\t{} = {}", key, value));
  };
  out.push_back("[global]");
  line("pid", orUndefined(!g.pid.empty(), g.pid));
  line("error_log", g.error_log);
  line("syslog.ident", g.syslog_ident);
  line("syslog.facility", g.syslog_facility);
  line("log_buffering", yesNo(g.log_buffering));
  // PHP-FPM 8.2 prints its raw internal level, which is 0 ("unknown value") when the file
  // does not set log_level.
  line("log_level", g.isSet("log_level") ? std::string(log::levelName(g.log_level))
                                         : std::string("unknown value"));
  line("log_limit", g.log_limit);
  line("emergency_restart_interval", fmt::format("{}s", g.emergency_restart_interval));
  line("emergency_restart_threshold", g.emergency_restart_threshold);
  line("process_control_timeout", fmt::format("{}s", g.process_control_timeout));
  line("process.max", g.process_max);
  line("process.priority", priority(g.process_priority));
  line("daemonize", yesNo(g.daemonize));
  line("rlimit_files", g.rlimit_files.value_or(0));
  line("rlimit_core", g.rlimit_core.value_or(0));
  std::string mechanism = g.events_mechanism.empty() ? "epoll" : g.events_mechanism;
  for (char& c : mechanism) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  line("events.mechanism", mechanism);
  line("systemd_interval", fmt::format("{}s", g.systemd_interval));
  if (g.memory_reserve) {
    line("memory_reserve", g.memory_reserve->bytes == 0 && g.memory_reserve->percent > 0
                               ? fmt::format("{:g}%", g.memory_reserve->percent)
                               : mebibytes(g.memory_reserve->bytes));
  }
  out.push_back(" ");
}

void dumpPool(const PoolConfig& p, std::vector<std::string>& out) {
  auto line = [&](std::string_view key, const auto& value) {
    out.push_back(fmt::format("\t{} = {}", key, value));
  };
  auto str = [&](std::string_view key, const std::string& value) {
    line(key, orUndefined(p.isSet(std::string(key)) || !value.empty(), value));
  };
  out.push_back(fmt::format("[{}]", p.name));
  str("prefix", p.prefix);
  str("user", p.user);
  str("group", p.group);
  str("listen", p.listen);
  line("listen.backlog", p.listen_backlog);
  str("listen.acl_users", p.listen_acl_users);
  str("listen.acl_groups", p.listen_acl_groups);
  str("listen.owner", p.listen_owner);
  str("listen.group", p.listen_group);
  line("listen.mode", orUndefined(p.isSet("listen.mode"), p.listen_mode));
  str("listen.allowed_clients", p.listen_allowed_clients);
  line("process.priority", priority(p.process_priority));
  line("process.dumpable", yesNo(p.process_dumpable));
  line("pm", pmName(p.pm));
  if (p.pm_max_children_auto) {
    line("pm.max_children", fmt::format("auto (at most {})", p.pm_max_children));
  } else {
    line("pm.max_children", p.pm_max_children);
  }
  line("pm.start_servers", p.pm_start_servers);
  line("pm.min_spare_servers", p.pm_min_spare_servers);
  line("pm.max_spare_servers", p.pm_max_spare_servers);
  line("pm.max_spawn_rate", p.pm_max_spawn_rate);
  line("pm.process_idle_timeout", p.pm_process_idle_timeout);
  line("pm.max_requests", p.pm_max_requests);
  // fpmd's own, shown only when set so the dump stays php-fpm's for php-fpm's files.
  if (p.isSet("pm.max_memory")) line("pm.max_memory", mebibytes(p.pm_max_memory));
  if (p.isSet("pm.max_pool_memory")) line("pm.max_pool_memory", mebibytes(p.pm_max_pool_memory));
  str("pm.status_path", p.pm_status_path);
  str("pm.status_listen", p.pm_status_listen);
  if (p.isSet("pm.status_fpmd_fields")) {
    line("pm.status_fpmd_fields", yesNo(p.pm_status_fpmd_fields));
  }
  str("ping.path", p.ping_path);
  // PHP-FPM drops ping.response without ping.path, and only defaults access.format when
  // there is an access.log.
  line("ping.response", orUndefined(!p.ping_path.empty(), p.ping_response));
  str("access.log", p.access_log);
  line("access.format",
       orUndefined(p.isSet("access.format") || !p.access_log.empty(), p.access_format));
  // PHP-FPM's lists are newest-first.
  for (auto it = p.access_suppress_path.rbegin(); it != p.access_suppress_path.rend(); ++it) {
    line("access.suppress_path[]", *it);
  }
  str("slowlog", p.slowlog);
  line("request_slowlog_timeout", fmt::format("{}s", p.request_slowlog_timeout));
  line("request_slowlog_trace_depth", p.request_slowlog_trace_depth);
  line("request_terminate_timeout", fmt::format("{}s", p.request_terminate_timeout));
  line("request_terminate_timeout_track_finished",
       yesNo(p.request_terminate_timeout_track_finished));
  line("rlimit_files", p.rlimit_files.value_or(0));
  line("rlimit_core", p.rlimit_core.value_or(0));
  str("chroot", p.chroot);
  str("chdir", p.chdir);
  line("catch_workers_output", yesNo(p.catch_workers_output));
  line("decorate_workers_output", yesNo(p.decorate_workers_output));
  line("clear_env", yesNo(p.clear_env));
  line("security.limit_extensions", p.security_limit_extensions_text);
  // (std::views::reverse would be neater, but clang cannot use libstdc++ 12's ranges.)
  for (auto it = p.env.rbegin(); it != p.env.rend(); ++it) {
    out.push_back(fmt::format("\tenv[{}] = {}", it->first, it->second));
  }
  for (auto it = p.php_values.rbegin(); it != p.php_values.rend(); ++it) {
    out.push_back(fmt::format("\tphp_value[{}] = {}", it->name, it->value));
  }
  for (auto it = p.php_admin_values.rbegin(); it != p.php_admin_values.rend(); ++it) {
    out.push_back(fmt::format("\tphp_admin_value[{}] = {}", it->name, it->value));
  }
  out.push_back(" ");
}

}  // namespace

std::vector<std::string> dumpLines(const Config& config) {
  std::vector<std::string> out;
  dumpGlobal(config.global, out);
  for (const PoolConfig& p : config.pools) dumpPool(p, out);
  return out;
}

}  // namespace fpmd::config
