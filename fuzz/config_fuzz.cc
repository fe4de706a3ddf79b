// libFuzzer target: arbitrary bytes as a php-fpm.conf. Runs the INI line parser and the
// directive tables (include= is not followed, so the fuzzer never reads other files; the
// validation step is left out because it stats paths and creates slowlog files).

#include <fcntl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int null_fd = [] {
    int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    fpmd::log::setTarget({fpmd::log::Target::Kind::File, fd});
    fpmd::log::setLaunched(true);
    return fd;
  }();
  (void)null_fd;

  std::string_view text(reinterpret_cast<const char*>(data), size);
  fpmd::config::Config config;
  fpmd::config::LoadOptions options;
  options.path = "fuzz.conf";
  fpmd::config::Loader loader(config, options, /*follow_includes=*/false);
  (void)loader.loadText(text, options.path);
  (void)fpmd::config::dumpLines(config);
  return 0;
}
