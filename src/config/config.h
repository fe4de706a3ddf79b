#pragma once

// The configuration model (php-fpm.conf: [global] plus one section per pool), its loader
// and the -tt dump. Defaults, key names, validation and messages are PHP-FPM 8.2's
// (sapi/fpm/fpm/fpm_conf.c), checked against Debian's php-fpm8.2 -t/-tt.
//
// load() runs in the master before anything else starts; the result is a plain value the
// master owns and hands to workers by copy (fork). Nothing here keeps global state.

#include <sys/types.h>
#include <syslog.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "log/access_format.h"
#include "log/log.h"
#include "net/allowed_clients.h"
#include "net/listen_address.h"

namespace fpmd::config {

/// Where a directive was set, for messages ("[/etc/php/fpm/pool.d/www.conf:12]").
struct Location {
  std::string file;
  int line = 0;
};

struct IniValue {
  std::string name;
  std::string value;
};

struct PoolConfig {
  std::string name;
  std::string prefix;  // made absolute by load()
  std::string user, group;
  uid_t uid = 0;  // resolved from user; valid when has_user
  gid_t gid = 0;  // from group, else the user's primary group
  bool has_user = false;
  std::string listen;       // a relative unix socket path is made absolute by load()
  int listen_backlog = -1;  // -1: the kernel's somaxconn (PHP 8.2 on Linux)
  std::string listen_acl_users, listen_acl_groups;
  std::string listen_owner, listen_group;
  std::optional<uid_t> listen_uid;  // resolved from listen.owner by load()
  std::optional<gid_t> listen_gid;  // resolved from listen.group by load()
  std::string listen_mode = "0660";
  std::string listen_allowed_clients;
  int listen_setfib = -1;
  std::optional<int> process_priority;
  bool process_dumpable = false;
  enum class Pm { Static, Dynamic, Ondemand } pm = Pm::Static;
  int pm_max_children = 0;
  int pm_start_servers = 0;  // dynamic: defaulted by load() with PHP-FPM's NOTICE
  int pm_min_spare_servers = 0;
  int pm_max_spare_servers = 0;
  int pm_max_spawn_rate = 32;
  int pm_process_idle_timeout = 10;  // seconds
  int pm_max_requests = 0;
  /// fpmd's pm.max_requests_jitter: each worker lifetime gets a limit up to this many
  /// requests below pm.max_requests, so a pool does not recycle all at once. -1 (unset):
  /// a tenth of pm.max_requests.
  int pm_max_requests_jitter = -1;
  /// fpmd's `pm.max_children = auto`: pm_max_children is then the most the governor may
  /// choose (process.max, or kAutoMaxChildrenCap), and the number in effect is computed
  /// from the memory the pool may use over the measured size of a busy worker.
  bool pm_max_children_auto = false;
  /// fpmd's pm.max_memory (bytes, 0: none): a worker whose RSS is above it after a
  /// request is replaced before it takes another (php-src issue 17661's name).
  uint64_t pm_max_memory = 0;
  /// fpmd's pm.max_pool_memory (bytes, 0: none): the pool's budget, the sum of its
  /// workers' PSS. No worker is started past it; over it, idle workers go first.
  uint64_t pm_max_pool_memory = 0;
  std::string pm_status_path, pm_status_listen, ping_path;
  /// fpmd's pm.status_fpmd_fields: the text, HTML and XML status pages show fpmd's own
  /// fields (latency, memory) without `&fpmd` in the query. Off: php8.2-fpm's page exactly.
  bool pm_status_fpmd_fields = false;
  std::string ping_response = "pong";
  std::string access_log;
  std::string access_format = "%R - %u %t \"%m %r\" %s";
  std::vector<std::string> access_suppress_path;
  std::string slowlog;
  int request_slowlog_timeout = 0;  // seconds
  int request_slowlog_trace_depth = 20;
  int request_terminate_timeout = 0;  // seconds
  bool request_terminate_timeout_track_finished = false;
  /// fpmd's request_read_timeout: a connection whose request has not arrived whole (from
  /// the accept, or from its first byte on a kept connection, to the end of its params)
  /// within this many seconds is closed, so slow or stalled clients cannot hold workers.
  /// 0: no limit (PHP-FPM's behaviour).
  int request_read_timeout = 10;
  /// fpmd's request_queue_timeout (FrankenPHP's max_wait_time): a request that has waited
  /// this many seconds for a free worker is answered 503 with Retry-After instead of
  /// waiting longer. While it is set the master takes the pool's connections itself and
  /// hands them to workers as they become free, in arrival order. 0: no limit (PHP-FPM's
  /// behaviour: requests wait in the listen backlog for as long as it takes).
  int request_queue_timeout = 0;
  std::optional<int> rlimit_files;
  std::optional<long> rlimit_core;  // -1 = unlimited
  std::string chroot, chdir;
  bool catch_workers_output = false;
  bool decorate_workers_output = true;
  bool clear_env = true;
  /// As written (the -tt dump prints it so); `security_limit_extensions` is its split form,
  /// empty = every extension allowed.
  std::string security_limit_extensions_text = ".php .phar";
  std::vector<std::string> security_limit_extensions{".php", ".phar"};
  std::string apparmor_hat;
  /// env[NAME] = value, in config order. A value "$VAR" means: copy VAR from the master's
  /// environment when the worker starts.
  std::vector<std::pair<std::string, std::string>> env;
  /// php_value[] and php_flag[] (flags as "1"/"0"), in config order. Note PHP-FPM keeps
  /// these lists newest-first and applies them in that order, so for a key set twice the
  /// FIRST occurrence ends up in effect; the -tt dump shows them newest-first.
  std::vector<IniValue> php_values;
  /// php_admin_value[] and php_admin_flag[], same conventions.
  std::vector<IniValue> php_admin_values;
  /// Every directive set in the file, by PHP-FPM key (e.g. "listen.mode"), with where.
  std::map<std::string, Location> origins;
  /// Where the pool's section header first appeared.
  Location section;

  // Typed forms of the values above, filled and checked by load(), so that whatever start
  // would refuse is refused by -t and by a reload's validation too.
  net::ListenAddress listen_address;                        // from listen
  net::AllowedClients listen_allowed;                       // from listen.allowed_clients
  mode_t listen_mode_bits = 0660;                           // from listen.mode (octal)
  std::optional<net::ListenAddress> status_listen_address;  // from pm.status_listen
  /// From access.format; set when access.log is (PHP-FPM checks the format only then).
  std::optional<log::AccessFormat> access_format_items;

  bool isSet(const std::string& key) const { return origins.count(key) != 0; }
};

struct GlobalConfig {
  std::string pid;        // made absolute by load(); empty = no pid file
  std::string error_log;  // absolute path, or "syslog"
  std::string syslog_ident = "php-fpm";
  int syslog_facility = LOG_DAEMON;
  bool log_buffering = true;
  log::Level log_level = log::Level::Notice;
  int log_limit = 1024;
  int emergency_restart_threshold = 0;
  int emergency_restart_interval = 0;  // seconds
  int process_control_timeout = 0;     // seconds
  int process_max = 0;
  std::optional<int> process_priority;
  bool daemonize = true;
  std::optional<int> rlimit_files;
  std::optional<long> rlimit_core;  // -1 = unlimited
  /// fpmd always uses epoll; "epoll" is accepted silently, other valid names warn.
  std::string events_mechanism;
  int systemd_interval = 10;  // seconds; 0 disables
  /// fpmd's memory_reserve: memory the host guard keeps free for everything else (the
  /// database of the seeds' 1 GB server). Unset: kDefaultReservePercent of the cgroup or
  /// host memory, at least kMinimumReserve; "0" turns the guard off.
  struct MemoryReserve {
    uint64_t bytes = 0;  // "300M"
    double percent = 0;  // "15%", when bytes is 0
  };
  std::optional<MemoryReserve> memory_reserve;
  std::map<std::string, Location> origins;

  bool isSet(const std::string& key) const { return origins.count(key) != 0; }
};

/// `pm.max_children = auto` without process.max chooses at most this many.
inline constexpr int kAutoMaxChildrenCap = 256;

struct Config {
  std::string path;         // the main file, as given
  int main_file_lines = 1;  // for messages about the file as a whole ("No pool defined")
  GlobalConfig global;
  std::vector<PoolConfig> pools;
};

struct LoadOptions {
  std::string path;                        // -y (already defaulted by the caller)
  std::string prefix;                      // -p, may be empty
  std::string pid_override;                // -g
  bool allow_root = false;                 // -R
  bool running_as_root = false;            // geteuid() == 0, injected so tests can choose
  std::optional<bool> daemonize_override;  // -D / -F
  bool test_only = false;                  // -t: PHP-FPM's test checks, not its start-up ones
  /// Called once the [global] section is checked and before the pools are: the caller
  /// applies log_level and opens error_log there, so that the pools' messages are filtered
  /// and logged as PHP-FPM does from its first line. A failure stops the load.
  std::function<Status(const GlobalConfig&)> on_global;
  /// Where relative pid/error_log go without -p (Debian's PHP_LOCALSTATEDIR).
  std::string localstatedir = "/var";
  /// Where relative include/prefix/chroot/chdir/listen go without -p (PHP_PREFIX).
  std::string install_prefix = "/usr";
  /// ${NAME} in values; defaults to getenv().
  std::function<std::optional<std::string>(const std::string&)> env;
  /// Bare identifiers in values (PHP constants); defaults to the E_* constants. The app may
  /// chain in libphp's constant table.
  std::function<std::optional<std::string>(const std::string&)> constant;
};

/// Loads, expands and validates. On failure it has logged PHP-FPM's lines, e.g.
///   ERROR: [/path/file.conf:12] unknown entry 'foo'
///   ERROR: failed to load configuration file '/path/file.conf'
/// and returns an error whose text is the first of them. The caller prints
/// "FPM initialization failed".
Result<Config> load(const LoadOptions& options);

/// The -tt dump: the lines PHP-FPM logs at NOTICE ("[global]", "\tpid = ...", " ", "[www]",
/// ...), same keys, order and value formatting as php-fpm8.2 -tt.
std::vector<std::string> dumpLines(const Config& config);

}  // namespace fpmd::config
