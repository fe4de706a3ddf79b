#include "config/config.h"

#include <strings.h>
#include <sys/stat.h>

#include "config/directives.h"
#include "config/loader.h"
#include "config/validate.h"

namespace fpmd::config {
namespace {

template <typename C>
void warnUnsupported(const C& config, std::span<const Directive<C>> table,
                     const std::string& context) {
  for (const Directive<C>& d : table) {
    if (!d.acted_on && config.isSet(std::string(d.key))) {
      log::warning("{}'{}' is not supported by fpmd yet; ignored", context, d.key);
    }
  }
}

// The directives fpmd accepts but does not act on yet, one WARNING each where they are set.
void warnUnsupported(const Config& config) {
  const GlobalConfig& g = config.global;
  warnUnsupported(g, globalDirectives(), "");
  // fpmd always uses epoll, so asking for it is fine; poll/select are not honoured.
  if (!g.events_mechanism.empty() && ::strcasecmp(g.events_mechanism.c_str(), "epoll") != 0) {
    log::warning(
        "'events.mechanism' = '{}' is not supported by fpmd (it always uses epoll); "
        "ignored",
        g.events_mechanism);
  }
  for (const PoolConfig& p : config.pools) {
    std::string context = fmt::format("[pool {}] ", p.name);
    warnUnsupported(p, poolDirectives(), context);
  }
}

}  // namespace

Result<Config> load(const LoadOptions& options) {
  if (!options.prefix.empty()) {
    struct stat sb;
    if (::stat(options.prefix.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      std::string message = fmt::format(
          "the global prefix '{}' does not exist or is not a "
          "directory",
          options.prefix);
      log::error("{}", message);
      return makeError(message);
    }
  }
  Config config;
  config.path = options.path;
  // -g is the starting value; a pid= in the file still replaces it, as in PHP-FPM.
  config.global.pid = options.pid_override;

  Loader loader(config, options);
  if (Status s = loader.loadFile(options.path); !s) {
    log::error("failed to load configuration file '{}'", options.path);
    return makeError(s.error());
  }
  if (Status s = postProcess(config, options); !s) {
    log::error("failed to post process the configuration");
    return makeError(s.error());
  }
  if (Status s = resolveUsers(config, options); !s) return makeError(s.error());
  warnUnsupported(config);
  return config;
}

}  // namespace fpmd::config
