#pragma once

// The request model between the FastCGI layer and the engine: what the web server asked
// (params, a body to read) and where the answer goes (a response sink). The engine sees a
// request only through these types, never through worker/ or fastcgi/.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status/model.h"

namespace fpmd::cgi {

/// FastCGI params (the CGI environment) in arrival order. A name sent twice keeps its
/// first position and takes the last value, as PHP-FPM's fcgi hash does.
class Params {
 public:
  using Entry = std::pair<std::string, std::string>;

  void set(std::string name, std::string value);
  /// Linear in size(): rare (the CGI rules drop a few names), unlike set() and find().
  void erase(std::string_view name);
  const std::string* find(std::string_view name) const;
  /// The value, or an empty view when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  void clear() {
    entries_.clear();
    slots_.clear();  // keeps its capacity: the next request's index allocates nothing
  }

 private:
  static constexpr size_t kAbsent = static_cast<size_t>(-1);
  /// Where `name` is in entries_, or kAbsent.
  size_t position(std::string_view name) const;
  /// The slot holding `name`'s position, or the empty slot where it would go.
  size_t slotFor(std::string_view name) const;
  void buildIndex();

  std::vector<Entry> entries_;
  // An open-addressing index over entries_, built past kIndexFrom names: each slot holds a
  // position + 1 (0: empty), the table is a power of two at least twice the names. A peer
  // may send 150,000 names in one request (the 1 MiB PARAMS cap): a linear search per
  // name made that a minute of CPU. A web server sends about 30, where a search is as
  // fast; past that the index costs one hash per name and, its vector reused from request
  // to request, no allocation (a node-based map allocated a node and a key per name:
  // 200 params cost 1.5x php-fpm's CPU per request).
  static constexpr size_t kIndexFrom = 32;
  std::vector<uint32_t> slots_;
};

/// The request body (FastCGI stdin). Blocking: a worker serves one request at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  /// Reads up to `len` bytes: > 0 bytes read, 0 at the end of the body, -1 when the
  /// connection failed or was aborted.
  virtual long read(char* buf, size_t len) = 0;
};

/// Where the response goes (FastCGI stdout and stderr, then FCGI_END_REQUEST).
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// Appends response bytes (headers and body as one stream). False once the client is
  /// gone or the response was finished.
  virtual bool writeOut(std::string_view data) = 0;
  /// Appends to the FastCGI stderr stream (PHP messages for the web server's error log).
  virtual bool writeErr(std::string_view data) = 0;
  /// Sends what is buffered now.
  virtual bool flush() = 0;
  /// Ends the response (fastcgi_finish_request or script end): flushes, sends the end
  /// record. Returns false if it was already finished or the client is gone.
  virtual bool finish() = 0;
  virtual bool finished() const = 0;
  /// True when the web server went away (seen on a failed write or an abort record).
  virtual bool aborted() const = 0;
};

/// Scoreboard stages a request goes through, as PHP-FPM names them.
enum class Stage { Idle, ReadingHeaders, GettingRequestInfo, Running, Finishing, Ending };

/// PHP-FPM's names: "Idle", "Reading headers", "Getting request information", …
const char* stageName(Stage stage);

/// Lets the engine report progress (scoreboard stage, script path) without knowing who
/// listens. Default: nobody.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void onStage(Stage) {}
  /// The script the request runs (after PHP-FPM's path rules) and the HTTP auth user.
  virtual void onScript(std::string_view /*script*/, std::string_view /*user*/) {}
};

struct Request {
  Params params;
  BodySource* body = nullptr;
  ResponseSink* sink = nullptr;
  RequestObserver* observer = nullptr;
  /// For fpm_get_status(); nullptr outside a pool.
  const status::StatusSource* status = nullptr;
};

}  // namespace fpmd::cgi
