#include "top/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

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

std::string stringOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

StatusWorker readWorker(const Json& object) {
  StatusWorker worker;
  worker.pid = intOf(object, "pid");
  worker.state = stringOf(object, "state");
  worker.start_since = intOf(object, "start since");
  worker.requests = intOf(object, "requests");
  worker.request_duration_us = intOf(object, "request duration");
  worker.method = stringOf(object, "request method");
  worker.uri = stringOf(object, "request uri");
  worker.content_length = intOf(object, "content length");
  worker.user = stringOf(object, "user");
  worker.script = stringOf(object, "script");
  worker.last_cpu = numberOf(object, "last request cpu").value_or(0);
  worker.last_memory = intOf(object, "last request memory");
  worker.rss = optionalInt(object, "memory rss");
  worker.pss = optionalInt(object, "memory pss");
  return worker;
}

StatusPool readPool(const Json& object) {
  StatusPool pool;
  pool.name = stringOf(object, "pool");
  pool.process_manager = stringOf(object, "process manager");
  pool.start_since = intOf(object, "start since");
  pool.accepted_conn = intOf(object, "accepted conn");
  pool.listen_queue = intOf(object, "listen queue");
  pool.max_listen_queue = intOf(object, "max listen queue");
  pool.listen_queue_len = intOf(object, "listen queue len");
  pool.idle = intOf(object, "idle processes");
  pool.active = intOf(object, "active processes");
  pool.total = intOf(object, "total processes");
  pool.max_active = intOf(object, "max active processes");
  pool.max_children_reached = intOf(object, "max children reached");
  pool.slow_requests = intOf(object, "slow requests");
  pool.p50_us = optionalInt(object, "request duration p50");
  pool.p95_us = optionalInt(object, "request duration p95");
  pool.p99_us = optionalInt(object, "request duration p99");
  pool.rss = optionalInt(object, "memory rss");
  pool.pss = optionalInt(object, "memory pss");
  if (auto it = object.find("processes"); it != object.end() && it->is_array()) {
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
  if (auto it = document.find("pools"); it != document.end()) {
    if (!it->is_array()) return makeError("the status page's \"pools\" is not an array");
    for (const Json& pool : *it) {
      if (!pool.is_object()) return makeError("the status page's \"pools\" holds a non-object");
      pools.push_back(pool);
    }
  } else if (document.contains("pool")) {
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
