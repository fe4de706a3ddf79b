#pragma once

// In-process harness for the engine tests: PHP starts once per test binary (-n, opcache
// from -d), requests go through a fake body source and response sink.

#include <string>
#include <utility>
#include <vector>

#include "cgi/request.h"
#include "php/engine.h"

namespace fpmd::php::testing {

class StringBody : public cgi::BodySource {
 public:
  explicit StringBody(std::string data) : data_(std::move(data)) {}
  long read(char* buf, size_t len) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

class CapturingSink : public cgi::ResponseSink {
 public:
  bool writeOut(std::string_view data) override;
  bool writeErr(std::string_view data) override;
  bool flush() override { return !gone_; }
  bool finish() override;
  bool finished() const override { return finished_; }
  bool aborted() const override { return gone_; }

  /// Simulates a web server that went away.
  void disconnect() { gone_ = true; }

  std::string out;
  std::string err;
  int finish_calls = 0;

 private:
  bool finished_ = false;
  bool gone_ = false;
};

class StageRecorder : public cgi::RequestObserver {
 public:
  void onStage(cgi::Stage stage) override { stages.push_back(stage); }
  std::vector<cgi::Stage> stages;
};

struct Response {
  std::string headers;  // up to and including the blank line
  std::string body;
  std::string err;
  int finish_calls = 0;
  std::vector<cgi::Stage> stages;
  RequestOutcome outcome;
};

using ParamList = std::vector<std::pair<std::string, std::string>>;

/// PHP_VERSION of the running engine ("8.2.36").
std::string phpVersion();

/// Absolute path of tests/engine/fixtures/<name>.
std::string fixture(const std::string& name);

/// Runs `script` (a fixture name) with the usual nginx params plus `extra` (which may
/// override them) and `body` as the request body.
Response run(const std::string& script, const ParamList& extra = {}, const std::string& body = "");

/// Runs with exactly these params.
Response runParams(const ParamList& params, const std::string& body = "");

}  // namespace fpmd::php::testing
