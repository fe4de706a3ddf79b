#include <cstdlib>

#include "engine_harness.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

namespace fpmd::php::testing {

long StringBody::read(char* buf, size_t len) {
  size_t n = std::min(len, data_.size() - pos_);
  memcpy(buf, data_.data() + pos_, n);
  pos_ += n;
  return static_cast<long>(n);
}

bool CapturingSink::writeOut(std::string_view data) {
  if (finished_ || gone_) return false;
  out.append(data);
  return true;
}

bool CapturingSink::writeErr(std::string_view data) {
  if (finished_ || gone_) return false;
  err.append(data);
  return true;
}

bool CapturingSink::finish() {
  ++finish_calls;
  if (finished_ || gone_) return false;
  finished_ = true;
  return true;
}

std::string phpVersion() {
  const std::string text = versionText();  // "PHP 8.2.36 (fpm-fcgi) ..."
  return text.substr(4, text.find(' ', 4) - 4);
}

std::string fixture(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / "fixtures" / name).string();
}

Response runParams(const ParamList& params, const std::string& body) {
  cgi::Request request;
  for (const auto& [name, value] : params) request.params.set(name, value);
  StringBody source(body);
  CapturingSink sink;
  StageRecorder stages;
  request.body = &source;
  request.sink = &sink;
  request.observer = &stages;

  Response response;
  response.outcome = execute(request);
  size_t end = sink.out.find("\r\n\r\n");
  if (end == std::string::npos) {
    response.body = sink.out;
  } else {
    response.headers = sink.out.substr(0, end + 4);
    response.body = sink.out.substr(end + 4);
  }
  response.err = sink.err;
  response.finish_calls = sink.finish_calls;
  response.stages = stages.stages;
  return response;
}

Response run(const std::string& script, const ParamList& extra, const std::string& body) {
  const std::string root = std::filesystem::path(fixture("")).parent_path().string();
  ParamList params = {
      {"REQUEST_METHOD", "GET"},
      {"SCRIPT_FILENAME", fixture(script)},
      {"SCRIPT_NAME", "/" + script},
      {"REQUEST_URI", "/" + script},
      {"DOCUMENT_ROOT", root},
      {"SERVER_PROTOCOL", "HTTP/1.1"},
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"QUERY_STRING", ""},
      {"CONTENT_TYPE", ""},
      {"CONTENT_LENGTH", std::to_string(body.size())},
  };
  for (const auto& [name, value] : extra) {
    bool replaced = false;
    for (auto& entry : params) {
      if (entry.first == name) {
        entry.second = value;
        replaced = true;
      }
    }
    if (!replaced) params.emplace_back(name, value);
  }
  return runParams(params, body);
}

namespace {

// Module start-up happens once per process, as in fpmd's master; the "worker" set-up
// follows it in the same process.
class PhpEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    EngineOptions options;
    options.no_ini = true;
    options.defines = {"display_errors=0", "log_errors=1"};
    // PHP loads zend extensions with RTLD_DEEPBIND, which AddressSanitizer refuses: the
    // sanitizer build (scripts/sanitize.sh) runs these tests without opcache.
    if (std::getenv("FPMD_ENGINE_NO_OPCACHE") == nullptr) {
      options.defines.insert(options.defines.begin(),
                             {"zend_extension=opcache", "opcache.enable=1"});
    }
    ASSERT_TRUE(startup(options));
    PoolPhpSettings pool;
    pool.pool_name = "test";
    pool.limit_extensions = {".php"};
    pool.php_values = {{"precision", "10"}};
    pool.php_admin_values = {{"memory_limit", "96M"}};
    ASSERT_TRUE(workerInit(pool));
  }
  void TearDown() override { shutdown(); }
};

[[maybe_unused]] ::testing::Environment* const kPhp =
    ::testing::AddGlobalTestEnvironment(new PhpEnvironment);

}  // namespace
}  // namespace fpmd::php::testing
