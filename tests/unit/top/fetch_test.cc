#include <gtest/gtest.h>

#include <map>

#include "fastcgi/name_value.h"
#include "fastcgi/record_parser.h"
#include "top/fetch.h"

namespace fpmd::top {
namespace {

TEST(StatusCliAddress, UnixPaths) {
  auto plain = top::parseStatusAddress("/run/php/php8.2-fpm.sock");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->kind, StatusAddress::Kind::Unix);
  EXPECT_EQ(plain->path, "/run/php/php8.2-fpm.sock");
  auto prefixed = top::parseStatusAddress("unix:/tmp/a:b.sock");  // the prefix allows a ':'
  ASSERT_TRUE(prefixed) << prefixed.error();
  EXPECT_EQ(prefixed->kind, StatusAddress::Kind::Unix);
  EXPECT_EQ(prefixed->path, "/tmp/a:b.sock");
  auto relative = top::parseStatusAddress("fpm.sock");
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->path, "fpm.sock");
}

TEST(StatusCliAddress, TcpAddresses) {
  auto v4 = top::parseStatusAddress("127.0.0.1:9000");
  ASSERT_TRUE(v4) << v4.error();
  EXPECT_EQ(v4->kind, StatusAddress::Kind::Tcp);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, "9000");
  auto v6 = top::parseStatusAddress("[::1]:9001");
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9001");
  auto name = top::parseStatusAddress("localhost:9002");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
  // A pool listening on every address is reached on this host.
  for (const char* any : {"9003", "*:9003", "[::]:9003"}) {
    auto local = top::parseStatusAddress(any);
    ASSERT_TRUE(local) << any;
    EXPECT_EQ(local->kind, StatusAddress::Kind::Tcp) << any;
    EXPECT_EQ(local->port, "9003") << any;
  }
  EXPECT_EQ(top::parseStatusAddress("9003")->host, "localhost");
}

TEST(StatusCliAddress, Invalid) {
  EXPECT_FALSE(top::parseStatusAddress(""));
  EXPECT_FALSE(top::parseStatusAddress("unix:"));
  EXPECT_FALSE(top::parseStatusAddress("host:http"));
  EXPECT_FALSE(top::parseStatusAddress("host:70000"));
  EXPECT_FALSE(top::parseStatusAddress("::1:9000"));  // IPv6 needs brackets
}

TEST(StatusCliCgi, SplitsHeadersAndBody) {
  auto response = top::parseCgiResponse(
      "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-type: application/json\r\n\r\n{}");
  ASSERT_TRUE(response) << response.error();
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(response->headers.size(), 2U);
  EXPECT_EQ(response->headers[1].first, "Content-type");
  EXPECT_EQ(response->headers[1].second, "application/json");
  EXPECT_EQ(response->body, "{}");
}

TEST(StatusCliCgi, StatusHeader) {
  auto missing =
      top::parseCgiResponse("Status: 404 Not Found\nContent-type: text/html\n\nFile not found.\n");
  ASSERT_TRUE(missing) << missing.error();
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->reason, "Not Found");
  EXPECT_EQ(missing->body, "File not found.\n");
  auto bare = top::parseCgiResponse("status: 503\r\n\r\n");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 503);
  EXPECT_EQ(bare->body, "");
}

TEST(StatusCliCgi, Malformed) {
  EXPECT_FALSE(top::parseCgiResponse("Content-type: text/plain\r\n"));  // no end of headers
  EXPECT_FALSE(top::parseCgiResponse("no colon here\r\n\r\n"));
  EXPECT_FALSE(top::parseCgiResponse("Status: abc\r\n\r\n"));
  EXPECT_FALSE(top::parseCgiResponse(""));
}

TEST(StatusCliRequest, AsAWebServerSendsIt) {
  std::string bytes = top::encodeStatusRequest("/fpm-status", "json&full");
  fastcgi::RecordParser parser;
  std::string_view input(bytes);
  fastcgi::Record record;
  std::vector<uint8_t> types;
  std::string params;
  bool keep_conn = true;
  while (parser.next(input, record) == fastcgi::RecordParser::Status::Record) {
    EXPECT_EQ(record.request_id, 1);
    types.push_back(record.type);
    if (record.type == static_cast<uint8_t>(fastcgi::RecordType::BeginRequest)) {
      ASSERT_EQ(record.content.size(), 8U);
      EXPECT_EQ(record.content[1], 1);  // responder
      keep_conn = (record.content[2] & fastcgi::kKeepConn) != 0;
    }
    if (record.type == static_cast<uint8_t>(fastcgi::RecordType::Params)) {
      params += record.content;
    }
  }
  EXPECT_TRUE(input.empty());
  EXPECT_FALSE(keep_conn);
  using T = fastcgi::RecordType;
  EXPECT_EQ(types, (std::vector<uint8_t>{
                       static_cast<uint8_t>(T::BeginRequest), static_cast<uint8_t>(T::Params),
                       static_cast<uint8_t>(T::Params), static_cast<uint8_t>(T::Stdin)}));
  std::map<std::string, std::string> pairs;
  fastcgi::NameValueReader reader(params);
  std::string_view name, value;
  while (reader.next(name, value) == fastcgi::NameValueReader::Next::Pair) {
    pairs.emplace(name, value);
  }
  EXPECT_EQ(pairs["REQUEST_METHOD"], "GET");
  EXPECT_EQ(pairs["SCRIPT_NAME"], "/fpm-status");
  EXPECT_EQ(pairs["SCRIPT_FILENAME"], "/fpm-status");
  EXPECT_EQ(pairs["QUERY_STRING"], "json&full");
  EXPECT_EQ(pairs["REQUEST_URI"], "/fpm-status?json&full");
}

}  // namespace
}  // namespace fpmd::top
