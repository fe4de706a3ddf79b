#include "fastcgi/record_encoder.h"

#include <algorithm>

namespace fpmd::fastcgi {

void appendRecord(std::string& out, RecordType type, uint16_t request_id,
                  std::string_view content) {
  RecordHeader header;
  header.type = static_cast<uint8_t>(type);
  header.request_id = request_id;
  header.content_length = static_cast<uint16_t>(content.size());
  header.padding_length = paddingFor(content.size());
  unsigned char bytes[kHeaderSize];
  encodeHeader(header, bytes);
  out.append(reinterpret_cast<const char*>(bytes), kHeaderSize);
  out.append(content);
  out.append(header.padding_length, '\0');
}

void appendStream(std::string& out, RecordType type, uint16_t request_id, std::string_view data) {
  while (!data.empty()) {
    size_t n = std::min(data.size(), kMaxAlignedContentLength);
    appendRecord(out, type, request_id, data.substr(0, n));
    data.remove_prefix(n);
  }
}

void appendEndRequest(std::string& out, uint16_t request_id, uint32_t app_status,
                      ProtocolStatus status) {
  const char body[kEndRequestBodySize] = {static_cast<char>(app_status >> 24),
                                          static_cast<char>((app_status >> 16) & 0xff),
                                          static_cast<char>((app_status >> 8) & 0xff),
                                          static_cast<char>(app_status & 0xff),
                                          static_cast<char>(status),
                                          0,
                                          0,
                                          0};
  appendRecord(out, RecordType::EndRequest, request_id, std::string_view(body, sizeof body));
}

void appendUnknownType(std::string& out, uint8_t type) {
  const char body[kUnknownTypeBodySize] = {static_cast<char>(type), 0, 0, 0, 0, 0, 0, 0};
  appendRecord(out, RecordType::UnknownType, kManagementRequestId,
               std::string_view(body, sizeof body));
}

}  // namespace fpmd::fastcgi
