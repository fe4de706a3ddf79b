#include "fastcgi/responder_core.h"

#include <fmt/format.h>

#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi {

ResponderCore::Event ResponderCore::fail(std::string message) {
  error_ = std::move(message);
  return Event::Failed;
}

void ResponderCore::endRequest() {
  phase_ = Phase::BetweenRequests;
  request_id_ = 0;
  keep_conn_ = false;
  assembler_.reset();
  stdin_ = {};
}

ResponderCore::Event ResponderCore::onRecord(const Record& record, std::string& out) {
  const auto type = static_cast<RecordType>(record.type);
  stdin_ = {};
  if (record.request_id == kManagementRequestId || !isKnownType(record.type)) {
    if (record.request_id == kManagementRequestId && type == RecordType::GetValues) {
      if (Status status = appendGetValuesResult(out, record.content, values_); !status) {
        return fail(status.error());
      }
    } else {
      appendUnknownType(out, record.type);
    }
    return Event::None;
  }
  switch (type) {
    case RecordType::EndRequest:
    case RecordType::Stdout:
    case RecordType::Stderr:
    case RecordType::GetValuesResult:
    case RecordType::UnknownType:
      return fail(fmt::format("unexpected record type {} (sent by applications, not web servers)",
                              record.type));
    case RecordType::BeginRequest:
      if (active() && record.request_id != request_id_) {
        appendEndRequest(out, record.request_id, 0, ProtocolStatus::CantMpxConn);
        return Event::None;
      }
      return beginRequest(record, out);
    default:
      break;
  }
  if (!active()) {
    // Anything else before a request begins is garbage from a peer that is not speaking
    // FastCGI — except the rest of a request we refused.
    if (refused_request_id_ != 0 && record.request_id == refused_request_id_) return Event::None;
    return fail(fmt::format("record type {} for request id {} before BEGIN_REQUEST", record.type,
                            record.request_id));
  }
  // Records of other (ended or refused) requests are ignored, as the specification asks.
  if (record.request_id != request_id_) return Event::None;
  return phase_ == Phase::Params ? onParams(record, out) : onBody(record);
}

ResponderCore::Event ResponderCore::beginRequest(const Record& record, std::string& out) {
  if (active())
    return fail(fmt::format("second BEGIN_REQUEST for request id {}", record.request_id));
  if (record.content.size() != kBeginRequestBodySize) {
    return fail(fmt::format("BEGIN_REQUEST body of {} bytes instead of {}", record.content.size(),
                            kBeginRequestBodySize));
  }
  const auto* body = reinterpret_cast<const unsigned char*>(record.content.data());
  const unsigned role = (body[0] << 8) | body[1];
  keep_conn_ = (body[2] & kKeepConn) != 0;
  if (role != static_cast<unsigned>(Role::Responder)) {
    appendEndRequest(out, record.request_id, 0, ProtocolStatus::UnknownRole);
    refused_request_id_ = record.request_id;
    refused_role_ = role;
    return Event::Refused;
  }
  phase_ = Phase::Params;
  request_id_ = record.request_id;
  params().clear();
  assembler_.reset();
  return Event::None;
}

ResponderCore::Event ResponderCore::onParams(const Record& record, std::string& out) {
  switch (static_cast<RecordType>(record.type)) {
    case RecordType::Params:
      if (!record.content.empty()) {
        if (Status status = assembler_.append(record.content); !status) {
          return fail(status.error());
        }
        return Event::None;
      }
      params().clear();
      params().set("FCGI_ROLE", "RESPONDER");
      if (Status status = assembler_.finish(params()); !status) return fail(status.error());
      phase_ = Phase::Body;
      return Event::RequestReady;
    case RecordType::Stdin:
      return fail(fmt::format("STDIN before the end of PARAMS for request id {}", request_id_));
    case RecordType::AbortRequest: {
      // Aborted before it started: answered here; a kept connection waits for the next.
      appendEndRequest(out, request_id_, 0, ProtocolStatus::RequestComplete);
      bool keep = keep_conn_;
      endRequest();
      keep_conn_ = keep;
      aborted_before_start_ = true;
      return Event::Aborted;
    }
    default:
      return Event::None;  // FCGI_DATA belongs to the FILTER role
  }
}

ResponderCore::Event ResponderCore::onBody(const Record& record) {
  switch (static_cast<RecordType>(record.type)) {
    case RecordType::Stdin:
      if (record.content.empty()) {
        phase_ = Phase::BodyEnded;
        return Event::StdinEnded;
      }
      stdin_ = record.content;
      return Event::Stdin;
    case RecordType::AbortRequest:
      aborted_before_start_ = false;
      return Event::Aborted;
    case RecordType::BeginRequest:
    case RecordType::Params:
      return fail(fmt::format("record type {} after the end of PARAMS for request id {}",
                              record.type, request_id_));
    default:
      return Event::None;
  }
}

}  // namespace fpmd::fastcgi
