#include <gtest/gtest.h>

#include "fastcgi/name_value.h"
#include "fastcgi/record_encoder.h"
#include "fastcgi/record_parser.h"
#include "fastcgi/responder_session.h"
#include "unit/fastcgi/web_server_records.h"

namespace fpmd::fastcgi {
namespace {

std::string begin(uint16_t id, bool keep, uint16_t role = 1) {
  return testing::beginRecord(id, keep, role);
}

std::string request(uint16_t id, bool keep, std::string_view script) {
  return testing::wholeRequest(id, keep, script);
}

struct Parsed {
  std::string stdout_data;
  int end_requests = 0;
  uint8_t last_protocol_status = 0xff;
  std::vector<uint8_t> types;
};

Parsed parse(std::string_view bytes) {
  Parsed parsed;
  RecordParser parser;
  Record record;
  while (parser.next(bytes, record) == RecordParser::Status::Record) {
    parsed.types.push_back(record.type);
    if (record.type == static_cast<uint8_t>(RecordType::Stdout)) {
      parsed.stdout_data += record.content;
    }
    if (record.type == static_cast<uint8_t>(RecordType::EndRequest)) {
      parsed.end_requests++;
      parsed.last_protocol_status = static_cast<uint8_t>(record.content[4]);
    }
  }
  return parsed;
}

ResponderSession session() {
  return ResponderSession([](const cgi::Params& params) {
    return "Content-type: text/plain\r\n\r\npage " + std::string(params.get("SCRIPT_NAME"));
  });
}

TEST(ResponderSession, AnswersWhenTheParamsEndAndIsDoneWithoutKeepConn) {
  ResponderSession s = session();
  std::string out;
  EXPECT_EQ(s.feed(request(1, false, "/status"), out), ResponderSession::State::Done);
  Parsed parsed = parse(out);
  EXPECT_EQ(parsed.stdout_data, "Content-type: text/plain\r\n\r\npage /status");
  EXPECT_EQ(parsed.end_requests, 1);
  EXPECT_EQ(parsed.last_protocol_status, 0);
}

TEST(ResponderSession, ByteByByteAndSeveralRequestsOnAKeptConnection) {
  ResponderSession s = session();
  std::string input = request(1, true, "/a") + request(2, true, "/b");
  std::string out;
  for (char c : input) {
    ASSERT_EQ(s.feed(std::string_view(&c, 1), out), ResponderSession::State::Open);
  }
  Parsed parsed = parse(out);
  EXPECT_EQ(parsed.end_requests, 2);
  EXPECT_EQ(parsed.stdout_data,
            "Content-type: text/plain\r\n\r\npage /aContent-type: text/plain\r\n\r\npage /b");
}

TEST(ResponderSession, GetValuesUnknownTypesRolesAndMultiplexing) {
  ResponderSession s = session();
  std::string out;
  std::string query;
  appendNameValue(query, "FCGI_MPXS_CONNS", "");
  std::string input;
  appendRecord(input, RecordType::GetValues, 0, query);
  appendRecord(input, static_cast<RecordType>(42), 0, {});
  input += begin(1, true, /*role=*/2);  // authorizer: not ours
  input += begin(2, true);
  input += begin(3, true);  // while 2 is open
  EXPECT_EQ(s.feed(input, out), ResponderSession::State::Open);
  Parsed parsed = parse(out);
  ASSERT_EQ(parsed.types.size(), 4U);
  EXPECT_EQ(parsed.types[0], static_cast<uint8_t>(RecordType::GetValuesResult));
  EXPECT_EQ(parsed.types[1], static_cast<uint8_t>(RecordType::UnknownType));
  EXPECT_EQ(parsed.end_requests, 2);
  EXPECT_EQ(parsed.last_protocol_status, static_cast<uint8_t>(ProtocolStatus::CantMpxConn));
}

TEST(ResponderSession, MalformedInputIsInvalidWithAReason) {
  ResponderSession s = session();
  std::string out;
  EXPECT_EQ(s.feed(std::string(16, '\x07'), out), ResponderSession::State::Invalid);
  EXPECT_FALSE(s.error().empty());

  ResponderSession truncated_pair = session();
  std::string input = begin(1, false);
  appendRecord(input, RecordType::Params, 1,
               std::string("\x05\x10"
                           "abc",
                           5));
  appendRecord(input, RecordType::Params, 1, {});
  EXPECT_EQ(truncated_pair.feed(input, out), ResponderSession::State::Invalid);
}

// The workers' Connection drops such a peer (PHP-FPM does too); the master's status socket
// used to skip its records and wait.
TEST(ResponderSession, RecordsBeforeBeginRequestDropTheConnectionAsInTheWorkers) {
  ResponderSession s = session();
  std::string out;
  std::string input;
  appendRecord(input, RecordType::Params, 1, {});
  input += request(1, false, "/status");
  EXPECT_EQ(s.feed(input, out), ResponderSession::State::Invalid);
  EXPECT_NE(s.error().find("before BEGIN_REQUEST"), std::string::npos) << s.error();
  EXPECT_TRUE(out.empty());
}

TEST(ResponderSession, AbortAfterTheAnswerEndsTheRequestWithoutASecondEnd) {
  ResponderSession s = session();
  std::string out;
  std::string input = begin(1, true);
  appendRecord(input, RecordType::Params, 1, {});
  appendRecord(input, RecordType::AbortRequest, 1, {});
  input += request(2, false, "/next");
  EXPECT_EQ(s.feed(input, out), ResponderSession::State::Done);
  Parsed parsed = parse(out);
  EXPECT_EQ(parsed.end_requests, 2);
  EXPECT_NE(parsed.stdout_data.find("page /next"), std::string::npos);
}

}  // namespace
}  // namespace fpmd::fastcgi
