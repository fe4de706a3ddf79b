#include "app/cli.h"

#include <fmt/format.h>

namespace fpmd::app {
namespace {

struct OptionSpec {
  char short_name;  // for fpmd's long-only options, a code no short option uses
  const char* long_name;
  bool takes_argument;
  bool long_only = false;
};

constexpr char kCheckSystem = 1;
constexpr char kJson = 2;

constexpr OptionSpec kOptions[] = {
    {'c', "php-ini", true},       {'n', "no-php-ini", false},
    {'d', "define", true},        {'e', "profile-info", false},
    {'h', "help", false},         {'i', "info", false},
    {'m', "modules", false},      {'v', "version", false},
    {'y', "fpm-config", true},    {'p', "prefix", true},
    {'g', "pid", true},           {'R', "allow-to-run-as-root", false},
    {'D', "daemonize", false},    {'F', "nodaemonize", false},
    {'O', "force-stderr", false}, {'t', "test", false},
    {'?', "usage", false},        {kCheckSystem, "check-system", false, true},
    {kJson, "json", false, true},
};

const OptionSpec* findShort(char c) {
  for (const auto& option : kOptions) {
    if (option.short_name == c && !option.long_only) return &option;
  }
  return nullptr;
}

const OptionSpec* findLong(const std::string& name) {
  for (const auto& option : kOptions) {
    if (name == option.long_name) return &option;
  }
  return nullptr;
}

void apply(CommandLine& cl, char option, const std::string& value) {
  switch (option) {
    case 'c':
      cl.php_ini = value;
      break;
    case 'n':
      cl.no_php_ini = true;
      break;
    case 'd':
      cl.defines.push_back(value);
      break;
    case 'e':
      cl.profile_info = true;
      break;
    case 'h':
      if (cl.action == CommandLine::Action::Run) cl.action = CommandLine::Action::Help;
      break;
    case '?':
      cl.action = CommandLine::Action::Usage;
      break;
    case 'i':
      cl.action = CommandLine::Action::Info;
      break;
    case 'm':
      cl.action = CommandLine::Action::Modules;
      break;
    case 'v':
      cl.action = CommandLine::Action::Version;
      break;
    case 'y':
      cl.fpm_config = value;
      break;
    case 'p':
      cl.prefix = value;
      break;
    case 'g':
      cl.pid_file = value;
      break;
    case 'R':
      cl.allow_root = true;
      break;
    case 'D':
      cl.daemonize = true;
      break;
    case 'F':
      cl.daemonize = false;
      break;
    case 'O':
      cl.force_stderr = true;
      break;
    case 't':
      cl.test_level++;
      if (cl.action == CommandLine::Action::Run) cl.action = CommandLine::Action::Test;
      break;
    case kCheckSystem:
      if (cl.action == CommandLine::Action::Run) cl.action = CommandLine::Action::CheckSystem;
      break;
    case kJson:
      cl.json = true;
      break;
    default:
      break;
  }
}

CommandLine usage(CommandLine cl, std::string error) {
  cl.action = CommandLine::Action::Usage;
  cl.error = std::move(error);
  return cl;
}

}  // namespace

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2);
      std::string value;
      bool has_value = false;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
      const OptionSpec* spec = findLong(name);
      if (spec == nullptr) return usage(cl, fmt::format("unknown option '{}'", arg));
      if (spec->takes_argument && !has_value) {
        if (i + 1 >= args.size()) return usage(cl, fmt::format("option '{}' needs a value", arg));
        value = args[++i];
      }
      apply(cl, spec->short_name, value);
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return usage(cl, fmt::format("unexpected argument '{}'", arg));
    }
    // Bundled short options: -tt, -FOR, -dfoo=bar.
    for (size_t j = 1; j < arg.size(); ++j) {
      const OptionSpec* spec = findShort(arg[j]);
      if (spec == nullptr) return usage(cl, fmt::format("unknown option '-{}'", arg[j]));
      if (!spec->takes_argument) {
        apply(cl, spec->short_name, {});
        continue;
      }
      std::string value = arg.substr(j + 1);
      if (value.empty()) {
        if (i + 1 >= args.size())
          return usage(cl, fmt::format("option '-{}' needs a value", arg[j]));
        value = args[++i];
      }
      apply(cl, spec->short_name, value);
      break;
    }
  }
  if (cl.json && cl.action == CommandLine::Action::Run) {
    return usage(cl, "option '--json' needs '--check-system'");
  }
  return cl;
}

std::string usageText(const std::string& program) {
  return fmt::format(
      "Usage: {0} [-n] [-e] [-h] [-i] [-m] [-v] [-t] [-p <prefix>] [-g <pid>] [-c <file>] [-d "
      "foo[=bar]] [-y <file>] [-D] [-F [-O]]\n"
      "  -c <path>|<file> Look for php.ini file in this directory\n"
      "  -n               No php.ini file will be used\n"
      "  -d foo[=bar]     Define INI entry foo with value 'bar'\n"
      "  -e               Generate extended information for debugger/profiler\n"
      "  -h               This help\n"
      "  -i               PHP information\n"
      "  -m               Show compiled in modules\n"
      "  -v               Version number\n"
      "  -p, --prefix <dir>\n"
      "                   Specify alternative prefix path to FastCGI process manager (default: "
      "/usr).\n"
      "  -g, --pid <file>\n"
      "                   Specify the PID file location.\n"
      "  -y, --fpm-config <file>\n"
      "                   Specify alternative path to FastCGI process manager config file.\n"
      "  -t, --test       Test FPM configuration and exit\n"
      "  -D, --daemonize  force to run in background, and ignore daemonize option from config "
      "file\n"
      "  -F, --nodaemonize\n"
      "                   force to stay in foreground, and ignore daemonize option from config "
      "file\n"
      "  -O, --force-stderr\n"
      "                   force output to stderr in nodaemonize even if stderr is not a TTY\n"
      "  -R, --allow-to-run-as-root\n"
      "                   Allow pool to run as root (disabled by default)\n"
      "  --check-system [--json]\n"
      "                   Audit the kernel, limits and memory against the config and exit:\n"
      "                   OK/WARN/FAIL with the fix; exit 0 all OK, 1 WARN, 2 FAIL\n"
      "\n"
      "Commands:\n"
      "  status, top      Watch a pool's status page live, or print it as JSON\n"
      "                   ('{0} status --help')\n",
      program);
}

std::string defaultConfigPath(const std::string& prefix) {
  if (!prefix.empty()) return prefix + "/etc/php-fpm.conf";
  return "/etc/php/8.2/fpm/php-fpm.conf";
}

}  // namespace fpmd::app
