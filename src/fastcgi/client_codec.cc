#include "fastcgi/client_codec.h"

#include <fmt/format.h>

#include <algorithm>

#include "fastcgi/name_value.h"
#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi {

void appendBeginRequest(std::string& out, uint16_t request_id, Role role, bool keep_conn) {
  const auto role_value = static_cast<uint16_t>(role);
  const char body[kBeginRequestBodySize] = {static_cast<char>(role_value >> 8),
                                            static_cast<char>(role_value & 0xff),
                                            static_cast<char>(keep_conn ? kKeepConn : 0),
                                            0,
                                            0,
                                            0,
                                            0,
                                            0};
  appendRecord(out, RecordType::BeginRequest, request_id, std::string_view(body, sizeof body));
}

void appendParams(std::string& out, uint16_t request_id, const ParamList& params) {
  std::string encoded;
  for (const auto& [name, value] : params) appendNameValue(encoded, name, value);
  appendStream(out, RecordType::Params, request_id, encoded);
  appendRecord(out, RecordType::Params, request_id, {});
}

void appendStdin(std::string& out, uint16_t request_id, std::string_view data, bool end) {
  appendStream(out, RecordType::Stdin, request_id, data);
  if (end) appendRecord(out, RecordType::Stdin, request_id, {});
}

void appendAbortRequest(std::string& out, uint16_t request_id) {
  appendRecord(out, RecordType::AbortRequest, request_id, {});
}

void appendGetValues(std::string& out, std::span<const std::string_view> names) {
  std::string encoded;
  for (std::string_view name : names) appendNameValue(encoded, name, {});
  appendRecord(out, RecordType::GetValues, kManagementRequestId, encoded);
}

void ResponseReader::reset(uint16_t request_id) {
  request_id_ = request_id;
  state_ = State::InProgress;
  out_.clear();
  err_.clear();
  app_status_ = 0;
  protocol_status_ = ProtocolStatus::RequestComplete;
  stdout_closed_ = false;
  values_.clear();
  unknown_types_.clear();
  error_.clear();
}

ResponseReader::State ResponseReader::fail(std::string message) {
  error_ = std::move(message);
  return state_ = State::Error;
}

ResponseReader::State ResponseReader::feed(std::string_view& data) {
  while (state_ == State::InProgress) {
    Record record;
    RecordParser::Status status = parser_.next(data, record);
    if (status == RecordParser::Status::NeedMore) break;
    if (status == RecordParser::Status::Error) return fail(parser_.error());
    state_ = handle(record);
  }
  return state_;
}

ResponseReader::State ResponseReader::handle(const Record& record) {
  const auto type = static_cast<RecordType>(record.type);
  if (type == RecordType::UnknownType && record.request_id == kManagementRequestId) {
    if (record.content.empty()) return fail("empty UNKNOWN_TYPE record");
    unknown_types_.push_back(static_cast<uint8_t>(record.content[0]));
    return State::InProgress;
  }
  if (record.request_id != request_id_) {
    return fail(
        fmt::format("record type {} for unexpected request id {}", record.type, record.request_id));
  }
  switch (type) {
    case RecordType::Stdout:
      if (record.content.empty()) stdout_closed_ = true;
      out_.append(record.content);
      return State::InProgress;
    case RecordType::Stderr:
      err_.append(record.content);
      return State::InProgress;
    case RecordType::EndRequest: {
      if (record.content.size() != kEndRequestBodySize) return fail("bad END_REQUEST size");
      const auto* b = reinterpret_cast<const unsigned char*>(record.content.data());
      app_status_ = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
      protocol_status_ = static_cast<ProtocolStatus>(b[4]);
      return State::Complete;
    }
    case RecordType::GetValuesResult: {
      NameValueReader reader(record.content);
      std::string_view name;
      std::string_view value;
      NameValueReader::Next next;
      while ((next = reader.next(name, value)) == NameValueReader::Next::Pair) {
        values_.emplace_back(name, value);
      }
      if (next == NameValueReader::Next::Malformed) return fail(reader.error());
      return State::Complete;
    }
    default:
      return fail(fmt::format("unexpected record type {}", record.type));
  }
}

}  // namespace fpmd::fastcgi
