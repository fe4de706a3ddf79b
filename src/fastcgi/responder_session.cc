#include "fastcgi/responder_session.h"

#include <fmt/format.h>

#include "fastcgi/management.h"
#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi {

ResponderSession::State ResponderSession::feed(std::string_view input, std::string& out) {
  while (!input.empty()) {
    Record record;
    RecordParser::Status status = parser_.next(input, record);
    if (status == RecordParser::Status::Error) return fail(parser_.error());
    if (status == RecordParser::Status::NeedMore) break;
    State state = onRecord(record, out);
    if (state != State::Open) return state;
  }
  return State::Open;
}

ResponderSession::State ResponderSession::onRecord(const Record& record, std::string& out) {
  auto type = static_cast<RecordType>(record.type);
  if (record.request_id == kManagementRequestId) {
    if (type == RecordType::GetValues) {
      // A status page needs one connection at a time from the web server's point of view.
      if (!appendGetValuesResult(out, record.content, ServerValues{})) {
        return fail("malformed FCGI_GET_VALUES");
      }
    } else {
      appendUnknownType(out, record.type);
    }
    return State::Open;
  }
  if (type == RecordType::BeginRequest) {
    if (request_id_ != 0) {
      // One request at a time on a connection: PHP-FPM does not multiplex either.
      std::string end;
      appendEndRequest(end, record.request_id, 0, ProtocolStatus::CantMpxConn);
      out += end;
      return State::Open;
    }
    if (record.content.size() != kBeginRequestBodySize) return fail("malformed BEGIN_REQUEST");
    auto role = static_cast<uint16_t>(static_cast<uint8_t>(record.content[0]) << 8 |
                                      static_cast<uint8_t>(record.content[1]));
    request_id_ = record.request_id;
    keep_conn_ = (static_cast<uint8_t>(record.content[2]) & kKeepConn) != 0;
    answered_ = false;
    params_.reset();
    if (role != static_cast<uint16_t>(Role::Responder)) {
      appendEndRequest(out, request_id_, 0, ProtocolStatus::UnknownRole);
      request_id_ = 0;
      return keep_conn_ ? State::Open : State::Done;
    }
    return State::Open;
  }
  if (record.request_id != request_id_) return State::Open;  // a request we ended: ignore
  switch (type) {
    case RecordType::Params: {
      if (answered_) return fail("PARAMS after the end of the PARAMS stream");
      if (!record.content.empty()) {
        if (!params_.append(record.content)) return fail("PARAMS stream too long");
        return State::Open;
      }
      cgi::Params params;
      if (!params_.finish(params)) return fail("malformed PARAMS stream");
      appendStream(out, RecordType::Stdout, request_id_, answer_(params));
      appendRecord(out, RecordType::Stdout, request_id_, {});
      appendEndRequest(out, request_id_, 0, ProtocolStatus::RequestComplete);
      answered_ = true;
      if (!keep_conn_) return State::Done;
      return State::Open;
    }
    case RecordType::Stdin:
      // The body of an answered request: read to its end so the next request starts clean.
      if (record.content.empty() && answered_) request_id_ = 0;
      return State::Open;
    case RecordType::AbortRequest:
      if (!answered_) appendEndRequest(out, request_id_, 0, ProtocolStatus::RequestComplete);
      request_id_ = 0;
      return keep_conn_ ? State::Open : State::Done;
    default:
      return fail(fmt::format("unexpected record type {}", record.type));
  }
}

ResponderSession::State ResponderSession::fail(std::string message) {
  error_ = std::move(message);
  return State::Invalid;
}

}  // namespace fpmd::fastcgi
