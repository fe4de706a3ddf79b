// The pure FastCGI codec: record headers, the incremental parser, name-value pairs, the
// params cap, the record encoders and the client-side helpers.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "fastcgi/client_codec.h"
#include "fastcgi/management.h"
#include "fastcgi/name_value.h"
#include "fastcgi/output_buffer.h"
#include "fastcgi/protocol.h"
#include "fastcgi/record_encoder.h"
#include "fastcgi/record_parser.h"

namespace fpmd::fastcgi {
namespace {

using namespace std::string_literals;

struct Parsed {
  uint8_t type;
  uint16_t id;
  std::string content;
  bool operator==(const Parsed&) const = default;
};

// Feeds `bytes` in chunks of `chunk` bytes and collects every record.
std::vector<Parsed> parseAll(std::string_view bytes, size_t chunk, bool* error = nullptr) {
  RecordParser parser;
  std::vector<Parsed> records;
  while (!bytes.empty()) {
    std::string_view piece = bytes.substr(0, chunk);
    bytes.remove_prefix(piece.size());
    Record record;
    RecordParser::Status status;
    while ((status = parser.next(piece, record)) == RecordParser::Status::Record) {
      records.push_back({record.type, record.request_id, std::string(record.content)});
    }
    if (status == RecordParser::Status::Error) {
      if (error) *error = true;
      return records;
    }
    EXPECT_TRUE(piece.empty());
  }
  EXPECT_TRUE(parser.atBoundary());
  return records;
}

TEST(FastcgiHeaderTest, EncodesAndDecodes) {
  RecordHeader header;
  header.type = static_cast<uint8_t>(RecordType::Stdout);
  header.request_id = 0x1234;
  header.content_length = 0xabcd;
  header.padding_length = 3;
  unsigned char bytes[kHeaderSize];
  encodeHeader(header, bytes);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(bytes), kHeaderSize),
            "\x01\x06\x12\x34\xab\xcd\x03\x00"s);
  RecordHeader back = decodeHeader(bytes);
  EXPECT_EQ(back.version, 1);
  EXPECT_EQ(back.type, 6);
  EXPECT_EQ(back.request_id, 0x1234);
  EXPECT_EQ(back.content_length, 0xabcd);
  EXPECT_EQ(back.padding_length, 3);
}

TEST(FastcgiHeaderTest, PaddingReachesMultipleOfEight) {
  EXPECT_EQ(paddingFor(0), 0);
  EXPECT_EQ(paddingFor(1), 7);
  EXPECT_EQ(paddingFor(8), 0);
  EXPECT_EQ(paddingFor(13), 3);
  EXPECT_EQ(paddingFor(0xffff), 1);
}

std::string sampleStream() {
  std::string bytes;
  appendRecord(bytes, RecordType::BeginRequest, 1, "\x00\x01\x01\x00\x00\x00\x00\x00"s);
  appendRecord(bytes, RecordType::Params, 1,
               "\x01\x02"
               "ABC");
  appendRecord(bytes, RecordType::Params, 1, {});
  appendRecord(bytes, RecordType::Stdin, 1, std::string(70000 - 0xfff8, 'x'));
  bytes +=
      "\x01\x05\x00\x01\x00\x03\x05\x00"
      "abc"
      "\x01\x02\x03\x04\x05"s;  // odd padding
  appendRecord(bytes, RecordType::Stdin, 1, {});
  return bytes;
}

std::vector<Parsed> sampleRecords() {
  return {{1, 1, "\x00\x01\x01\x00\x00\x00\x00\x00"s},
          {4, 1,
           "\x01\x02"
           "ABC"},
          {4, 1, ""},
          {5, 1, std::string(70000 - 0xfff8, 'x')},
          {5, 1, "abc"},
          {5, 1, ""}};
}

TEST(FastcgiRecordParserTest, ParsesWholeBuffer) {
  EXPECT_EQ(parseAll(sampleStream(), 1 << 20), sampleRecords());
}

TEST(FastcgiRecordParserTest, ParsesByteByByte) {
  EXPECT_EQ(parseAll(sampleStream(), 1), sampleRecords());
}

TEST(FastcgiRecordParserTest, ParsesAnyChunkSize) {
  for (size_t chunk : {2, 3, 7, 8, 9, 13, 64, 4095}) {
    EXPECT_EQ(parseAll(sampleStream(), chunk), sampleRecords()) << "chunk " << chunk;
  }
}

TEST(FastcgiRecordParserTest, MaximumContentLength) {
  std::string big(kMaxContentLength, 'q');
  std::string bytes;
  appendRecord(bytes, RecordType::Stdin, 7, big);
  EXPECT_EQ(bytes.size(), kHeaderSize + kMaxContentLength + 1);
  std::vector<Parsed> expected = {{5, 7, big}};
  EXPECT_EQ(parseAll(bytes, 1000), expected);
}

TEST(FastcgiRecordParserTest, WholeRecordIsNotCopied) {
  std::string bytes;
  appendRecord(bytes, RecordType::Stdin, 1, "payload");
  std::string_view input(bytes);
  RecordParser parser;
  Record record;
  ASSERT_EQ(parser.next(input, record), RecordParser::Status::Record);
  EXPECT_EQ(record.content, "payload");
  EXPECT_EQ(record.content.data(), bytes.data() + kHeaderSize);
  EXPECT_TRUE(input.empty());
  EXPECT_TRUE(parser.atBoundary());
}

TEST(FastcgiRecordParserTest, BoundaryTracksPartialRecords) {
  std::string bytes;
  appendRecord(bytes, RecordType::Stdin, 1, "abc");  // 3 bytes + 5 padding
  RecordParser parser;
  Record record;
  std::string_view head = std::string_view(bytes).substr(0, 4);
  EXPECT_EQ(parser.next(head, record), RecordParser::Status::NeedMore);
  EXPECT_FALSE(parser.atBoundary());
  std::string_view rest = std::string_view(bytes).substr(4, 9);  // ends inside the padding
  EXPECT_EQ(parser.next(rest, record), RecordParser::Status::Record);
  EXPECT_FALSE(parser.atBoundary());
  std::string_view padding = std::string_view(bytes).substr(13);
  EXPECT_EQ(parser.next(padding, record), RecordParser::Status::NeedMore);
  EXPECT_TRUE(parser.atBoundary());
}

TEST(FastcgiRecordParserTest, RejectsBadVersionAndStaysFailed) {
  std::string bytes = "\x02\x01\x00\x01\x00\x00\x00\x00"s;
  bool error = false;
  EXPECT_TRUE(parseAll(bytes, 3, &error).empty());
  EXPECT_TRUE(error);

  RecordParser parser;
  Record record;
  std::string_view input = bytes;
  EXPECT_EQ(parser.next(input, record), RecordParser::Status::Error);
  EXPECT_NE(parser.error().find("version 2"), std::string::npos) << parser.error();
  std::string good;
  appendRecord(good, RecordType::Stdin, 1, {});
  std::string_view more = good;
  EXPECT_EQ(parser.next(more, record), RecordParser::Status::Error);
  parser.reset();
  EXPECT_EQ(parser.next(more, record), RecordParser::Status::Record);
}

TEST(FastcgiNameValueTest, DecodesShortAndLongLengths) {
  std::string long_name(200, 'n');
  std::string long_value(70000, 'v');
  std::string bytes =
      "\x03\x05"
      "ONEvalue"s;
  bytes += "\x80\x00\x00\xc8\x80\x01\x11\x70"s + long_name + long_value;
  bytes += "\x00\x00"s;  // empty name and value are legal
  NameValueReader reader(bytes);
  std::string_view name;
  std::string_view value;
  ASSERT_EQ(reader.next(name, value), NameValueReader::Next::Pair);
  EXPECT_EQ(name, "ONE");
  EXPECT_EQ(value, "value");
  ASSERT_EQ(reader.next(name, value), NameValueReader::Next::Pair);
  EXPECT_EQ(name, long_name);
  EXPECT_EQ(value.size(), 70000u);
  ASSERT_EQ(reader.next(name, value), NameValueReader::Next::Pair);
  EXPECT_TRUE(name.empty());
  EXPECT_TRUE(value.empty());
  EXPECT_EQ(reader.next(name, value), NameValueReader::Next::End);
}

TEST(FastcgiNameValueTest, EncodesWithTheShortestLength) {
  std::string out;
  appendNameValue(out, "A", std::string(127, 'b'));
  EXPECT_EQ(out.substr(0, 3),
            "\x01\x7f"
            "A");
  EXPECT_EQ(nameValueSize("A", std::string(127, 'b')), out.size());
  out.clear();
  appendNameValue(out, std::string(128, 'a'), "x");
  EXPECT_EQ(out.substr(0, 5), "\x80\x00\x00\x80\x01"s);
  EXPECT_EQ(nameValueSize(std::string(128, 'a'), "x"), out.size());

  NameValueReader reader(out);
  std::string_view name;
  std::string_view value;
  ASSERT_EQ(reader.next(name, value), NameValueReader::Next::Pair);
  EXPECT_EQ(name, std::string(128, 'a'));
  EXPECT_EQ(value, "x");
}

TEST(FastcgiNameValueTest, RejectsTruncatedPairs) {
  for (std::string bytes : {"\x05"s, "\x80\x00\x00"s, "\x01\x80\x00"s,
                            "\x03\x03"
                            "abcde"s,
                            "\xff\xff\xff\xff\xff\xff\xff\xff"s}) {
    NameValueReader reader(bytes);
    std::string_view name;
    std::string_view value;
    EXPECT_EQ(reader.next(name, value), NameValueReader::Next::Malformed) << bytes.size();
    EXPECT_STRNE(reader.error(), "");
  }
}

TEST(FastcgiParamsAssemblerTest, PairsMayStraddleRecords) {
  std::string encoded;
  appendNameValue(encoded, "SCRIPT_FILENAME", "/srv/index.php");
  appendNameValue(encoded, "A", "1");
  appendNameValue(encoded, "A", "2");  // repeated: first position, last value
  ParamsAssembler assembler;
  for (char c : encoded) ASSERT_TRUE(assembler.append(std::string_view(&c, 1)));
  cgi::Params params;
  ASSERT_TRUE(assembler.finish(params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params.entries()[0].first, "SCRIPT_FILENAME");
  EXPECT_EQ(params.get("SCRIPT_FILENAME"), "/srv/index.php");
  EXPECT_EQ(params.get("A"), "2");
  EXPECT_EQ(assembler.size(), 0u);
}

TEST(FastcgiParamsAssemblerTest, EnforcesTheCap) {
  ParamsAssembler assembler(10);
  EXPECT_TRUE(assembler.append("12345"));
  EXPECT_TRUE(assembler.append("67890"));
  Status status = assembler.append("x");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error(), "FastCGI params larger than 10 bytes");
}

TEST(FastcgiParamsAssemblerTest, RejectsTruncatedParams) {
  ParamsAssembler assembler;
  ASSERT_TRUE(
      assembler.append("\x04\x04"
                       "NAMEval"));
  cgi::Params params;
  Status status = assembler.finish(params);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().find("malformed FastCGI params"), std::string::npos);
}

TEST(FastcgiEncoderTest, SplitsLongStreamsWithoutPadding) {
  std::string data(0xfff8 * 2 + 5, 'd');
  std::string bytes;
  appendStream(bytes, RecordType::Stdout, 3, data);
  auto records = parseAll(bytes, 1 << 20);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].content.size(), 0xfff8u);
  EXPECT_EQ(records[1].content.size(), 0xfff8u);
  EXPECT_EQ(records[2].content.size(), 5u);
  EXPECT_EQ(bytes.size(), 3 * kHeaderSize + data.size() + 3);  // only the last is padded
  EXPECT_EQ(records[0].content + records[1].content + records[2].content, data);
  std::string none;
  appendStream(none, RecordType::Stdout, 3, {});
  EXPECT_TRUE(none.empty());
}

TEST(FastcgiEncoderTest, EndRequestAndUnknownType) {
  std::string bytes;
  appendEndRequest(bytes, 0x0102, 0x0a0b0c0d, ProtocolStatus::CantMpxConn);
  EXPECT_EQ(bytes, "\x01\x03\x01\x02\x00\x08\x00\x00\x0a\x0b\x0c\x0d\x01\x00\x00\x00"s);
  bytes.clear();
  appendUnknownType(bytes, 42);
  EXPECT_EQ(bytes, "\x01\x0b\x00\x00\x00\x08\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00"s);
}

TEST(FastcgiGetValuesTest, AnswersKnownNamesInOrder) {
  std::string query;
  std::vector<std::string_view> names = {"FCGI_MPXS_CONNS", "OTHER", "FCGI_MAX_REQS",
                                         "FCGI_MAX_CONNS"};
  appendGetValues(query, names);
  auto records = parseAll(query, 1 << 20);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id, 0);

  std::string answer;
  ASSERT_TRUE(appendGetValuesResult(answer, records[0].content, ServerValues{50, 60}));
  ResponseReader reader(0);
  std::string_view input = answer;
  ASSERT_EQ(reader.feed(input), ResponseReader::State::Complete);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"FCGI_MPXS_CONNS", "0"}, {"FCGI_MAX_REQS", "60"}, {"FCGI_MAX_CONNS", "50"}};
  EXPECT_EQ(reader.values(), expected);
  EXPECT_EQ(answer.size() % 8, 0u);

  std::string bad;
  EXPECT_FALSE(appendGetValuesResult(bad, "\x10", ServerValues{}));
}

TEST(FastcgiOutputBufferTest, MergesWritesAndKeepsStreamOrder) {
  OutputBuffer out;
  out.setRequestId(1);
  out.append(RecordType::Stdout, "ab");
  out.append(RecordType::Stdout, "cd");
  out.append(RecordType::Stderr, "E");
  out.append(RecordType::Stdout, "x");
  EXPECT_EQ(out.records(),
            "\x01\x06\x00\x01\x00\x04\x04\x00"
            "abcd\0\0\0\0"
            "\x01\x07\x00\x01\x00\x01\x07\x00"
            "E\0\0\0\0\0\0\0"
            "\x01\x06\x00\x01\x00\x01\x07\x00"
            "x\0\0\0\0\0\0\0"s);
  out.clear();
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(out.records().empty());
}

TEST(FastcgiOutputBufferTest, ClosesRecordsAtTheAlignedMaximum) {
  OutputBuffer out;
  out.setRequestId(9);
  std::string data(0xfff8 + 10, 'z');
  out.append(RecordType::Stdout, data.substr(0, 100));
  out.append(RecordType::Stdout, data.substr(100));
  auto records = parseAll(out.records(), 1 << 20);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].content.size(), 0xfff8u);
  EXPECT_EQ(records[1].content.size(), 10u);
  EXPECT_EQ(records[0].id, 9);
}

TEST(FastcgiClientCodecTest, BuildsARequest) {
  std::string bytes;
  appendBeginRequest(bytes, 1, Role::Responder, true);
  ParamList params = {{"A", "1"}, {std::string(300, 'N'), std::string(70000, 'V')}};
  appendParams(bytes, 1, params);
  appendStdin(bytes, 1, "body");
  appendAbortRequest(bytes, 1);
  auto records = parseAll(bytes, 977);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0], (Parsed{1, 1, "\x00\x01\x01\x00\x00\x00\x00\x00"s}));
  ParamsAssembler assembler;
  EXPECT_EQ(records[1].type, 4);
  EXPECT_EQ(records[2].type, 4);
  ASSERT_TRUE(assembler.append(records[1].content));
  ASSERT_TRUE(assembler.append(records[2].content));
  EXPECT_EQ(records[3], (Parsed{4, 1, ""}));
  cgi::Params decoded;
  ASSERT_TRUE(assembler.finish(decoded));
  EXPECT_EQ(decoded.entries(), params);
  EXPECT_EQ(records[4], (Parsed{5, 1, "body"}));
  EXPECT_EQ(records[5], (Parsed{5, 1, ""}));
  EXPECT_EQ(records[6], (Parsed{2, 1, ""}));
}

TEST(FastcgiResponseReaderTest, CollectsStreamsUntilEndRequest) {
  std::string bytes;
  appendStream(bytes, RecordType::Stdout, 1, "out1");
  appendStream(bytes, RecordType::Stderr, 1, "err");
  appendUnknownType(bytes, 77);
  appendStream(bytes, RecordType::Stdout, 1, "out2");
  appendRecord(bytes, RecordType::Stdout, 1, {});
  appendEndRequest(bytes, 1, 3, ProtocolStatus::RequestComplete);
  bytes += "next";
  ResponseReader reader(1);
  std::string_view input = bytes;
  for (size_t i = 0; i + 4 < bytes.size(); ++i) {
    std::string_view one = input.substr(0, 1);
    input.remove_prefix(1);
    EXPECT_EQ(reader.feed(one), i + 5 == bytes.size() ? ResponseReader::State::Complete
                                                      : ResponseReader::State::InProgress);
  }
  EXPECT_EQ(input, "next");
  EXPECT_EQ(reader.out(), "out1out2");
  EXPECT_EQ(reader.err(), "err");
  EXPECT_TRUE(reader.stdoutClosed());
  EXPECT_EQ(reader.appStatus(), 3u);
  EXPECT_EQ(reader.unknownTypes(), std::vector<uint8_t>{77});
}

TEST(FastcgiResponseReaderTest, RejectsOtherRequestIds) {
  std::string bytes;
  appendStream(bytes, RecordType::Stdout, 2, "x");
  ResponseReader reader(1);
  std::string_view input = bytes;
  EXPECT_EQ(reader.feed(input), ResponseReader::State::Error);
  EXPECT_FALSE(reader.error().empty());
}

}  // namespace
}  // namespace fpmd::fastcgi
