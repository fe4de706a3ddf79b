// fpmd::config::load() against the ERROR lines Debian's php-fpm8.2 printed for the same files.

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config.h"
#include "unit/log_capture.h"

namespace fpmd::config {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* config;
  std::vector<std::string> expected;
};

const Case kCases[] = {
#include "unit/config/fixtures/php_fpm_82_cases.inc"
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// fpmd names the file and line where php-fpm8.2 names none: "LEVEL: [file:N] " before a
// post-processing message, "in FILE on line N" for "in Unknown on line M" in PHP's syntax
// errors (config_checks_test.cc pins those down). The captured php-fpm lines stay as they
// were; a line that differs only by such an addition counts as equal.
std::vector<std::string> withoutAddedLocations(std::vector<std::string> actual,
                                               const std::vector<std::string>& expected) {
  static const std::regex prefix(R"(^([A-Z]+: )\[[^\]]+:\d+\] )");
  static const std::regex where(R"( in (Unknown|/\S+) on line \d+$)");
  for (size_t i = 0; i < actual.size() && i < expected.size(); ++i) {
    if (actual[i] == expected[i]) continue;
    std::string stripped = std::regex_replace(actual[i], prefix, "$1");
    if (stripped == expected[i]) {
      actual[i] = expected[i];
    } else if (std::regex_replace(actual[i], where, " in -") ==
               std::regex_replace(expected[i], where, " in -")) {
      actual[i] = expected[i];
    }
  }
  return actual;
}

class ConfigLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_config_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << replaceAll(text, "{dir}", dir_);
    return path;
  }

  LoadOptions options(const std::string& path) {
    LoadOptions o;
    o.path = path;
    o.running_as_root = true;
    o.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return o;
  }

  /// Log lines without their timestamps.
  std::vector<std::string> logged() { return log_.lines(); }

  std::string dir_;
  testing::LogCapture log_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigLoadTest, MatchesPhpFpm82Output) {
  int n = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.config);
    log_.clear();
    std::string path = write(fmt::format("case{}.conf", ++n), c.config);
    Result<Config> r = load(options(path));
    std::vector<std::string> expected;
    for (const std::string& e : c.expected) {
      expected.push_back(replaceAll(replaceAll(e, "{file}", path), "{dir}", dir_));
    }
    EXPECT_EQ(withoutAddedLocations(logged(), expected), expected);
    EXPECT_EQ(r.ok(), expected.empty() || expected.back().rfind("NOTICE", 0) == 0 ||
                          expected.back().rfind("WARNING", 0) == 0);
  }
}

// Each [section] is looked up among the pools so far: with a linear search, a file of N
// sections cost N² name comparisons (found by config_fuzz,
// fuzz/repro/config_fuzz-many-sections.conf). An absolute time bound failed under ASan
// on busy CPUs, so the test compares the load of 4N sections with that of N: about 4×
// when linear, 16× when quadratic. Each is the best of two loads, against noise.
TEST_F(ConfigLoadTest, ManySectionsTakeLinearTime) {
  auto bestLoad = [&](int sections) {
    std::string text = "[global]\n";
    for (int i = 0; i < sections; ++i) text += "[p" + std::to_string(i) + "]\n";
    std::string path = write("many" + std::to_string(sections) + ".conf", text);
    auto best = std::chrono::steady_clock::duration::max();
    for (int round = 0; round < 2; ++round) {
      const auto start = std::chrono::steady_clock::now();
      Result<Config> r = load(options(path));
      best = std::min(best, std::chrono::steady_clock::now() - start);
      EXPECT_FALSE(r.ok());  // no pool has a listen address
    }
    return std::chrono::duration<double>(best).count();
  };
  double small = bestLoad(5000);
  double large = bestLoad(20000);
  EXPECT_LT(large, 10 * small) << "5,000 sections: " << small << " s, 20,000: " << large << " s";
}

TEST_F(ConfigLoadTest, DebianConfigLoads) {
  // Read-only: /etc is never written; only the real files are parsed.
  if (!fs::exists("/etc/php/8.2/fpm/php-fpm.conf")) GTEST_SKIP() << "php8.2-fpm not installed";
  Result<Config> r = load(options("/etc/php/8.2/fpm/php-fpm.conf"));
  ASSERT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  EXPECT_EQ(logged(), std::vector<std::string>{});
  ASSERT_EQ(r->pools.size(), 1u);
  const PoolConfig& www = r->pools[0];
  EXPECT_EQ(www.name, "www");
  EXPECT_EQ(www.user, "www-data");
  EXPECT_TRUE(www.has_user);
  EXPECT_EQ(www.pm, PoolConfig::Pm::Dynamic);
  EXPECT_EQ(www.pm_max_children, 5);
  EXPECT_EQ(www.pm_start_servers, 2);
  EXPECT_EQ(r->global.pid, "/run/php/php8.2-fpm.pid");
  EXPECT_EQ(r->global.error_log, "/var/log/php8.2-fpm.log");
}

TEST_F(ConfigLoadTest, IncludeGlobAndPoolResume) {
  write("pool.d/a.conf", "[www]\nuser = nobody\nlisten = {dir}/a.sock\n");
  write("pool.d/b.conf", "[WWW]\npm = static\npm.max_children = 3\n");
  write("pool.d/dir.conf/ignored", "garbage\n");  // directories matched by the glob are skipped
  std::string main = write("main.conf", "[global]\ninclude = {dir}/pool.d/*.conf\n");
  Result<Config> r = load(options(main));
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->pools.size(), 1u);
  EXPECT_EQ(r->pools[0].pm_max_children, 3);
  EXPECT_EQ(r->pools[0].listen, dir_ + "/a.sock");
}

TEST_F(ConfigLoadTest, IncludeNothingMatchesWarnsAndRelativeUsesPrefix) {
  std::string main = write("main.conf",
                           "[global]\ninclude = none*.conf\n[www]\nuser = nobody\nlisten = 9000\n"
                           "pm = static\npm.max_children = 1\n");
  LoadOptions o = options(main);
  o.prefix = dir_;
  Result<Config> r = load(o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(logged(), std::vector<std::string>{fmt::format(
                          "WARNING: Nothing matches the include pattern '{}/none*.conf' from {} "
                          "at line 2.",
                          dir_, main)});
}

TEST_F(ConfigLoadTest, IncludeFromMissingDirectoryIsAnError) {
  // glob(GLOB_ERR) fails with GLOB_ABORTED on a missing directory; php-fpm8.2 says the same.
  std::string main = write("main.conf", "[global]\ninclude = none/*.conf\n");
  LoadOptions o = options(main);
  o.prefix = dir_;
  EXPECT_FALSE(load(o).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("ERROR: Unable to globalize '{}/none/*.conf' (ret=2) from "
                                      "{} at line 2.",
                                      dir_, main),
                          fmt::format("ERROR: failed to load configuration file '{}'", main)}));
}

TEST_F(ConfigLoadTest, IncludeRecursionLimitAndClobberedLineNumbers) {
  write("loop.conf", "include = {dir}/loop.conf\n");
  std::string main = write("main.conf", "[global]\n\ninclude = {dir}/loop.conf\n");
  EXPECT_FALSE(load(options(main)).ok());
  std::string loop = dir_ + "/loop.conf";
  std::vector<std::string> expected = {"ERROR: failed to include more than 5 files recursively"};
  for (int i = 0; i < 4; ++i) {
    expected.push_back(fmt::format("ERROR: Unable to include {} from {} at line 1", loop, loop));
  }
  // "line 1", not 3: PHP-FPM's line counter is shared with the nested files.
  expected.push_back(fmt::format("ERROR: Unable to include {} from {} at line 1", loop, main));
  expected.push_back(fmt::format("ERROR: failed to load configuration file '{}'", main));
  EXPECT_EQ(logged(), expected);
}

TEST_F(ConfigLoadTest, LineNumbersAfterAnIncludeContinueFromTheIncludedFile) {
  write("p.conf", "[www]\nuser=nobody\n");
  std::string main = write("main.conf", "[global]\ninclude={dir}/p.conf\nfoo=bar\n");
  EXPECT_FALSE(load(options(main)).ok());
  EXPECT_EQ(logged()[0], fmt::format("ERROR: [{}:4] unknown entry 'foo'", main));
}

TEST_F(ConfigLoadTest, PoolAndEnvExpansion) {
  env_["SOCKDIR"] = dir_;
  std::string main = write("main.conf",
                           "[global]\n[api]\nuser = nobody\nlisten = ${SOCKDIR}/$pool.sock\n"
                           "pm = static\npm.max_children = 2\nenv[POOL] = $pool-${NOPE}x\n"
                           "php_admin_value[error_log] = /var/log/$pool.log\n");
  Result<Config> r = load(options(main));
  ASSERT_TRUE(r.ok()) << r.error();
  const PoolConfig& p = r->pools[0];
  EXPECT_EQ(p.listen, dir_ + "/api.sock");
  ASSERT_EQ(p.env.size(), 1u);
  EXPECT_EQ(p.env[0].second, "api-x");
  EXPECT_EQ(p.php_admin_values[0].value, "/var/log/api.log");
}

TEST_F(ConfigLoadTest, BooleansUnitsArraysAndDefaults) {
  std::string main = write(
      "main.conf",
      "[global]\ndaemonize = off\nprocess_control_timeout = 2m\nemergency_restart_interval = 1h\n"
      "[www]\nuser = nobody\nlisten = 127.0.0.1:9000\npm = ondemand\npm.max_children = 4\n"
      "pm.process_idle_timeout = 1d\ncatch_workers_output = yes\nclear_env = NO\n"
      "process.dumpable = True\nrequest_terminate_timeout = 30s\n"
      "php_flag[display_errors] = on\nphp_admin_flag[log_errors] = none\n"
      "php_value[memory_limit] = 64M\nsecurity.limit_extensions = .php\t.php7  .html\n"
      "rlimit_core = unlimited\nrlimit_files = 4096\n");
  Result<Config> r = load(options(main));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->global.daemonize);
  EXPECT_EQ(r->global.process_control_timeout, 120);
  EXPECT_EQ(r->global.emergency_restart_interval, 3600);
  EXPECT_EQ(r->global.error_log, "/var/log/php-fpm.log");
  EXPECT_EQ(r->global.log_limit, 1024);
  const PoolConfig& p = r->pools[0];
  EXPECT_EQ(p.pm_process_idle_timeout, 86400);
  EXPECT_TRUE(p.catch_workers_output);
  EXPECT_FALSE(p.clear_env);
  EXPECT_TRUE(p.process_dumpable);
  EXPECT_EQ(p.request_terminate_timeout, 30);
  EXPECT_EQ(p.listen_backlog, -1);
  EXPECT_EQ(p.listen_mode, "0660");
  EXPECT_EQ(p.ping_response, "pong");
  EXPECT_EQ(p.pm_max_spawn_rate, 32);
  EXPECT_EQ(p.rlimit_core, -1);
  EXPECT_EQ(p.rlimit_files, 4096);
  ASSERT_EQ(p.php_values.size(), 2u);
  EXPECT_EQ(p.php_values[0].name, "display_errors");
  EXPECT_EQ(p.php_values[0].value, "1");
  EXPECT_EQ(p.php_values[1].value, "64M");
  EXPECT_EQ(p.php_admin_values[0].value, "0");
  EXPECT_EQ(p.security_limit_extensions, (std::vector<std::string>{".php", ".php7", ".html"}));
}

TEST_F(ConfigLoadTest, UserResolutionDefaultsGroupToPrimaryGroup) {
  std::string main = write("main.conf",
                           "[www]\nuser = nobody\nlisten = 9000\npm = static\n"
                           "pm.max_children = 1\n[two]\nuser = nobody\ngroup = 4242\n"
                           "listen = 9001\npm = static\npm.max_children = 1\n");
  Result<Config> r = load(options(main));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->pools[0].has_user);
  EXPECT_EQ(r->pools[0].uid, 65534u);
  EXPECT_EQ(r->pools[0].gid, 65534u);  // nobody's primary group (nogroup) on Debian
  EXPECT_EQ(r->pools[1].gid, 4242u);
}

TEST_F(ConfigLoadTest, NoUserIsFineWhenNotRootOrWithDashR) {
  std::string main = write("main.conf", "[www]\nlisten = 9000\npm = static\npm.max_children = 1\n");
  LoadOptions o = options(main);
  o.allow_root = true;
  EXPECT_TRUE(load(o).ok());
  o.allow_root = false;
  o.running_as_root = false;
  EXPECT_TRUE(load(o).ok());
}

TEST_F(ConfigLoadTest, NotActedOnDirectivesWarnOnce) {
  std::string main = write("main.conf",
                           "[global]\nevents.mechanism = epoll\n[www]\nuser = nobody\n"
                           "listen = 9000\npm = static\npm.max_children = 1\n"
                           "listen.acl_users = nobody\naccess.suppress_path[] = /ping\n");
  ASSERT_TRUE(load(options(main)).ok());
  // access.suppress_path is acted on now: only listen.acl_users warns.
  EXPECT_EQ(logged(),
            (std::vector<std::string>{
                "WARNING: [pool www] 'listen.acl_users' is not supported by fpmd yet; ignored"}));
}

TEST_F(ConfigLoadTest, PidOverrideAndDaemonizeOverride) {
  std::string main =
      write("main.conf", "[www]\nuser=nobody\nlisten = 9000\npm = static\npm.max_children = 1\n");
  LoadOptions o = options(main);
  o.pid_override = "run/x.pid";
  o.daemonize_override = false;
  Result<Config> r = load(o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->global.pid, "/var/run/x.pid");
  EXPECT_FALSE(r->global.daemonize);
}

TEST_F(ConfigLoadTest, MissingFileAndBadPrefix) {
  LoadOptions o = options(dir_ + "/missing.conf");
  EXPECT_FALSE(load(o).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("ERROR: failed to open configuration file '{}': No such "
                                      "file or directory (2)",
                                      o.path),
                          fmt::format("ERROR: failed to load configuration file '{}'", o.path)}));
  o.prefix = dir_ + "/nope";
  EXPECT_FALSE(load(o).ok());
  EXPECT_EQ(
      logged().back(),
      fmt::format("ERROR: the global prefix '{}' does not exist or is not a directory", o.prefix));
}

}  // namespace
}  // namespace fpmd::config
