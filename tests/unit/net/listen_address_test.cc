#include <gtest/gtest.h>

#include "net/listen_address.h"

namespace fpmd::net {
namespace {

TEST(ListenAddress, UnixPathHasNoColon) {
  auto address = parseListenAddress("/run/php/php8.2-fpm.sock");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->kind, ListenAddress::Kind::Unix);
  EXPECT_EQ(address->path, "/run/php/php8.2-fpm.sock");
  EXPECT_EQ(address->key(), "/run/php/php8.2-fpm.sock");
}

TEST(ListenAddress, Ipv4AndPort) {
  auto address = parseListenAddress("127.0.0.1:9000");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->kind, ListenAddress::Kind::Inet);
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 9000);
  EXPECT_EQ(address->key(), "127.0.0.1:9000");
}

TEST(ListenAddress, BracketedIpv6) {
  auto address = parseListenAddress("[::1]:9001");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->kind, ListenAddress::Kind::Inet6);
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 9001);
  EXPECT_EQ(address->key(), "[::1]:9001");
}

TEST(ListenAddress, PortAloneMeansEveryAddress) {
  auto address = parseListenAddress("9000");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->kind, ListenAddress::Kind::AnyPort);
  EXPECT_EQ(address->port, 9000);
  auto star = parseListenAddress("*:9000");
  ASSERT_TRUE(star.ok());
  EXPECT_EQ(star->kind, ListenAddress::Kind::AnyPort);
}

TEST(ListenAddress, RejectsBadPorts) {
  EXPECT_FALSE(parseListenAddress("127.0.0.1:").ok());
  EXPECT_FALSE(parseListenAddress("127.0.0.1:http").ok());
  EXPECT_FALSE(parseListenAddress("127.0.0.1:70000").ok());
  EXPECT_FALSE(parseListenAddress("0").ok());
  EXPECT_FALSE(parseListenAddress("").ok());
}

}  // namespace
}  // namespace fpmd::net
