#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include <string>
#include <vector>

#include "net/allowed_clients.h"
#include "net/inherited_sockets.h"

namespace fpmd::net {
namespace {

sockaddr_in v4(const char* text) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  inet_pton(AF_INET, text, &sin.sin_addr);
  return sin;
}

sockaddr_in6 v6(const char* text) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &sin6.sin6_addr);
  return sin6;
}

TEST(AllowedClients, EmptyAllowsEveryone) {
  std::vector<std::string> rejected;
  auto clients = AllowedClients::parse("", &rejected);
  auto addr = v4("10.1.2.3");
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&addr)));
  EXPECT_TRUE(clients.allowsAll());
  EXPECT_TRUE(rejected.empty());
}

TEST(AllowedClients, MatchesListedAddressesOnly) {
  std::vector<std::string> rejected;
  auto clients = AllowedClients::parse("127.0.0.1,::1", &rejected);
  auto local = v4("127.0.0.1");
  auto other = v4("127.0.0.2");
  auto local6 = v6("::1");
  auto other6 = v6("::2");
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&local)));
  EXPECT_FALSE(clients.allows(reinterpret_cast<sockaddr*>(&other)));
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&local6)));
  EXPECT_FALSE(clients.allows(reinterpret_cast<sockaddr*>(&other6)));
  EXPECT_TRUE(rejected.empty());
}

TEST(AllowedClients, Ipv4EntryMatchesMappedIpv6Peer) {
  auto clients = AllowedClients::parse("192.0.2.7", nullptr);
  auto mapped = v6("::ffff:192.0.2.7");
  auto unmapped = v6("::ffff:192.0.2.8");
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&mapped)));
  EXPECT_FALSE(clients.allows(reinterpret_cast<sockaddr*>(&unmapped)));
}

// As PHP-FPM's fcgi_set_allowed_clients(): a bad piece is skipped, the others kept; pieces
// are not trimmed, so " ::1" is not an address.
TEST(AllowedClients, SkipsNonAddressesAndKeepsTheRest) {
  std::vector<std::string> rejected;
  auto clients = AllowedClients::parse("127.0.0.1,localhost, ::1,10.0.0.0/8", &rejected);
  EXPECT_EQ(rejected, (std::vector<std::string>{"localhost", " ::1", "10.0.0.0/8"}));
  auto local = v4("127.0.0.1");
  auto local6 = v6("::1");
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&local)));
  EXPECT_FALSE(clients.allows(reinterpret_cast<sockaddr*>(&local6)));
  EXPECT_FALSE(clients.allowsNone());
}

TEST(AllowedClients, NothingValidAllowsNoOne) {
  std::vector<std::string> rejected;
  auto clients = AllowedClients::parse("bogus", &rejected);
  EXPECT_TRUE(clients.allowsNone());
  EXPECT_FALSE(clients.allowsAll());
  auto local = v4("127.0.0.1");
  EXPECT_FALSE(clients.allows(reinterpret_cast<sockaddr*>(&local)));
  sockaddr_un unix_peer{};
  unix_peer.sun_family = AF_UNIX;
  EXPECT_TRUE(clients.allows(reinterpret_cast<sockaddr*>(&unix_peer)));  // TCP only
}

TEST(AllowedClients, ShowsMappedIpv4PeersAsIpv4) {
  auto mapped = v6("::ffff:127.0.0.1");
  auto six = v6("::1");
  auto four = v4("192.0.2.1");
  EXPECT_EQ(peerAddressText(reinterpret_cast<sockaddr*>(&mapped)), "127.0.0.1");
  EXPECT_EQ(peerAddressText(reinterpret_cast<sockaddr*>(&six)), "::1");
  EXPECT_EQ(peerAddressText(reinterpret_cast<sockaddr*>(&four)), "192.0.2.1");
}

TEST(InheritedSockets, RoundTripsPhpFpmFormat) {
  std::map<std::string, int> sockets{{"127.0.0.1:9000", 5}, {"/run/php.sock", 7}};
  std::string text = formatInheritedSockets(sockets);
  EXPECT_EQ(text, "/run/php.sock=7,127.0.0.1:9000=5");
  EXPECT_EQ(parseInheritedSockets(text), sockets);
}

TEST(InheritedSockets, SkipsMalformedItems) {
  auto sockets = parseInheritedSockets("a=1,=2,b=x,c=,[::1]:80=9");
  EXPECT_EQ(sockets, (std::map<std::string, int>{{"a", 1}, {"[::1]:80", 9}}));
}

}  // namespace
}  // namespace fpmd::net

namespace fpmd::net {
namespace {

TEST(KeptConnections, RoundTrip) {
  std::map<std::string, std::vector<int>> kept{{"api", {9}}, {"www", {7, 8}}, {"empty", {}}};
  std::string text = formatKeptConnections(kept);
  EXPECT_EQ(text, "api=9;www=7,8");
  kept.erase("empty");
  EXPECT_EQ(parseKeptConnections(text), kept);
}

TEST(KeptConnections, SkipsNonsense) {
  auto kept = parseKeptConnections("=1;www=x,2,5;api");
  EXPECT_EQ(kept, (std::map<std::string, std::vector<int>>{{"www", {5}}}));
}

}  // namespace
}  // namespace fpmd::net
