#pragma once

// PHP-FPM's command line (fpm_main.c's OPTIONS table), parsed without side effects, and
// fpmd's own long options (--check-system [--json]).

#include <optional>
#include <string>
#include <vector>

namespace fpmd::app {

struct CommandLine {
  enum class Action { Run, Help, Usage, Version, Modules, Info, Test, CheckSystem };
  Action action = Action::Run;
  int test_level = 0;                // -t: 1, -tt: 2
  std::string php_ini;               // -c
  bool no_php_ini = false;           // -n
  std::vector<std::string> defines;  // -d
  bool profile_info = false;         // -e
  std::string fpm_config;            // -y
  std::string prefix;                // -p
  std::string pid_file;              // -g
  bool allow_root = false;           // -R
  std::optional<bool> daemonize;     // -D true, -F false
  bool force_stderr = false;         // -O
  bool json = false;                 // --json (with --check-system)
  std::string error;                 // why parsing failed (Action::Usage)
};

/// Parses argv. Unknown options and extra arguments give Action::Usage (exit 64).
CommandLine parseCommandLine(const std::vector<std::string>& args);

/// The usage text, PHP-FPM's wording with our program name.
std::string usageText(const std::string& program);

/// -y's default: <prefix>/etc/php-fpm.conf with -p, else Debian's php-fpm8.2 file.
std::string defaultConfigPath(const std::string& prefix);

}  // namespace fpmd::app
