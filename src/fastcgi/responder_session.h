#pragma once

// A FastCGI responder for answers that need no body and no PHP: the master's status and
// ping pages. Fed the bytes of one connection as they arrive, it gives back the bytes to
// send. Pure: no I/O, so the master can drive it from its event loop without blocking.
//
// The answer goes out as soon as the PARAMS stream ends (a status request has no body to
// wait for); STDIN that follows is read and ignored. Requests on a kept connection are
// answered in turn. What each record means is the ResponderCore's, as for the workers.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "fastcgi/record_parser.h"
#include "fastcgi/responder_core.h"

namespace fpmd::fastcgi {

class ResponderSession {
 public:
  /// Builds the CGI response (headers, blank line, body) for one request's params.
  using Answer = std::function<std::string(const cgi::Params& params)>;

  explicit ResponderSession(Answer answer) : answer_(std::move(answer)) {}

  enum class State {
    Open,     // keep feeding
    Done,     // send what is pending, then close (no FCGI_KEEP_CONN)
    Invalid,  // malformed input: close now; error() says why
  };

  /// Consumes `input`; appends what to send to `out`.
  State feed(std::string_view input, std::string& out);
  const std::string& error() const { return error_; }

 private:
  State onRecord(const Record& record, std::string& out);
  State fail(std::string message);

  Answer answer_;
  RecordParser parser_;
  // A status page needs one connection at a time from the web server's point of view.
  ResponderCore core_{ServerValues{}};
  std::string error_;
};

}  // namespace fpmd::fastcgi
