#include "config/validate.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"
#include "config/paths.h"

namespace fpmd::config {
namespace {

bool isDir(const std::string& path) {
  struct stat sb;
  return ::stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool allDigits(const std::string& s) {
  return s.find_first_not_of("0123456789") == std::string::npos;
}

// "[file:line] message". PHP-FPM names no place for the checks after reading; fpmd adds
// where the value was set so that a long include tree does not hide the culprit.
std::string located(const Location& where, const std::string& message) {
  if (where.file.empty()) return message;
  return fmt::format("[{}:{}] {}", where.file, where.line, message);
}

// Where a directive was set; for a pool directive left unset, the pool's section header.
Location at(const PoolConfig& p, const std::string& key) {
  auto it = p.origins.find(key);
  return it != p.origins.end() ? it->second : p.section;
}
Location at(const GlobalConfig& g, const std::string& key) {
  auto it = g.origins.find(key);
  return it != g.origins.end() ? it->second : Location{};
}

// Logs and returns an error, at the level PHP-FPM uses for that check, with its PHP-FPM text
// after the location.
Status reject(const Location& where, log::Level level, const std::string& message) {
  std::string text = located(where, message);
  log::write(level, text);
  return makeError(std::move(text));
}

// fpm_evaluate_full_path(): relative paths get the pool prefix, else -p, else `fallback`.
// With `expand`, a leading "$prefix" stands for that prefix.
void evaluatePath(std::string& path, const PoolConfig* pool, const LoadOptions& options,
                  const std::string& fallback, bool expand) {
  if (!path.empty() && path[0] == '/') return;
  std::string prefix;
  if (pool && pool->isSet("prefix"))
    prefix = pool->prefix;
  else if (!options.prefix.empty())
    prefix = options.prefix;
  else
    prefix = fallback;

  std::optional<std::string> rest = path;
  if (expand) {
    size_t at = path.find("$prefix");
    if (at != std::string::npos) {
      if (at != 0) {
        // PHP-FPM logs this and carries on with the value unchanged.
        log::error("'$prefix' must be use at the beginning of the value");
        return;
      }
      rest = path.size() > 7 ? std::optional<std::string>(path.substr(7)) : std::nullopt;
    }
  }
  path = rest ? prefix + "/" + *rest : prefix;
  if (path[0] != '/' && pool) evaluatePath(path, nullptr, options, fallback, expand);
}

bool isUnixAddress(const std::string& address) {
  return address.find(':') == std::string::npos && !allDigits(address);
}

// [alnum]/_-.~ only.
bool isUriPath(const std::string& path) {
  for (unsigned char c : path) {
    if (!std::isalnum(c) && c != '/' && c != '-' && c != '_' && c != '.' && c != '~') return false;
  }
  return true;
}

// Keys of php_value[]/php_admin_value[] whose relative values get the prefix (fpm_php.h).
constexpr std::string_view kPathIniKeys[] = {
    "error_log",
    "extension_dir",
    "mime_magic.magicfile",
    "sendmail_path",
    "session.cookie_path",
    "session_pgsql.sem_file_name",
    "soap.wsdl_cache_dir",
    "uploadprogress.file.filename_template",
    "xdebug.output_dir",
    "xdebug.profiler_output_dir",
    "xdebug.trace_output_dir",
    "xmms.path",
    "axis2.client_home",
    "blenc.key_file",
    "coin_acceptor.device",
};

bool isPathIniKey(const std::string& key) {
  for (std::string_view k : kPathIniKeys) {
    if (k.size() == key.size() && ::strncasecmp(k.data(), key.data(), k.size()) == 0) return true;
  }
  return false;
}

Status checkDynamic(PoolConfig& p) {
  const std::string& n = p.name;
  if (p.pm_min_spare_servers <= 0) {
    return reject(at(p, "pm.min_spare_servers"), log::Level::Alert,
                  fmt::format("[pool {}] pm.min_spare_servers({}) must be a "
                              "positive value",
                              n, p.pm_min_spare_servers));
  }
  if (p.pm_max_spare_servers <= 0) {
    return reject(at(p, "pm.max_spare_servers"), log::Level::Alert,
                  fmt::format("[pool {}] pm.max_spare_servers({}) must be a "
                              "positive value",
                              n, p.pm_max_spare_servers));
  }
  if (p.pm_min_spare_servers > p.pm_max_children || p.pm_max_spare_servers > p.pm_max_children) {
    return reject(
        at(p, "pm.max_spare_servers"), log::Level::Alert,
        fmt::format("[pool {}] pm.min_spare_servers({}) and pm.max_spare_servers({}) "
                    "cannot be greater than pm.max_children({})",
                    n, p.pm_min_spare_servers, p.pm_max_spare_servers, p.pm_max_children));
  }
  if (p.pm_max_spare_servers < p.pm_min_spare_servers) {
    return reject(at(p, "pm.max_spare_servers"), log::Level::Alert,
                  fmt::format("[pool {}] pm.max_spare_servers({}) must not be less than "
                              "pm.min_spare_servers({})",
                              n, p.pm_max_spare_servers, p.pm_min_spare_servers));
  }
  if (p.pm_start_servers <= 0) {
    p.pm_start_servers =
        p.pm_min_spare_servers + (p.pm_max_spare_servers - p.pm_min_spare_servers) / 2;
    log::notice("[pool {}] pm.start_servers is not set. It's been set to {}.", n,
                p.pm_start_servers);
  } else if (p.pm_start_servers < p.pm_min_spare_servers ||
             p.pm_start_servers > p.pm_max_spare_servers) {
    return reject(
        at(p, "pm.start_servers"), log::Level::Alert,
        fmt::format("[pool {}] pm.start_servers({}) must not be less than "
                    "pm.min_spare_servers({}) and not greater than "
                    "pm.max_spare_servers({})",
                    n, p.pm_start_servers, p.pm_min_spare_servers, p.pm_max_spare_servers));
  }
  if (p.pm_max_spawn_rate < 1) {
    return reject(at(p, "pm.max_spawn_rate"), log::Level::Alert,
                  fmt::format("[pool {}] pm.max_spawn_rate must be a positive value", n));
  }
  return {};
}

Status checkOndemand(PoolConfig& p, const GlobalConfig& global) {
  const std::string& n = p.name;
  // fpmd always runs epoll, but PHP-FPM refuses ondemand when told to use poll/select.
  if (!global.events_mechanism.empty() &&
      ::strcasecmp(global.events_mechanism.c_str(), "epoll") != 0) {
    return reject(at(p, "pm"), log::Level::Alert,
                  fmt::format("[pool {}] ondemand process manager can ONLY be used when "
                              "events.mechanism is either epoll (Linux) or kqueue (*BSD).",
                              n));
  }
  if (p.pm_process_idle_timeout < 1) {
    return reject(at(p, "pm.process_idle_timeout"), log::Level::Alert,
                  fmt::format("[pool {}] pm.process_idle_timeout({}s) must be greater than 0s", n,
                              p.pm_process_idle_timeout));
  }
  if (p.listen_backlog < -1) {
    log::warning(
        "[pool {}] listen.backlog({}) was too low for the ondemand process manager. I "
        "updated it for you to {}.",
        n, p.listen_backlog, -1);
  }
  p.pm_start_servers = 0;
  p.pm_min_spare_servers = 0;
  p.pm_max_spare_servers = 0;
  return {};
}

Status checkUriPath(const PoolConfig& p, const std::string& what, const std::string& path,
                    bool allow_short) {
  const std::string& n = p.name;
  Location where =
      at(p, what == "status" ? (p.isSet("pm.status_path") ? "pm.status_path" : "pm.status_listen")
                             : "ping.path");
  if (path[0] != '/') {
    return reject(where, log::Level::Error,
                  fmt::format("[pool {}] the {} path '{}' must start with a '/'", n, what, path));
  }
  if (!allow_short && path.size() < 2) {
    return reject(where, log::Level::Error,
                  fmt::format("[pool {}] the {} path '{}' is not long enough", n, what, path));
  }
  if (!isUriPath(path)) {
    return reject(where, log::Level::Error,
                  fmt::format("[pool {}] the {} path '{}' must contain only the following "
                              "characters '[alphanum]/_-.~'",
                              n, what, path));
  }
  return {};
}

Status checkSlowlog(PoolConfig& p, const LoadOptions& options) {
  const std::string& n = p.name;
  if (!p.slowlog.empty()) evaluatePath(p.slowlog, &p, options, options.install_prefix, false);
  if (p.request_slowlog_timeout) {
    if (p.slowlog.empty()) {
      return reject(at(p, "request_slowlog_timeout"), log::Level::Error,
                    fmt::format("[pool {}] 'slowlog' must be specified for "
                                "use with 'request_slowlog_timeout'",
                                n));
    }
    // Created at config time (mode 0600) so a bad path fails the config test.
    UniqueFd fd(::open(p.slowlog.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) {
      std::string message =
          located(at(p, "slowlog"), fmt::format("Unable to create or open slowlog({})", p.slowlog));
      log::sysError(log::Level::Error, "{}", message);
      return makeError(message);
    }
    if (p.request_terminate_timeout && p.request_slowlog_timeout > p.request_terminate_timeout) {
      return reject(at(p, "request_slowlog_timeout"), log::Level::Error,
                    fmt::format("[pool {}] 'request_slowlog_timeout' ({}) can't be greater than "
                                "'request_terminate_timeout' ({})",
                                n, p.request_slowlog_timeout, p.request_terminate_timeout));
    }
  }
  // fpmd's own; kept in milliseconds by the workers, so bounded to what that can hold.
  constexpr int kMaxReadTimeout = 24 * 3600;
  if (p.request_read_timeout < 0 || p.request_read_timeout > kMaxReadTimeout) {
    return reject(at(p, "request_read_timeout"), log::Level::Error,
                  fmt::format("[pool {}] 'request_read_timeout' ({}) must be between 0 and {} "
                              "seconds (1d)",
                              n, p.request_read_timeout, kMaxReadTimeout));
  }
  if (p.request_queue_timeout < 0 || p.request_queue_timeout > kMaxReadTimeout) {
    return reject(at(p, "request_queue_timeout"), log::Level::Error,
                  fmt::format("[pool {}] 'request_queue_timeout' ({}) must be between 0 and {} "
                              "seconds (1d)",
                              n, p.request_queue_timeout, kMaxReadTimeout));
  }
  // PHP-FPM stores "unset" as 0, so an explicit 0 means the default of 20.
  if (p.isSet("request_slowlog_trace_depth") && p.request_slowlog_trace_depth != 0) {
    if (p.slowlog.empty()) {
      return reject(at(p, "request_slowlog_trace_depth"), log::Level::Error,
                    fmt::format("[pool {}] 'slowlog' must be specified for "
                                "use with 'request_slowlog_trace_depth'",
                                n));
    }
    if (p.request_slowlog_trace_depth <= 0) {
      return reject(at(p, "request_slowlog_trace_depth"), log::Level::Error,
                    fmt::format("[pool {}] 'request_slowlog_trace_depth' ({}) must be a positive "
                                "value",
                                n, p.request_slowlog_trace_depth));
    }
  } else {
    p.request_slowlog_trace_depth = 20;
  }
  return {};
}

Status checkChrootChdir(PoolConfig& p, const LoadOptions& options) {
  const std::string& n = p.name;
  if (!p.chroot.empty()) {
    evaluatePath(p.chroot, &p, options, options.install_prefix, true);
    if (p.chroot[0] != '/') {
      return reject(at(p, "chroot"), log::Level::Error,
                    fmt::format("[pool {}] the chroot path '{}' must start "
                                "with a '/'",
                                n, p.chroot));
    }
    if (!isDir(p.chroot)) {
      return reject(at(p, "chroot"), log::Level::Error,
                    fmt::format("[pool {}] the chroot path '{}' does not "
                                "exist or is not a directory",
                                n, p.chroot));
    }
  }
  if (!p.chdir.empty()) {
    evaluatePath(p.chdir, &p, options, options.install_prefix, false);
    if (p.chdir[0] != '/') {
      return reject(at(p, "chdir"), log::Level::Error,
                    fmt::format("[pool {}] the chdir path '{}' must start "
                                "with a '/'",
                                n, p.chdir));
    }
    if (p.isSet("chroot")) {
      std::string inside = p.chroot + "/" + p.chdir;
      if (!isDir(inside)) {
        return reject(at(p, "chdir"), log::Level::Error,
                      fmt::format("[pool {}] the chdir path '{}' within the chroot path '{}' "
                                  "('{}') does not exist or is not a directory",
                                  n, p.chdir, p.chroot, inside));
      }
    } else if (!isDir(p.chdir)) {
      return reject(at(p, "chdir"), log::Level::Error,
                    fmt::format("[pool {}] the chdir path '{}' does not "
                                "exist or is not a directory",
                                n, p.chdir));
    }
  }
  return {};
}

// sockaddr_un::sun_path holds the path and its NUL.
constexpr size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

Result<net::ListenAddress> parseAddress(const PoolConfig& p, const std::string& key,
                                        const std::string& value, std::string_view what) {
  Result<net::ListenAddress> address = net::parseListenAddress(value);
  if (!address) {
    Status s = reject(at(p, key), log::Level::Error,
                      fmt::format("[pool {}] {}{}", p.name, what, address.error()));
    return makeError(s.error());
  }
  if (address->isUnix() && address->path.size() > kMaxUnixPath) {
    Status s = reject(at(p, key), log::Level::Error,
                      fmt::format("[pool {}] cannot bind to UNIX socket '{}' as path is too long "
                                  "(found length: {}, maximal length: {})",
                                  p.name, address->path, address->path.size(), kMaxUnixPath));
    return makeError(s.error());
  }
  return address;
}

// The listen values the master used to parse only when opening sockets: parsed here so a
// value start would refuse fails -t and a reload's validation as well.
Status typeListenValues(PoolConfig& p) {
  Result<net::ListenAddress> address = parseAddress(p, "listen", p.listen, "");
  if (!address) return makeError(address.error());
  p.listen_address = std::move(*address);
  // PHP-FPM's workers skip a piece that is not an address and say so on their stderr, where
  // only catch_workers_output shows it; the master says it once, at -t and start.
  std::vector<std::string> rejected;
  p.listen_allowed = net::AllowedClients::parse(p.listen_allowed_clients, &rejected);
  for (const std::string& item : rejected) {
    log::warning("{}[pool {}] Wrong IP address '{}' in listen.allowed_clients; ignored",
                 located(at(p, "listen.allowed_clients"), ""), p.name, item);
  }
  if (p.listen_allowed.allowsNone()) {
    log::warning(
        "{}[pool {}] There are no allowed addresses in listen.allowed_clients: every "
        "connection will be dropped",
        located(at(p, "listen.allowed_clients"), ""), p.name);
  }
  // PHP-FPM reads it with strtoul(value, NULL, 8) and no check; same value here.
  p.listen_mode_bits = static_cast<mode_t>(std::strtoul(p.listen_mode.c_str(), nullptr, 8));
  if (!p.pm_status_listen.empty()) {
    Result<net::ListenAddress> status =
        parseAddress(p, "pm.status_listen", p.pm_status_listen, "pm.status_listen: ");
    if (!status) return makeError(status.error());
    p.status_listen_address = std::move(*status);
  }
  return {};
}

// PHP-FPM checks access.format only for a pool that writes an access log.
Status typeAccessFormat(PoolConfig& p) {
  p.access_format_items.reset();
  if (p.access_log.empty()) return {};
  Result<log::AccessFormat> format = log::AccessFormat::parse(p.access_format);
  if (!format) {
    log::warning("{}", located(at(p, "access.format"), format.error()));
    return reject(
        at(p, "access.format"), log::Level::Error,
        fmt::format("[pool {}] wrong format for access.format '{}'", p.name, p.access_format));
  }
  p.access_format_items = std::move(*format);
  return {};
}

// fpm_log_open() in PHP-FPM's post-processing: the access log is created (0600) at config
// time, so -t and a reload's validation fail on a path the master could not open.
Status openAccessLogs(const Config& config) {
  for (const PoolConfig& p : config.pools) {
    if (p.access_log.empty()) continue;
    UniqueFd fd(::open(p.access_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) {
      int err = errno;
      return reject(at(p, "access.log"), log::Level::Error,
                    fmt::format("failed to open access log ({}): {} ({})", p.access_log,
                                std::strerror(err), err));
    }
  }
  return {};
}

void splitExtensions(PoolConfig& p) {
  p.security_limit_extensions.clear();
  const std::string& text = p.security_limit_extensions_text;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(" \t", pos);
    if (start == std::string::npos) break;
    size_t end = text.find_first_of(" \t", start);
    if (end == std::string::npos) end = text.size();
    p.security_limit_extensions.push_back(text.substr(start, end - start));
    pos = end;
  }
}

Status processPool(PoolConfig& p, const GlobalConfig& global, const LoadOptions& options) {
  const std::string& n = p.name;
  if (!p.prefix.empty()) {
    evaluatePath(p.prefix, nullptr, options, options.install_prefix, false);
    if (!isDir(p.prefix)) {
      return reject(at(p, "prefix"), log::Level::Error,
                    fmt::format("[pool {}] the prefix '{}' does not exist or "
                                "is not a directory",
                                n, p.prefix));
    }
  }
  if (!p.isSet("user") && options.running_as_root && !options.allow_root) {
    return reject(at(p, "user"), log::Level::Alert,
                  fmt::format("[pool {}] user has not been defined", n));
  }
  if (p.listen.empty()) {
    return reject(at(p, "listen"), log::Level::Alert,
                  fmt::format("[pool {}] no listen address have been defined!", n));
  }
  if (isUnixAddress(p.listen) && p.listen[0] != '/') {
    evaluatePath(p.listen, &p, options, options.install_prefix, false);
  }
  if (Status s = typeListenValues(p); !s) return s;
  if (p.process_priority && (*p.process_priority < -19 || *p.process_priority > 20)) {
    return reject(at(p, "process.priority"), log::Level::Error,
                  fmt::format("[pool {}] process.priority must be included into [-19,20]", n));
  }
  if (!p.isSet("pm")) {
    return reject(at(p, "pm"), log::Level::Alert,
                  fmt::format("[pool {}] the process manager is missing "
                              "(static, dynamic or ondemand)",
                              n));
  }
  if (p.pm_max_children_auto) {
    // The most the governor may choose; the spare-server checks below hold against it.
    p.pm_max_children = global.process_max > 0 ? global.process_max : kAutoMaxChildrenCap;
  }
  if (p.pm_max_children < 1) {
    return reject(at(p, "pm.max_children"), log::Level::Alert,
                  fmt::format("[pool {}] pm.max_children must be a positive value", n));
  }
  if (p.pm == PoolConfig::Pm::Dynamic) {
    if (Status s = checkDynamic(p); !s) return s;
  } else if (p.pm == PoolConfig::Pm::Ondemand) {
    if (Status s = checkOndemand(p, global); !s) return s;
  }
  // With pm.status_listen PHP-FPM serves status on a hidden "<pool>_status" pool, at "/"
  // unless a path is given; fpmd answers that socket from the master (master/status_server).
  if (!p.pm_status_listen.empty() && p.pm_status_path.empty()) p.pm_status_path = "/";
  if (!p.pm_status_path.empty()) {
    if (Status s = checkUriPath(p, "status", p.pm_status_path, !p.pm_status_listen.empty()); !s) {
      return s;
    }
  }
  if (!p.ping_path.empty()) {
    if (Status s = checkUriPath(p, "ping", p.ping_path, false); !s) return s;
    if (p.ping_response.empty()) {
      return reject(at(p, "ping.response"), log::Level::Error,
                    fmt::format("[pool {}] the ping response page '{}' is "
                                "not long enough",
                                n, p.ping_response));
    }
  }
  if (!p.access_log.empty()) evaluatePath(p.access_log, &p, options, options.install_prefix, false);
  if (Status s = typeAccessFormat(p); !s) return s;
  if (Status s = checkSlowlog(p, options); !s) return s;
  if (Status s = checkChrootChdir(p, options); !s) return s;
  splitExtensions(p);
  if (!p.isSet("chroot")) {
    for (IniValue& v : p.php_values) {
      if (isPathIniKey(v.name)) evaluatePath(v.value, &p, options, options.install_prefix, false);
    }
    for (IniValue& v : p.php_admin_values) {
      if (::strcasecmp(v.name.c_str(), "error_log") == 0 &&
          ::strcasecmp(v.value.c_str(), "syslog") == 0) {
        continue;
      }
      if (isPathIniKey(v.name)) evaluatePath(v.value, &p, options, options.install_prefix, false);
    }
  }
  return {};
}

}  // namespace

Status postProcess(Config& config, const LoadOptions& options) {
  GlobalConfig& g = config.global;
  if (!g.pid.empty()) evaluatePath(g.pid, nullptr, options, options.localstatedir, false);
  if (options.daemonize_override) g.daemonize = *options.daemonize_override;
  if (g.log_limit < 512) {
    return reject(at(g, "log_limit"), log::Level::Error, "log_limit must be greater than 512");
  }
  if (g.process_max < 0)
    return reject(at(g, "process_max"), log::Level::Error, "process_max can't be negative");
  if (g.process_priority && (*g.process_priority < -19 || *g.process_priority > 20)) {
    return reject(at(g, "process.priority"), log::Level::Error,
                  "process.priority must be included into [-19,20]");
  }
  if (!g.isSet("error_log")) g.error_log = "log/php-fpm.log";
  if (::strcasecmp(g.error_log.c_str(), "syslog") != 0) {
    evaluatePath(g.error_log, nullptr, options, options.localstatedir, false);
  }
  if (g.isSet("events.mechanism")) {
    static constexpr std::string_view kAvailable[] = {"epoll", "poll", "select"};
    bool known = false;
    for (std::string_view m : kAvailable) {
      known |= ::strcasecmp(std::string(m).c_str(), g.events_mechanism.c_str()) == 0;
    }
    if (!known) {
      return reject(at(g, "events.mechanism"), log::Level::Error,
                    fmt::format("event mechanism '{}' is not available on "
                                "this system",
                                g.events_mechanism));
    }
  }
  // PHP-FPM applies log_level and opens the error log here, before the pools are checked.
  if (options.on_global) {
    if (Status s = options.on_global(g); !s) return s;
  }
  if (config.pools.empty()) {
    // Nothing names a line here: point at the end of the main file, where a pool is missing.
    return reject(Location{config.path, config.main_file_lines}, log::Level::Error,
                  "No pool defined. at least one pool section must be "
                  "specified in config file");
  }
  for (PoolConfig& p : config.pools) {
    if (Status s = processPool(p, g, options); !s) return s;
  }
  // Compared as written (after prefixing), as PHP-FPM does: "127.0.0.1:9000" and
  // "localhost:9000" are different strings.
  for (const PoolConfig& a : config.pools) {
    for (const PoolConfig& b : config.pools) {
      if (&a != &b && a.listen == b.listen) {
        return reject(at(b, "listen"), log::Level::Error,
                      fmt::format("[pool {}] unable to set listen address as it's already used "
                                  "in another pool '{}'",
                                  b.name, a.name));
      }
    }
  }
  return openAccessLogs(config);
}

namespace {

// A user or group given by name or by number, as PHP-FPM takes them.
std::optional<uid_t> lookupUid(const std::string& name) {
  if (allDigits(name)) return static_cast<uid_t>(std::strtoul(name.c_str(), nullptr, 10));
  if (const passwd* pwd = ::getpwnam(name.c_str())) return pwd->pw_uid;
  return std::nullopt;
}

std::optional<gid_t> lookupGid(const std::string& name) {
  if (allDigits(name)) return static_cast<gid_t>(std::strtoul(name.c_str(), nullptr, 10));
  if (const group* grp = ::getgrnam(name.c_str())) return grp->gr_gid;
  return std::nullopt;
}

}  // namespace

namespace {

// Not root, a pool runs as whoever started fpmd: PHP-FPM says so for each directive that
// would need root (fpm_unix_init_main, fpm_unix_conf_wp), at start only (not with -t).
void noticeIgnoredWithoutRoot(const Config& config) {
  constexpr std::string_view kSuffix = "directive is ignored when FPM is not running as root";
  if (config.global.process_priority) log::notice("'process.priority' {}", kSuffix);
  for (const PoolConfig& p : config.pools) {
    if (!p.user.empty()) log::notice("[pool {}] 'user' {}", p.name, kSuffix);
    if (!p.group.empty()) log::notice("[pool {}] 'group' {}", p.name, kSuffix);
    if (!p.chroot.empty()) log::notice("[pool {}] 'chroot' {}", p.name, kSuffix);
    if (p.process_priority) log::notice("[pool {}] 'process.priority' {}", p.name, kSuffix);
  }
}

}  // namespace

Status resolveUsers(Config& config, const LoadOptions& options) {
  // At start PHP-FPM looks users and groups up only as root; -t looks them up either way
  // (fpm_unix_test_config), so a non-root -t fails on a name that does not exist.
  const bool must_resolve = options.running_as_root || options.test_only;
  if (!options.running_as_root && !options.test_only) noticeIgnoredWithoutRoot(config);
  for (PoolConfig& p : config.pools) {
    // listen.owner / listen.group (fpm_unix_resolve_socket_permissions). PHP-FPM logs
    // these as system errors, so a name that does not exist ends in ": Success (0)".
    auto sysReject = [&p](const std::string& key, const char* id, const char* kind,
                          const std::string& name) {
      int err = errno;
      return reject(at(p, key), log::Level::Error,
                    fmt::format("[pool {}] cannot get {} for {} '{}': {} ({})", p.name, id, kind,
                                name, std::strerror(err), err));
    };
    errno = 0;
    if (!p.listen_owner.empty() && !(p.listen_uid = lookupUid(p.listen_owner))) {
      return sysReject("listen.owner", "uid", "user", p.listen_owner);
    }
    errno = 0;
    if (!p.listen_group.empty() && !(p.listen_gid = lookupGid(p.listen_group))) {
      return sysReject("listen.group", "gid", "group", p.listen_group);
    }
    if (!p.user.empty()) {
      struct passwd* pwd;
      if (allDigits(p.user)) {
        p.uid = static_cast<uid_t>(std::strtoul(p.user.c_str(), nullptr, 10));
        p.has_user = true;
        pwd = ::getpwuid(p.uid);
        if (pwd) p.gid = pwd->pw_gid;
      } else if ((pwd = ::getpwnam(p.user.c_str())) != nullptr) {
        p.uid = pwd->pw_uid;
        p.gid = pwd->pw_gid;
        p.has_user = true;
      } else if (must_resolve) {
        return reject(at(p, "user"), log::Level::Error,
                      fmt::format("[pool {}] cannot get uid for user '{}'", p.name, p.user));
      }
    }
    if (!p.group.empty()) {
      if (std::optional<gid_t> gid = lookupGid(p.group)) {
        p.gid = *gid;
      } else if (must_resolve) {
        return reject(at(p, "group"), log::Level::Error,
                      fmt::format("[pool {}] cannot get gid for group '{}'", p.name, p.group));
      }
    }
    // Root may run a pool as root only with -R (fpm_unix_conf_wp; not checked by -t).
    if (options.running_as_root && !options.test_only && !options.allow_root && p.has_user &&
        (p.uid == 0 || p.gid == 0)) {
      return reject(at(p, "user"), log::Level::Error,
                    fmt::format("[pool {}] please specify user and group other than root", p.name));
    }
  }
  return {};
}

}  // namespace fpmd::config
