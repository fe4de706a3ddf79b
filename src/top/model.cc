#include "top/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "status/field_names.h"

namespace fpmd::top {
namespace {

// Ordered: --json passes the server's pool objects on with their keys in its order.
using Json = nlohmann::ordered_json;

/// A number as the status page sends it; a numeric string is accepted too, so that a
/// proxy that stringifies values does not blank the view.
std::optional<double> numberOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  return std::nullopt;
}

std::optional<int64_t> optionalInt(const Json& object, const char* key) {
  std::optional<double> value = numberOf(object, key);
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return static_cast<int64_t>(*value);
}

int64_t intOf(const Json& object, const char* key) {
  return optionalInt(object, key).value_or(0);
}

/// A flag as fpmd's page sends it (0 or 1); a JSON boolean is accepted too.
bool flagOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it != object.end() && it->is_boolean()) return it->get<bool>();
  return numberOf(object, key).value_or(0) != 0;
}

std::string stringOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

StatusWorker readWorker(const Json& object) {
  StatusWorker worker;
  worker.pid = intOf(object, status::field::kPid);
  worker.state = stringOf(object, status::field::kState);
  worker.start_since = intOf(object, status::field::kStartSince);
  worker.requests = intOf(object, status::field::kRequests);
  worker.request_duration_us = intOf(object, status::field::kRequestDuration);
  worker.method = stringOf(object, status::field::kRequestMethod);
  worker.uri = stringOf(object, status::field::kRequestURI);
  worker.content_length = intOf(object, status::field::kContentLength);
  worker.user = stringOf(object, status::field::kUser);
  worker.script = stringOf(object, status::field::kScript);
  worker.last_cpu = numberOf(object, status::field::kLastRequestCPU).value_or(0);
  worker.last_memory = intOf(object, status::field::kLastRequestMemory);
  worker.rss = optionalInt(object, status::field::kMemoryRSS);
  worker.pss = optionalInt(object, status::field::kMemoryPSS);
  worker.rss_after_request = optionalInt(object, status::field::kRssAfterRequest);
  return worker;
}

StatusPool readPool(const Json& object) {
  StatusPool pool;
  pool.name = stringOf(object, status::field::kPool);
  pool.process_manager = stringOf(object, status::field::kProcessManager);
  pool.start_since = intOf(object, status::field::kStartSince);
  pool.accepted_conn = intOf(object, status::field::kAcceptedConn);
  pool.listen_queue = intOf(object, status::field::kListenQueue);
  pool.max_listen_queue = intOf(object, status::field::kMaxListenQueue);
  pool.listen_queue_len = intOf(object, status::field::kListenQueueLen);
  pool.idle = intOf(object, status::field::kIdleProcesses);
  pool.active = intOf(object, status::field::kActiveProcesses);
  pool.total = intOf(object, status::field::kTotalProcesses);
  pool.max_active = intOf(object, status::field::kMaxActiveProcesses);
  pool.max_children_reached = intOf(object, status::field::kMaxChildrenReached);
  pool.slow_requests = intOf(object, status::field::kSlowRequests);
  pool.p50_us = optionalInt(object, status::field::kRequestDurationP50);
  pool.p95_us = optionalInt(object, status::field::kRequestDurationP95);
  pool.p99_us = optionalInt(object, status::field::kRequestDurationP99);
  pool.rss = optionalInt(object, status::field::kMemoryRSS);
  pool.pss = optionalInt(object, status::field::kMemoryPSS);
  pool.max_children = optionalInt(object, status::field::kMaxChildren);
  pool.max_children_auto = flagOf(object, status::field::kMaxChildrenAuto);
  pool.memory_budget = optionalInt(object, status::field::kMemoryBudget);
  pool.memory_reserve = optionalInt(object, status::field::kMemoryReserve);
  pool.memory_limit = optionalInt(object, status::field::kMemoryLimit);
  pool.memory_available = optionalInt(object, status::field::kMemoryAvailable);
  pool.worker_footprint = optionalInt(object, status::field::kWorkerFootprint);
  pool.memory_guard = stringOf(object, status::field::kMemoryGuard);
  pool.recycled_for_memory = optionalInt(object, status::field::kRecycledForMemory);
  pool.queue_timeouts = optionalInt(object, status::field::kQueueTimeouts);
  if (auto it = object.find(status::field::kProcesses); it != object.end() && it->is_array()) {
    for (const Json& process : *it) {
      if (process.is_object()) pool.workers.push_back(readWorker(process));
    }
  }
  return pool;
}

/// The status page copies request URIs byte for byte: a client that sends bytes that are
/// not UTF-8 must not make the whole page unreadable, so such bytes become '?'.
std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool valid = length > 0 && i + length <= text.size() && (length == 1 || c >= 0xc2) && c <= 0xf4;
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (valid && length > 2) {
      // No overlong forms, no surrogates, nothing above U+10FFFF.
      auto second = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xe0 && second < 0xa0) && !(c == 0xed && second > 0x9f) &&
              !(c == 0xf0 && second < 0x90) && !(c == 0xf4 && second > 0x8f);
    }
    if (!valid) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace

Result<StatusSnapshot> parseStatusJson(std::string_view body) {
  Json document = Json::parse(validUtf8(body), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return makeError("the status page did not answer JSON");
  if (!document.is_object()) return makeError("the status page's JSON is not an object");
  Json pools = Json::array();
  if (auto it = document.find(status::field::kPools); it != document.end()) {
    if (!it->is_array()) return makeError("the status page's \"pools\" is not an array");
    for (const Json& pool : *it) {
      if (!pool.is_object()) return makeError("the status page's \"pools\" holds a non-object");
      pools.push_back(pool);
    }
  } else if (document.contains(status::field::kPool)) {
    pools.push_back(std::move(document));
  } else {
    return makeError("the status page's JSON has neither \"pool\" nor \"pools\"");
  }
  StatusSnapshot snapshot;
  for (const Json& pool : pools) snapshot.pools.push_back(readPool(pool));
  snapshot.pools_json = pools.dump(-1, ' ', false, Json::error_handler_t::replace);
  return snapshot;
}

std::string statusJsonLine(const StatusSnapshot& snapshot, int64_t time) {
  return fmt::format("{{\"time\":{},\"pools\":{}}}", time, snapshot.pools_json);
}

std::string statusErrorJsonLine(const std::string& error, int64_t time) {
  Json line = {{"time", time}, {"error", error}};
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<StatusWorker> sortedWorkers(std::vector<StatusWorker> workers) {
  std::stable_sort(workers.begin(), workers.end(), [](const auto& a, const auto& b) {
    if (a.idle() != b.idle()) return !a.idle();
    if (!a.idle() && a.request_duration_us != b.request_duration_us) {
      return a.request_duration_us > b.request_duration_us;
    }
    return a.pid < b.pid;
  });
  return workers;
}

}  // namespace fpmd::top
