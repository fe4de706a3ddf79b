// fpmd: a FastCGI process manager for PHP, command-line compatible with php-fpm.

#include <syslog.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/daemon.h"
#include "audit/check_system.h"
#include "audit/readings.h"
#include "audit/render.h"
#include "config/config.h"
#include "log/log.h"
#include "master/master.h"
#include "os/clock.h"
#include "os/process_title.h"
#include "php/engine.h"
#include "top/client.h"

namespace {

using fpmd::app::CommandLine;

constexpr int kExitUsage = 64;
constexpr int kExitConfig = 78;

std::string programName(const std::string& argv0) {
  size_t slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

/// Reload re-executes argv[0]: make it a path that still works after a chdir.
std::string resolvedSelf(const std::string& argv0) {
  if (argv0.find('/') == std::string::npos) return argv0;  // execvp searches PATH
  char resolved[PATH_MAX];
  if (::realpath(argv0.c_str(), resolved) != nullptr) return resolved;
  return argv0;
}

/// Logs go to the error_log unless fpmd stays in the foreground on a terminal (or -O); until
/// the master is launched, lines at NOTICE and above go to stderr as well (log::setLaunched).
/// As in PHP-FPM, the file is opened (created) in every case, -t included, and a file that
/// cannot be opened stops the start.
fpmd::Status configureLogging(const fpmd::config::GlobalConfig& global, bool foreground,
                              bool force_stderr) {
  fpmd::log::setLevel(global.log_level);
  fpmd::log::setLimit(static_cast<size_t>(global.log_limit));
  if (global.error_log.empty()) return {};
  if (global.error_log == "syslog") {
    if (foreground && (force_stderr || ::isatty(2))) return {};
    fpmd::log::openSyslog(global.syslog_ident, global.syslog_facility);
    fpmd::log::setTarget({fpmd::log::Target::Kind::Syslog, 2});
    return {};
  }
  bool to_stderr = foreground && (force_stderr || ::isatty(2));
  bool opened =
      to_stderr ? fpmd::log::createFile(global.error_log) : fpmd::log::openFile(global.error_log);
  if (!opened) {
    std::string message = fmt::format("failed to open error_log ({})", global.error_log);
    fpmd::log::sysError(fpmd::log::Level::Error, "{}", message);
    return fpmd::makeError(message);
  }
  return {};
}

fpmd::php::EngineOptions engineOptions(const CommandLine& cl) {
  fpmd::php::EngineOptions options;
  options.ini_path = cl.php_ini;
  options.no_ini = cl.no_php_ini;
  options.defines = cl.defines;
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  fpmd::os::initProcessTitle(argc, argv);
  const std::string program = programName(args[0]);
  if (fpmd::top::isStatusCommand(args)) return fpmd::top::runStatusCommand(args, program);
  CommandLine cl = fpmd::app::parseCommandLine(args);

  switch (cl.action) {
    case CommandLine::Action::Usage:
      std::fputs(fpmd::app::usageText(program).c_str(), stdout);
      return kExitUsage;
    case CommandLine::Action::Help:
      std::fputs(fpmd::app::usageText(program).c_str(), stdout);
      return 0;
    case CommandLine::Action::Version:
      if (!fpmd::php::startup(engineOptions(cl))) return 1;
      std::fputs(fpmd::php::versionText().c_str(), stdout);
      return 0;
    case CommandLine::Action::Modules:
      return fpmd::php::printModules(engineOptions(cl));
    case CommandLine::Action::Info:
      return fpmd::php::printInfo(engineOptions(cl));
    case CommandLine::Action::Run:
    case CommandLine::Action::Test:
    case CommandLine::Action::CheckSystem:
      break;
  }

  fpmd::config::LoadOptions load;
  load.path = cl.fpm_config.empty() ? fpmd::app::defaultConfigPath(cl.prefix) : cl.fpm_config;
  load.prefix = cl.prefix;
  load.pid_override = cl.pid_file;
  load.allow_root = cl.allow_root;
  load.running_as_root = ::geteuid() == 0;
  load.daemonize_override = cl.daemonize;
  load.test_only = cl.action == CommandLine::Action::Test;
  if (cl.action != CommandLine::Action::CheckSystem) {
    load.on_global = [&cl](const fpmd::config::GlobalConfig& global) {
      return configureLogging(global, !global.daemonize, cl.force_stderr);
    };
  }

  fpmd::Result<fpmd::config::Config> config = fpmd::config::load(load);
  if (!config) {
    fpmd::log::error("FPM initialization failed");
    return kExitConfig;
  }
  if (cl.action == CommandLine::Action::Test) {
    if (cl.test_level > 1) {
      for (const std::string& line : fpmd::config::dumpLines(*config)) {
        fpmd::log::notice("{}", line);
      }
    }
    fpmd::log::notice("configuration file {} test is successful\n", load.path);
    return 0;
  }
  if (cl.action == CommandLine::Action::CheckSystem) {
    std::vector<fpmd::audit::Check> checks =
        fpmd::audit::checkSystem(*config, fpmd::audit::readThisHost());
    std::string report = cl.json ? fpmd::audit::renderJson(checks, load.path)
                                 : fpmd::audit::renderText(checks, load.path);
    std::fputs(report.c_str(), stdout);
    return fpmd::audit::exitCode(checks);
  }

  bool daemon = config->global.daemonize;
  int ready_fd = daemon ? fpmd::app::daemonize() : -1;

  if (!fpmd::php::startup(engineOptions(cl))) {
    fpmd::log::error("FPM initialization failed");
    if (ready_fd >= 0) {
      ssize_t ignored = ::write(ready_fd, "0", 1);
      (void)ignored;
    }
    return kExitConfig;
  }

  fpmd::master::MasterOptions options;
  options.load = load;
  options.argv = args;
  options.argv[0] = resolvedSelf(args[0]);
  options.running_as_root = load.running_as_root;
  options.ready_fd = ready_fd;
  const fpmd::os::MonotonicClock clock;
  fpmd::master::Master master(std::move(*config), std::move(options), clock);
  int code = master.run();
  fpmd::php::shutdown();
  return code;
}
