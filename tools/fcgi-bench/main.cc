// fcgi-bench: a load generator speaking FastCGI to a unix or TCP socket (see --help).

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "load.h"
#include "options.h"
#include "report.h"

int main(int argc, char** argv) {
  using namespace fpmd::bench;
  std::string error;
  auto options = parseArgs(std::vector<std::string>(argv, argv + argc), error);
  if (!options) {
    if (error.empty()) {
      std::fputs(kUsage, stdout);
      return argc > 1 ? 0 : 1;
    }
    std::fprintf(stderr, "fcgi-bench: %s\n%s", error.c_str(), kUsage);
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  Stats stats;
  if (!runLoad(*options, stats, error)) {
    std::fprintf(stderr, "fcgi-bench: %s\n", error.c_str());
    return 1;
  }
  if (options->json) {
    printJson(stdout, *options, stats);
  } else {
    printText(stdout, *options, stats);
  }
  return stats.errorTotal() == 0 ? 0 : 2;
}
