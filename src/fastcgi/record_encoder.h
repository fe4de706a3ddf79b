#pragma once

// Encoders for whole records, appending to a byte buffer. Every record is padded to a
// multiple of 8 bytes, as PHP-FPM sends them. Pure: no I/O.

#include <cstdint>
#include <string>
#include <string_view>

#include "fastcgi/protocol.h"

namespace fpmd::fastcgi {

/// Appends one record. `content` must be at most kMaxContentLength bytes.
void appendRecord(std::string& out, RecordType type, uint16_t request_id, std::string_view content);
/// Appends a stream's bytes as records of at most kMaxAlignedContentLength bytes (so the
/// long ones need no padding). Empty `data` appends nothing: the empty end-of-stream
/// record is appendRecord(out, type, id, {}).
void appendStream(std::string& out, RecordType type, uint16_t request_id, std::string_view data);
void appendEndRequest(std::string& out, uint16_t request_id, uint32_t app_status,
                      ProtocolStatus status);
/// The management answer to a record whose type we do not know.
void appendUnknownType(std::string& out, uint8_t type);

}  // namespace fpmd::fastcgi
