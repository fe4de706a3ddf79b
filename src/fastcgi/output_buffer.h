#pragma once

// Batches a request's stdout and stderr into records, PHP-FPM style: consecutive writes
// to one stream extend the open record instead of starting a new one, so many small
// echo()s cost one header. Pure: the Connection decides when to send.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fastcgi/protocol.h"

namespace fpmd::fastcgi {

class OutputBuffer {
 public:
  void setRequestId(uint16_t request_id) { request_id_ = request_id; }

  /// Appends stream bytes (Stdout or Stderr). A change of stream closes the open record,
  /// so the two streams stay in write order; a record is closed at
  /// kMaxAlignedContentLength bytes.
  void append(RecordType type, std::string_view data);

  /// Closes the open record and returns the buffer, which then holds whole records only;
  /// the caller may append more whole records (END_REQUEST, management answers).
  std::string& records();

  size_t size() const { return buffer_.size(); }
  bool empty() const { return buffer_.empty(); }
  /// Drops everything (after sending it); keeps the capacity.
  void clear();

 private:
  static constexpr size_t kNoRecord = static_cast<size_t>(-1);

  void closeRecord();

  std::string buffer_;
  uint16_t request_id_ = 0;
  size_t open_header_ = kNoRecord;  // offset of the open record's header
  RecordType open_type_ = RecordType::Stdout;
};

}  // namespace fpmd::fastcgi
