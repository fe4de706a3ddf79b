#include "fastcgi/record_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace fpmd::fastcgi {

void RecordParser::reset() {
  state_ = State::Header;
  header_have_ = 0;
  padding_left_ = 0;
  content_.clear();
  error_.clear();
}

bool RecordParser::takeHeader(std::string_view& input) {
  const unsigned char* bytes;
  if (header_have_ == 0 && input.size() >= kHeaderSize) {
    bytes = reinterpret_cast<const unsigned char*>(input.data());
    input.remove_prefix(kHeaderSize);
  } else {
    size_t n = std::min(kHeaderSize - header_have_, input.size());
    std::memcpy(header_buf_ + header_have_, input.data(), n);
    header_have_ += n;
    input.remove_prefix(n);
    if (header_have_ < kHeaderSize) return false;
    bytes = header_buf_;
  }
  header_have_ = 0;
  header_ = decodeHeader(bytes);
  return true;
}

bool RecordParser::skipPadding(std::string_view& input) {
  size_t n = std::min(padding_left_, input.size());
  input.remove_prefix(n);
  padding_left_ -= n;
  return padding_left_ == 0;
}

RecordParser::Status RecordParser::next(std::string_view& input, Record& record) {
  for (;;) {
    switch (state_) {
      case State::Failed:
        return Status::Error;
      case State::Padding:
        if (!skipPadding(input)) return Status::NeedMore;
        state_ = State::Header;
        break;
      case State::Header:
        if (!takeHeader(input)) return Status::NeedMore;
        if (header_.version != kVersion1) {
          state_ = State::Failed;
          error_ =
              fmt::format("unsupported FastCGI version {} in a record header", header_.version);
          return Status::Error;
        }
        content_.clear();
        state_ = State::Content;
        break;
      case State::Content: {
        const size_t length = header_.content_length;
        std::string_view content;
        if (content_.empty() && input.size() >= length) {
          content = input.substr(0, length);
          input.remove_prefix(length);
        } else {
          size_t n = std::min(length - content_.size(), input.size());
          content_.append(input.data(), n);
          input.remove_prefix(n);
          if (content_.size() < length) return Status::NeedMore;
          content = content_;
        }
        record.type = header_.type;
        record.request_id = header_.request_id;
        record.content = content;
        // Skip what padding is already here so that atBoundary() is exact.
        padding_left_ = header_.padding_length;
        state_ = skipPadding(input) ? State::Header : State::Padding;
        return Status::Record;
      }
    }
  }
}

}  // namespace fpmd::fastcgi
