#pragma once

// The responder's side of the FastCGI protocol, once: what each record from the web server
// means in the phase the connection is in. No I/O — records in, replies (management
// answers, refusals) appended to a buffer, and an event out — so the blocking driver a
// worker uses (Connection) and the non-blocking one the master uses (ResponderSession)
// agree on every record.
//
// Phases of one connection: between requests → (BEGIN_REQUEST) params → (empty PARAMS)
// body → (empty STDIN) body ended → (the driver's endRequest()) between requests. Never
// multiplexes: a BEGIN_REQUEST for another id while a request is under way gets
// FCGI_CANT_MPX_CONN. Before a request begins, anything but BEGIN_REQUEST and management
// records is refused by dropping the connection, as PHP-FPM does.

#include <cstdint>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "fastcgi/management.h"
#include "fastcgi/name_value.h"
#include "fastcgi/record_parser.h"

namespace fpmd::fastcgi {

class ResponderCore {
 public:
  enum class Phase { BetweenRequests, Params, Body, BodyEnded };

  enum class Event {
    None,          // nothing for the driver (answered here, or ignored)
    RequestReady,  // the params have ended: takeParams() holds them
    Stdin,         // body bytes: stdin() holds them (a view into the record)
    StdinEnded,    // the empty STDIN record: the body is whole
    Aborted,       // FCGI_ABORT_REQUEST for the current request; see abortedBeforeStart()
    Refused,       // a role other than RESPONDER, answered with FCGI_UNKNOWN_ROLE
    Failed,        // malformed or out-of-order input: error() says why; drop the connection
  };

  explicit ResponderCore(ServerValues values = {}) : values_(values) {}

  /// What `record` means now. Replies go to `out`, for the driver to send.
  Event onRecord(const Record& record, std::string& out);

  Phase phase() const { return phase_; }
  bool active() const { return phase_ != Phase::BetweenRequests; }
  uint16_t requestId() const { return request_id_; }
  /// FCGI_KEEP_CONN of the current request (or of the refused one, after Refused).
  bool keepConn() const { return keep_conn_; }
  /// The params of the request that became ready: FCGI_ROLE first, as PHP-FPM sets it,
  /// then the params in arrival order.
  cgi::Params& params() { return target_ != nullptr ? *target_ : own_params_; }
  /// Assembles the params into `target` instead of the core's own: a worker's request
  /// loop keeps one Params, whose capacity then serves every request and connection.
  void assembleParamsInto(cgi::Params& target) { target_ = &target; }
  std::string_view stdin() const { return stdin_; }
  /// After Aborted: whether it came before the params ended (END_REQUEST already sent,
  /// the core is between requests again).
  bool abortedBeforeStart() const { return aborted_before_start_; }
  /// After Refused: the role the web server asked for.
  unsigned refusedRole() const { return refused_role_; }
  const std::string& error() const { return error_; }

  /// The driver is done with the current request (answered, or given up): between
  /// requests again.
  void endRequest();

 private:
  Event beginRequest(const Record& record, std::string& out);
  Event onParams(const Record& record, std::string& out);
  Event onBody(const Record& record);
  Event fail(std::string message);

  ServerValues values_;
  Phase phase_ = Phase::BetweenRequests;
  uint16_t request_id_ = 0;
  uint16_t refused_request_id_ = 0;  // its remaining records are ignored
  bool keep_conn_ = false;
  bool aborted_before_start_ = false;
  unsigned refused_role_ = 0;
  ParamsAssembler assembler_;
  cgi::Params own_params_;
  cgi::Params* target_ = nullptr;  // nullptr: own_params_ (a moved core stays valid)
  std::string_view stdin_;
  std::string error_;
};

}  // namespace fpmd::fastcgi
