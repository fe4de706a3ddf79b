#include "fastcgi/name_value.h"

#include <fmt/format.h>

namespace fpmd::fastcgi {

bool NameValueReader::readLength(uint32_t& length) {
  auto byte = [this](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data_[i])); };
  if (data_.empty()) return false;
  if ((byte(0) & 0x80) == 0) {
    length = byte(0);
    data_.remove_prefix(1);
    return true;
  }
  if (data_.size() < 4) return false;
  length = ((byte(0) & 0x7f) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
  data_.remove_prefix(4);
  return true;
}

NameValueReader::Next NameValueReader::next(std::string_view& name, std::string_view& value) {
  if (data_.empty()) return Next::End;
  uint32_t name_length = 0;
  uint32_t value_length = 0;
  if (!readLength(name_length) || !readLength(value_length)) {
    error_ = "truncated name-value length";
    return Next::Malformed;
  }
  // Compared in 64 bits: two 31-bit lengths cannot overflow.
  if (uint64_t{name_length} + value_length > data_.size()) {
    error_ = "name-value pair longer than its record";
    return Next::Malformed;
  }
  name = data_.substr(0, name_length);
  value = data_.substr(name_length, value_length);
  data_.remove_prefix(name_length + value_length);
  return Next::Pair;
}

namespace {

size_t lengthSize(size_t length) {
  return length < 0x80 ? 1 : 4;
}

void appendLength(std::string& out, size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<char>(length));
    return;
  }
  const char bytes[4] = {static_cast<char>(((length >> 24) & 0x7f) | 0x80),
                         static_cast<char>((length >> 16) & 0xff),
                         static_cast<char>((length >> 8) & 0xff), static_cast<char>(length & 0xff)};
  out.append(bytes, 4);
}

}  // namespace

size_t nameValueSize(std::string_view name, std::string_view value) {
  return lengthSize(name.size()) + lengthSize(value.size()) + name.size() + value.size();
}

void appendNameValue(std::string& out, std::string_view name, std::string_view value) {
  appendLength(out, name.size());
  appendLength(out, value.size());
  out.append(name);
  out.append(value);
}

Status ParamsAssembler::append(std::string_view content) {
  if (content.size() > max_size_ - buffer_.size()) {
    return makeError(fmt::format("FastCGI params larger than {} bytes", max_size_));
  }
  buffer_.append(content);
  return {};
}

Status ParamsAssembler::finish(cgi::Params& params) {
  NameValueReader reader(buffer_);
  std::string_view name;
  std::string_view value;
  NameValueReader::Next next;
  while ((next = reader.next(name, value)) == NameValueReader::Next::Pair) {
    params.set(std::string(name), std::string(value));
  }
  Status status;
  if (next == NameValueReader::Next::Malformed) {
    status = makeError(fmt::format("malformed FastCGI params: {}", reader.error()));
  }
  buffer_.clear();
  return status;
}

}  // namespace fpmd::fastcgi
