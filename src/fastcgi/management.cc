#include "fastcgi/management.h"

#include <fmt/format.h>

#include "fastcgi/name_value.h"
#include "fastcgi/protocol.h"
#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi {

Status appendGetValuesResult(std::string& out, std::string_view query, const ServerValues& values) {
  std::string content;
  NameValueReader reader(query);
  std::string_view name;
  std::string_view ignored;
  NameValueReader::Next next;
  while ((next = reader.next(name, ignored)) == NameValueReader::Next::Pair) {
    std::string value;
    if (name == kMaxConnsName) {
      value = fmt::format("{}", values.max_conns);
    } else if (name == kMaxReqsName) {
      value = fmt::format("{}", values.max_reqs);
    } else if (name == kMpxsConnsName) {
      value = "0";
    } else {
      continue;
    }
    // A query repeating names could ask for more than one record holds.
    if (content.size() + nameValueSize(name, value) > kMaxContentLength) break;
    appendNameValue(content, name, value);
  }
  if (next == NameValueReader::Next::Malformed) {
    return makeError(fmt::format("malformed FCGI_GET_VALUES: {}", reader.error()));
  }
  appendRecord(out, RecordType::GetValuesResult, kManagementRequestId, content);
  return {};
}

}  // namespace fpmd::fastcgi
