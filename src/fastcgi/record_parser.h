#pragma once

// Incremental FastCGI record parser: fed byte chunks of any size (down to one byte at a
// time), it yields whole records. Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fastcgi/protocol.h"

namespace fpmd::fastcgi {

struct Record {
  uint8_t type = 0;  // raw, see isKnownType()
  uint16_t request_id = 0;
  /// Points into the caller's input when the record arrived whole, else into the
  /// parser's own buffer: valid until the next call to next() or reset().
  std::string_view content;
};

/// Splits a byte stream into records, skipping padding. Content of a record split across
/// chunks is gathered in one reused buffer; a record that arrives whole is not copied.
class RecordParser {
 public:
  enum class Status { NeedMore, Record, Error };

  /// Consumes bytes from the front of `input` until one record is complete (Record, and
  /// `record` is set) or `input` is exhausted (NeedMore). Error is final: it happens on a
  /// header whose version is not 1, and error() says so.
  Status next(std::string_view& input, Record& record);

  /// True when no part of a record is pending: a clean place for the peer to close.
  bool atBoundary() const { return state_ == State::Header && header_have_ == 0; }
  const std::string& error() const { return error_; }
  void reset();

 private:
  enum class State { Header, Content, Padding, Failed };

  /// Takes the header from `input` (or what is buffered); false if more bytes are needed.
  bool takeHeader(std::string_view& input);
  /// Skips padding available in `input`; true once all of it is skipped.
  bool skipPadding(std::string_view& input);

  State state_ = State::Header;
  unsigned char header_buf_[kHeaderSize] = {};
  size_t header_have_ = 0;
  RecordHeader header_;
  size_t padding_left_ = 0;
  std::string content_;
  std::string error_;
};

}  // namespace fpmd::fastcgi
