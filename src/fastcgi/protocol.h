#pragma once

// FastCGI 1.0 wire constants and the 8-byte record header (the specification's
// FCGI_Header). Pure: no I/O, no allocation.

#include <cstddef>
#include <cstdint>

namespace fpmd::fastcgi {

inline constexpr uint8_t kVersion1 = 1;
inline constexpr size_t kHeaderSize = 8;
/// The content length field is 16 bits.
inline constexpr size_t kMaxContentLength = 0xffff;
/// Largest multiple of 8 that fits the content length field: records this long need no
/// padding, which is how PHP-FPM splits long output.
inline constexpr size_t kMaxAlignedContentLength = 0xfff8;
/// Request id 0 is reserved for management records (GET_VALUES, UNKNOWN_TYPE).
inline constexpr uint16_t kManagementRequestId = 0;

enum class RecordType : uint8_t {
  BeginRequest = 1,
  AbortRequest = 2,
  EndRequest = 3,
  Params = 4,
  Stdin = 5,
  Stdout = 6,
  Stderr = 7,
  Data = 8,
  GetValues = 9,
  GetValuesResult = 10,
  UnknownType = 11,
};

/// True for the types the 1.0 specification defines (1..11).
constexpr bool isKnownType(uint8_t type) {
  return type >= 1 && type <= 11;
}

enum class Role : uint16_t { Responder = 1, Authorizer = 2, Filter = 3 };

/// FCGI_BEGIN_REQUEST flags.
inline constexpr uint8_t kKeepConn = 1;

/// FCGI_END_REQUEST protocolStatus values.
enum class ProtocolStatus : uint8_t {
  RequestComplete = 0,
  CantMpxConn = 1,
  Overloaded = 2,
  UnknownRole = 3,
};

/// Content sizes of the fixed-size record bodies.
inline constexpr size_t kBeginRequestBodySize = 8;
inline constexpr size_t kEndRequestBodySize = 8;
inline constexpr size_t kUnknownTypeBodySize = 8;

/// FCGI_GET_VALUES variable names.
inline constexpr char kMaxConnsName[] = "FCGI_MAX_CONNS";
inline constexpr char kMaxReqsName[] = "FCGI_MAX_REQS";
inline constexpr char kMpxsConnsName[] = "FCGI_MPXS_CONNS";

struct RecordHeader {
  uint8_t version = kVersion1;
  uint8_t type = 0;  // raw: unknown types must survive decoding to be answered
  uint16_t request_id = 0;
  uint16_t content_length = 0;
  uint8_t padding_length = 0;
};

/// Padding that brings `content_length` to a multiple of 8, as PHP-FPM sends.
constexpr uint8_t paddingFor(size_t content_length) {
  return static_cast<uint8_t>((8 - (content_length & 7)) & 7);
}

/// Writes the 8 header bytes to `out` (the reserved byte is 0).
inline void encodeHeader(const RecordHeader& header, unsigned char* out) {
  out[0] = header.version;
  out[1] = header.type;
  out[2] = static_cast<unsigned char>(header.request_id >> 8);
  out[3] = static_cast<unsigned char>(header.request_id & 0xff);
  out[4] = static_cast<unsigned char>(header.content_length >> 8);
  out[5] = static_cast<unsigned char>(header.content_length & 0xff);
  out[6] = header.padding_length;
  out[7] = 0;
}

/// Reads 8 header bytes. Does not validate: the caller checks the version.
inline RecordHeader decodeHeader(const unsigned char* in) {
  RecordHeader header;
  header.version = in[0];
  header.type = in[1];
  header.request_id = static_cast<uint16_t>((in[2] << 8) | in[3]);
  header.content_length = static_cast<uint16_t>((in[4] << 8) | in[5]);
  header.padding_length = in[6];
  return header;
}

}  // namespace fpmd::fastcgi
