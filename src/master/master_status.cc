// pm.status_listen: the master opens the socket and answers status and ping on it from the
// scoreboards, and samples what the status pages show about memory.

#include <fcntl.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "common/fd_flags.h"
#include "log/log.h"
#include "master/master.h"
#include "net/listener.h"
#include "os/clock.h"
#include "os/process_memory.h"
#include "status/from_scoreboard.h"
#include "status/page.h"
#include "status/routing.h"
#include "worker/php_answer_defaults.h"

namespace fpmd::master {
namespace {

// Enough to keep the tick short with hundreds of workers: the rest wait for later ticks.
constexpr size_t kMemorySamplesPerTick = 32;

}  // namespace

Status Master::openStatusListeners(net::InheritedSockets& inherited) {
  for (auto& pool : pools_) {
    const config::PoolConfig& config = pool->config;
    // Parsed and checked by config::load().
    if (!config.status_listen_address) continue;
    const net::ListenAddress* address = &*config.status_listen_address;
    // As PHP-FPM's hidden status pool, the socket takes the pool's listen.* settings.
    net::ListenOptions listen_options;
    listen_options.backlog = config.listen_backlog;
    listen_options.mode = config.listen_mode_bits;
    listen_options.owner = config.listen_uid;
    listen_options.group = config.listen_gid;
    UniqueFd listener = inherited.take(address->key());
    if (!listener) {
      auto opened = net::openListener(*address, listen_options);
      if (!opened) return makeError(fmt::format("[pool {}] {}", config.name, opened.error()));
      listener = std::move(*opened);
    } else if (address->isUnix()) {
      Status applied = net::applyUnixPermissions(address->path, listen_options);
      if (!applied) return makeError(applied.error());
    }
    if (!setNonBlocking(listener.get())) {
      return makeError(
          fmt::format("[pool {}] fcntl(O_NONBLOCK) failed: {}", config.name, std::strerror(errno)));
    }
    const Pool* served = pool.get();
    auto server = std::make_unique<status::StatusServer>(
        loop_, std::move(listener), pool->allowed,
        [this, served](const cgi::Params& params) { return answerStatusRequest(*served, params); },
        fmt::format("[pool {}] ", config.name));
    status_endpoints_.push_back(StatusEndpoint{address->key(), std::move(server)});
  }
  return {};
}

std::string Master::answerStatusRequest(const Pool& pool, const cgi::Params& params) const {
  const config::PoolConfig& config = pool.config;
  status::PageRoutes routes{config.ping_path, config.ping_response, config.pm_status_path,
                            config.pm_status_fpmd_fields};
  status::StatusReaders readers;
  readers.pool = [this, &pool] {
    return std::optional(
        status::makePoolStatus(pool.scoreboard->snapshot(), clock_.nowMicros(), os::wallMicros()));
  };
  readers.all_pools = [this] {
    int64_t now = clock_.nowMicros();
    int64_t wall_now = os::wallMicros();
    std::vector<status::PoolStatus> all;
    for (const auto& each : pools_) {
      all.push_back(status::makePoolStatus(each->scoreboard->snapshot(), now, wall_now));
    }
    return all;
  };
  std::optional<status::HttpAnswer> answer = status::answerBuiltinPage(
      routes, params, status::answerOptionsFor(params, worker::phpAnswerDefaults()), readers);
  if (answer) return status::toCgiResponse(*answer);
  // PHP-FPM's hidden status pool would run the script; this socket only has the pages.
  status::HttpAnswer missing;
  missing.status = 404;
  missing.headers.emplace_back("Content-type", "text/plain;charset=UTF-8");
  missing.body = fmt::format("No status page at {} (pm.status_path is {}).\n",
                             params.get("SCRIPT_NAME"), config.pm_status_path);
  return status::toCgiResponse(missing);
}

void Master::sampleWorkerMemory() {
  std::vector<std::pair<Pool*, Child*>> children;
  for (auto& pool : pools_) {
    for (auto& [pid, child] : pool->children) children.emplace_back(pool.get(), child.get());
  }
  if (children.empty()) return;
  size_t count = std::min(children.size(), kMemorySamplesPerTick);
  for (size_t i = 0; i < count; ++i) {
    auto [pool, child] = children[(memory_cursor_ + i) % children.size()];
    if (auto memory = os::readProcessMemory(child->pid)) {
      pool->scoreboard->setMemory(child->slot, memory->rss, memory->pss);
    }
  }
  memory_cursor_ = (memory_cursor_ + count) % children.size();
}

}  // namespace fpmd::master
