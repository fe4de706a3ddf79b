#include "fastcgi/unavailable_answer.h"

#include <gtest/gtest.h>

#include "fastcgi/client_codec.h"
#include "unit/fastcgi/web_server_records.h"

namespace fpmd::fastcgi {
namespace {

TEST(UnavailableAnswer, FindsTheRequestIdOfAWholeRequest) {
  EXPECT_EQ(firstRequestId(testing::wholeRequest(7, false, "/index.php")), 7);
  EXPECT_EQ(firstRequestId(testing::beginRecord(300, true)), 300);
}

TEST(UnavailableAnswer, NoIdWithoutAWholeBeginRequest) {
  std::string begin = testing::beginRecord(7, false);
  EXPECT_EQ(firstRequestId(begin.substr(0, begin.size() - 1)), std::nullopt);
  EXPECT_EQ(firstRequestId(""), std::nullopt);
  EXPECT_EQ(firstRequestId("GET / HTTP/1.1\r\n\r\n"), std::nullopt);
  std::string params;
  appendRecord(params, RecordType::Params, 7, {});
  EXPECT_EQ(firstRequestId(params), std::nullopt);
}

TEST(UnavailableAnswer, IsA503WithRetryAfterThatEndsTheRequest) {
  std::string bytes = unavailableResponse(7, 5);
  ResponseReader reader(7);
  std::string_view data = bytes;
  EXPECT_EQ(reader.feed(data), ResponseReader::State::Complete);
  EXPECT_TRUE(data.empty());
  EXPECT_EQ(reader.protocolStatus(), ProtocolStatus::RequestComplete);
  EXPECT_EQ(reader.appStatus(), 0u);
  EXPECT_EQ(reader.out().rfind("Status: 503 Service Unavailable\r\n", 0), 0u) << reader.out();
  EXPECT_NE(reader.out().find("\r\nRetry-After: 5\r\n"), std::string::npos) << reader.out();
  EXPECT_NE(reader.out().find("\r\n\r\n503 Service Unavailable"), std::string::npos);
}

}  // namespace
}  // namespace fpmd::fastcgi
