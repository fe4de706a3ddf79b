// php-floor: PHP's own per-request cost, in-process and without I/O. Runs one script over
// and over through fpmd's engine (module start-up once, then request start-up, execute,
// shutdown per request, as a worker does) with a response sink that only counts bytes.
// The benchmarks compare servers against this floor.
//
// usage: php-floor [-c php.ini] [-d name=value ...] [--duration SEC] [--warmup SEC] SCRIPT
// Prints one JSON object: requests, seconds, us_per_request, rps (one core), out_bytes.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "php/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

class EmptyBody : public fpmd::cgi::BodySource {
 public:
  long read(char*, size_t) override { return 0; }
};

class CountingSink : public fpmd::cgi::ResponseSink {
 public:
  bool writeOut(std::string_view data) override {
    bytes += data.size();
    return !finished_;
  }
  bool writeErr(std::string_view data) override {
    err_bytes += data.size();
    return !finished_;
  }
  bool flush() override { return true; }
  bool finish() override {
    const bool first = !finished_;
    finished_ = true;
    return first;
  }
  bool finished() const override { return finished_; }
  bool aborted() const override { return false; }

  size_t bytes = 0;
  size_t err_bytes = 0;

 private:
  bool finished_ = false;
};

/// One GET of `script` with the params nginx sends; returns bytes written.
size_t runOnce(const std::string& script) {
  fpmd::cgi::Request request;
  const size_t slash = script.rfind('/');
  const std::string name = script.substr(slash);
  const std::pair<const char*, std::string> params[] = {
      {"REQUEST_METHOD", "GET"},
      {"SCRIPT_FILENAME", script},
      {"SCRIPT_NAME", name},
      {"REQUEST_URI", name},
      {"DOCUMENT_URI", name},
      {"DOCUMENT_ROOT", script.substr(0, slash)},
      {"QUERY_STRING", ""},
      {"SERVER_PROTOCOL", "HTTP/1.1"},
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"REMOTE_ADDR", "127.0.0.1"},
      {"SERVER_NAME", "localhost"},
      {"SERVER_PORT", "80"},
      {"REDIRECT_STATUS", "200"},
      {"HTTP_HOST", "localhost"},
  };
  for (const auto& [key, value] : params) request.params.set(key, value);
  EmptyBody body;
  CountingSink sink;
  request.body = &body;
  request.sink = &sink;
  fpmd::php::execute(request);
  return sink.bytes;
}

}  // namespace

int main(int argc, char** argv) {
  fpmd::php::EngineOptions engine;
  engine.no_ini = true;
  double duration = 5;
  double warmup = 1;
  std::string script;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "-c" && has_value) {
      engine.ini_path = argv[++i];
    } else if (arg == "-d" && has_value) {
      engine.defines.emplace_back(argv[++i]);
    } else if (arg == "--duration" && has_value) {
      duration = std::atof(argv[++i]);
    } else if (arg == "--warmup" && has_value) {
      warmup = std::atof(argv[++i]);
    } else if (!arg.starts_with("-") && script.empty()) {
      script = std::string(arg);
    } else {
      std::fputs(
          "usage: php-floor [-c php.ini] [-d name=value ...] [--duration SEC] "
          "[--warmup SEC] /abs/path/script.php\n",
          stderr);
      return 1;
    }
  }
  if (script.empty() || script[0] != '/') {
    std::fputs("php-floor: give the script as an absolute path\n", stderr);
    return 1;
  }
  if (!fpmd::php::startup(engine)) return 1;
  fpmd::php::PoolPhpSettings pool;
  pool.pool_name = "floor";
  if (!fpmd::php::workerInit(pool)) return 1;

  const auto warm_end = Clock::now() + std::chrono::duration<double>(warmup);
  while (Clock::now() < warm_end) runOnce(script);

  size_t out_bytes = 0;
  long requests = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(duration);
  auto now = start;
  while (now < end) {
    // Check the clock every 64 requests: a clock read costs little next to a request,
    // but there is no need to pay it each time.
    for (int i = 0; i < 64; ++i) out_bytes += runOnce(script);
    requests += 64;
    now = Clock::now();
  }
  const double seconds = std::chrono::duration<double>(now - start).count();
  std::printf(
      "{\"requests\": %ld, \"seconds\": %.4f, \"us_per_request\": %.3f, \"rps\": %.1f, "
      "\"out_bytes\": %zu}\n",
      requests, seconds, seconds * 1e6 / static_cast<double>(requests),
      static_cast<double>(requests) / seconds, out_bytes);
  fpmd::php::shutdown();
  return 0;
}
