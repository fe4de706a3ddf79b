#pragma once

// FastCGI name-value pairs (the body of PARAMS and GET_VALUES records): each length is one
// byte when below 128, else four bytes with the high bit set. Pure: no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "common/result.h"

namespace fpmd::fastcgi {

/// Cap on the PARAMS stream of one request. PHP-FPM only bounds each record (64 KiB);
/// a total cap keeps a peer from growing a worker without bound. nginx sends a few KiB.
inline constexpr size_t kDefaultMaxParamsSize = 1024 * 1024;

/// Walks the pairs of one buffer without copying.
class NameValueReader {
 public:
  enum class Next { Pair, End, Malformed };

  explicit NameValueReader(std::string_view data) : data_(data) {}

  /// Pair: `name` and `value` point into the buffer. Malformed: a length or a name/value
  /// runs past the end; error() says which.
  Next next(std::string_view& name, std::string_view& value);
  const char* error() const { return error_; }

 private:
  bool readLength(uint32_t& length);

  std::string_view data_;
  const char* error_ = "";
};

/// Encoded size of one pair.
size_t nameValueSize(std::string_view name, std::string_view value);
/// Appends one pair. Each of name and value must be shorter than 2 GiB.
void appendNameValue(std::string& out, std::string_view name, std::string_view value);

/// Gathers the PARAMS records of one request, then decodes them: a pair may straddle
/// records. Keeps its buffer across requests.
class ParamsAssembler {
 public:
  explicit ParamsAssembler(size_t max_size = kDefaultMaxParamsSize) : max_size_(max_size) {}

  /// Appends the content of one PARAMS record; fails once the total exceeds the cap.
  Status append(std::string_view content);
  /// Decodes every pair into `params` (a repeated name keeps its first position and takes
  /// the last value); fails on a truncated pair. Clears the gathered bytes.
  Status finish(cgi::Params& params);
  void reset() { buffer_.clear(); }
  size_t size() const { return buffer_.size(); }

 private:
  size_t max_size_;
  std::string buffer_;
};

}  // namespace fpmd::fastcgi
