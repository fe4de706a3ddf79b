#include "fastcgi/output_buffer.h"

#include <algorithm>

namespace fpmd::fastcgi {

void OutputBuffer::append(RecordType type, std::string_view data) {
  while (!data.empty()) {
    if (open_header_ != kNoRecord && open_type_ != type) closeRecord();
    if (open_header_ == kNoRecord) {
      open_header_ = buffer_.size();
      open_type_ = type;
      buffer_.append(kHeaderSize, '\0');  // filled in by closeRecord()
    }
    size_t used = buffer_.size() - open_header_ - kHeaderSize;
    size_t n = std::min(kMaxAlignedContentLength - used, data.size());
    buffer_.append(data.data(), n);
    data.remove_prefix(n);
    if (used + n == kMaxAlignedContentLength) closeRecord();
  }
}

void OutputBuffer::closeRecord() {
  if (open_header_ == kNoRecord) return;
  size_t length = buffer_.size() - open_header_ - kHeaderSize;
  RecordHeader header;
  header.type = static_cast<uint8_t>(open_type_);
  header.request_id = request_id_;
  header.content_length = static_cast<uint16_t>(length);
  header.padding_length = paddingFor(length);
  encodeHeader(header, reinterpret_cast<unsigned char*>(buffer_.data() + open_header_));
  buffer_.append(header.padding_length, '\0');
  open_header_ = kNoRecord;
}

std::string& OutputBuffer::records() {
  closeRecord();
  return buffer_;
}

void OutputBuffer::clear() {
  buffer_.clear();
  open_header_ = kNoRecord;
}

}  // namespace fpmd::fastcgi
