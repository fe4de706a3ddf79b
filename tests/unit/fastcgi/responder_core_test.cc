#include "fastcgi/responder_core.h"

#include <gtest/gtest.h>

#include <vector>

#include "fastcgi/record_parser.h"
#include "unit/fastcgi/web_server_records.h"

namespace fpmd::fastcgi {
namespace {

using Event = ResponderCore::Event;
using Phase = ResponderCore::Phase;

/// Feeds every record of `bytes` to the core; the events in order.
std::vector<Event> feed(ResponderCore& core, std::string_view bytes, std::string& out) {
  std::vector<Event> events;
  RecordParser parser;
  Record record;
  while (parser.next(bytes, record) == RecordParser::Status::Record) {
    events.push_back(core.onRecord(record, out));
    if (events.back() == Event::Failed) break;
  }
  return events;
}

std::string record(RecordType type, uint16_t id, std::string_view content = {}) {
  std::string out;
  appendRecord(out, type, id, content);
  return out;
}

TEST(ResponderCoreTest, WalksThePhasesOfOneRequest) {
  ResponderCore core;
  std::string out;
  std::string pairs;
  appendNameValue(pairs, "SCRIPT_NAME", "/a.php");
  EXPECT_EQ(feed(core, testing::beginRecord(7, true), out), std::vector{Event::None});
  EXPECT_EQ(core.phase(), Phase::Params);
  EXPECT_EQ(core.requestId(), 7);
  EXPECT_TRUE(core.keepConn());
  EXPECT_EQ(feed(core, record(RecordType::Params, 7, pairs) + record(RecordType::Params, 7), out),
            (std::vector{Event::None, Event::RequestReady}));
  EXPECT_EQ(core.phase(), Phase::Body);
  EXPECT_EQ(core.params().get("FCGI_ROLE"), "RESPONDER");
  EXPECT_EQ(core.params().get("SCRIPT_NAME"), "/a.php");
  const std::string body = record(RecordType::Stdin, 7, "abc");  // stdin() views into it
  EXPECT_EQ(feed(core, body, out), std::vector{Event::Stdin});
  EXPECT_EQ(core.stdin(), "abc");
  EXPECT_EQ(feed(core, record(RecordType::Stdin, 7), out), std::vector{Event::StdinEnded});
  EXPECT_EQ(core.phase(), Phase::BodyEnded);
  EXPECT_TRUE(out.empty());
  core.endRequest();
  EXPECT_EQ(core.phase(), Phase::BetweenRequests);
  EXPECT_FALSE(core.active());
}

TEST(ResponderCoreTest, AnswersManagementRecordsInEveryPhase) {
  ResponderCore core(ServerValues{5, 5});
  std::string out;
  std::string query;
  appendNameValue(query, "FCGI_MAX_CONNS", "");
  feed(core, record(RecordType::GetValues, 0, query), out);
  feed(core, testing::beginRecord(1, false), out);
  feed(core, record(static_cast<RecordType>(99), 1), out);  // unknown type, any id
  RecordParser parser;
  Record reply;
  std::string_view bytes = out;
  ASSERT_EQ(parser.next(bytes, reply), RecordParser::Status::Record);
  EXPECT_EQ(reply.type, static_cast<uint8_t>(RecordType::GetValuesResult));
  EXPECT_NE(reply.content.find("5"), std::string_view::npos);
  ASSERT_EQ(parser.next(bytes, reply), RecordParser::Status::Record);
  EXPECT_EQ(reply.type, static_cast<uint8_t>(RecordType::UnknownType));
  EXPECT_EQ(core.phase(), Phase::Params);
}

TEST(ResponderCoreTest, RefusesOtherRolesAndIgnoresTheRestOfThatRequest) {
  ResponderCore core;
  std::string out;
  EXPECT_EQ(feed(core, testing::beginRecord(3, true, /*role=*/2), out),
            std::vector{Event::Refused});
  EXPECT_EQ(core.refusedRole(), 2u);
  EXPECT_TRUE(core.keepConn());
  EXPECT_FALSE(core.active());
  EXPECT_EQ(feed(core, record(RecordType::Params, 3), out), std::vector{Event::None});
  EXPECT_FALSE(out.empty());  // END_REQUEST with FCGI_UNKNOWN_ROLE
}

TEST(ResponderCoreTest, OutOfOrderRecordsFailWithAReason) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string says;
  };
  std::vector<Case> cases = {
      {"params before begin", record(RecordType::Params, 1), "before BEGIN_REQUEST"},
      {"stdin before params end", testing::beginRecord(1, false) + record(RecordType::Stdin, 1),
       "STDIN before the end of PARAMS"},
      {"second begin", testing::beginRecord(1, false) + testing::beginRecord(1, false),
       "second BEGIN_REQUEST"},
      {"params after their end",
       testing::beginRecord(1, false) + record(RecordType::Params, 1) +
           record(RecordType::Params, 1),
       "after the end of PARAMS"},
      {"stdout from the web server", record(RecordType::Stdout, 1), "sent by applications"},
      {"short begin body", record(RecordType::BeginRequest, 1, "abc"), "3 bytes instead of 8"},
  };
  for (const Case& c : cases) {
    ResponderCore core;
    std::string out;
    std::vector<Event> events = feed(core, c.bytes, out);
    ASSERT_FALSE(events.empty()) << c.name;
    EXPECT_EQ(events.back(), Event::Failed) << c.name;
    EXPECT_NE(core.error().find(c.says), std::string::npos) << c.name << ": " << core.error();
  }
}

TEST(ResponderCoreTest, OtherRequestIdsAreRefusedOrIgnoredWhileOneRuns) {
  ResponderCore core;
  std::string out;
  feed(core, testing::beginRecord(1, true), out);
  EXPECT_EQ(feed(core, testing::beginRecord(2, true), out), std::vector{Event::None});
  EXPECT_FALSE(out.empty());  // FCGI_CANT_MPX_CONN for 2
  EXPECT_EQ(feed(core, record(RecordType::Params, 2), out), std::vector{Event::None});
  EXPECT_EQ(core.requestId(), 1);
  EXPECT_EQ(core.phase(), Phase::Params);
}

TEST(ResponderCoreTest, AbortBeforeTheParamsEndIsAnsweredHere) {
  ResponderCore core;
  std::string out;
  feed(core, testing::beginRecord(4, true), out);
  EXPECT_EQ(feed(core, record(RecordType::AbortRequest, 4), out), std::vector{Event::Aborted});
  EXPECT_TRUE(core.abortedBeforeStart());
  EXPECT_TRUE(core.keepConn());
  EXPECT_FALSE(core.active());
  EXPECT_FALSE(out.empty());  // END_REQUEST

  std::string later;
  feed(core, testing::beginRecord(5, false) + record(RecordType::Params, 5), later);
  EXPECT_EQ(feed(core, record(RecordType::AbortRequest, 5), later), std::vector{Event::Aborted});
  EXPECT_FALSE(core.abortedBeforeStart());
  EXPECT_TRUE(core.active());  // the driver answers and ends it
  EXPECT_TRUE(later.empty());
}

TEST(ResponderCoreTest, AssemblesIntoTheDriversParamsWhenGivenThem) {
  ResponderCore core;
  cgi::Params mine;
  mine.set("STALE", "from the last request");
  core.assembleParamsInto(mine);
  std::string out;
  std::string pairs;
  appendNameValue(pairs, "SCRIPT_NAME", "/b.php");
  feed(core,
       testing::beginRecord(1, false) + record(RecordType::Params, 1, pairs) +
           record(RecordType::Params, 1),
       out);
  EXPECT_EQ(&core.params(), &mine);
  EXPECT_EQ(mine.get("SCRIPT_NAME"), "/b.php");
  EXPECT_FALSE(mine.has("STALE"));
  EXPECT_EQ(mine.entries().front().first, "FCGI_ROLE");
}

}  // namespace
}  // namespace fpmd::fastcgi
