#pragma once

// The web-server side of the protocol, for fcgi-client, load generators and tests:
// encoding requests and collecting responses. Pure: no I/O.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastcgi/protocol.h"
#include "fastcgi/record_parser.h"

namespace fpmd::fastcgi {

using ParamList = std::vector<std::pair<std::string, std::string>>;

void appendBeginRequest(std::string& out, uint16_t request_id, Role role, bool keep_conn);
/// Encodes `params` as PARAMS records (a pair may straddle two records) followed by the
/// empty PARAMS record.
void appendParams(std::string& out, uint16_t request_id, const ParamList& params);
/// Appends `data` as STDIN records and, when `end`, the empty STDIN record.
void appendStdin(std::string& out, uint16_t request_id, std::string_view data, bool end = true);
void appendAbortRequest(std::string& out, uint16_t request_id);
/// An FCGI_GET_VALUES query for `names` (values left empty, as the specification says).
void appendGetValues(std::string& out, std::span<const std::string_view> names);

/// Collects the answer to one request from the bytes the application sends back.
class ResponseReader {
 public:
  enum class State { InProgress, Complete, Error };

  /// `request_id` 0 waits for a GET_VALUES_RESULT instead of an END_REQUEST.
  explicit ResponseReader(uint16_t request_id = 1) : request_id_(request_id) {}

  /// Consumes bytes until the response is complete (the bytes after it stay in `data`)
  /// or `data` is exhausted.
  State feed(std::string_view& data);
  State state() const { return state_; }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  uint32_t appStatus() const { return app_status_; }
  ProtocolStatus protocolStatus() const { return protocol_status_; }
  /// The empty STDOUT record that closes the stream arrived.
  bool stdoutClosed() const { return stdout_closed_; }
  /// Pairs of a GET_VALUES_RESULT.
  const std::vector<std::pair<std::string, std::string>>& values() const { return values_; }
  /// Types named by UNKNOWN_TYPE records received on the way.
  const std::vector<uint8_t>& unknownTypes() const { return unknown_types_; }
  const std::string& error() const { return error_; }
  /// Starts over for another request on the same connection.
  void reset(uint16_t request_id);

 private:
  State handle(const Record& record);
  State fail(std::string message);

  uint16_t request_id_;
  RecordParser parser_;
  State state_ = State::InProgress;
  std::string out_;
  std::string err_;
  uint32_t app_status_ = 0;
  ProtocolStatus protocol_status_ = ProtocolStatus::RequestComplete;
  bool stdout_closed_ = false;
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<uint8_t> unknown_types_;
  std::string error_;
};

}  // namespace fpmd::fastcgi
