// libFuzzer target: arbitrary bytes as a php-fpm.conf (run with -max_len=1048576 and
// -dict=fuzz/config_fuzz.dict, as scripts/fuzz.sh does). Runs the INI line parser, the
// directive tables and the -tt dump.
//
// Nothing outside the process is touched: the text is loaded from memory, include= is not
// followed (a pattern such as /dev/zero or /proc/*/fd/* would read without end or reach
// files of the host, so no temp dir could confine it), ${NAME} comes from a fixed table
// instead of the environment (a crash must reproduce on another machine), and the
// validation step is left out because it stats paths and creates slowlog files.

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/loader.h"
#include "log/log.h"

namespace {

std::optional<std::string> fakeEnv(const std::string& name) {
  if (name == "HOME") return "/home/fuzz";
  if (name == "FUZZ_VAR") return "a ${b} [c] $pool ; d = (e | f)";
  if (name == "EMPTY") return "";
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Loader errors are the common case for random text: send the log to /dev/null.
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  fpmd::log::setTarget({fpmd::log::Target::Kind::File, fd});
  fpmd::log::setLaunched(true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fpmd::config::Config config;
  fpmd::config::LoadOptions options;
  options.path = "fuzz.conf";
  options.env = fakeEnv;
  fpmd::config::Loader loader(config, options, /*follow_includes=*/false);
  (void)loader.loadText(text, options.path);
  (void)fpmd::config::dumpLines(config);
  return 0;
}
