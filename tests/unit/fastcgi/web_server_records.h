#pragma once

// What a web server sends, built record by record, for the responder tests.

#include <cstdint>
#include <string>
#include <string_view>

#include "fastcgi/name_value.h"
#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi::testing {

inline std::string beginRecord(uint16_t id, bool keep, uint16_t role = 1) {
  std::string body{static_cast<char>(role >> 8),
                   static_cast<char>(role & 0xff),
                   static_cast<char>(keep ? kKeepConn : 0),
                   0,
                   0,
                   0,
                   0,
                   0};
  std::string out;
  appendRecord(out, RecordType::BeginRequest, id, body);
  return out;
}

/// BEGIN_REQUEST, a SCRIPT_NAME param, the end of PARAMS and an empty STDIN.
inline std::string wholeRequest(uint16_t id, bool keep, std::string_view script) {
  std::string pairs;
  appendNameValue(pairs, "SCRIPT_NAME", script);
  std::string out = beginRecord(id, keep);
  appendRecord(out, RecordType::Params, id, pairs);
  appendRecord(out, RecordType::Params, id, {});
  appendRecord(out, RecordType::Stdin, id, {});
  return out;
}

}  // namespace fpmd::fastcgi::testing
