#include "fastcgi/unavailable_answer.h"

#include <fmt/format.h>

#include "fastcgi/record_encoder.h"
#include "fastcgi/record_parser.h"

namespace fpmd::fastcgi {

std::optional<uint16_t> firstRequestId(std::string_view input) {
  RecordParser parser;
  Record record;
  if (parser.next(input, record) != RecordParser::Status::Record) return std::nullopt;
  if (record.type != static_cast<uint8_t>(RecordType::BeginRequest) || record.request_id == 0) {
    return std::nullopt;
  }
  return record.request_id;
}

std::string unavailableResponse(uint16_t request_id, int retry_after_seconds) {
  std::string stdout_bytes = fmt::format(
      "Status: 503 Service Unavailable\r\n"
      "Retry-After: {}\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "503 Service Unavailable: every worker stayed busy for longer than the request may "
      "wait (request_queue_timeout).\n",
      retry_after_seconds);
  std::string out;
  appendStream(out, RecordType::Stdout, request_id, stdout_bytes);
  appendRecord(out, RecordType::Stdout, request_id, {});
  appendEndRequest(out, request_id, 0, ProtocolStatus::RequestComplete);
  return out;
}

}  // namespace fpmd::fastcgi
