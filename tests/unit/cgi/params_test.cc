#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cgi/request.h"

namespace fpmd::cgi {
namespace {

TEST(Params, RepeatedNameKeepsItsPlaceAndTakesTheLastValue) {
  Params params;
  params.set("A", "1");
  params.set("B", "2");
  params.set("A", "3");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params.entries()[0], (Params::Entry{"A", "3"}));
  EXPECT_EQ(params.entries()[1], (Params::Entry{"B", "2"}));
  EXPECT_EQ(params.get("A"), "3");
  EXPECT_FALSE(params.has("C"));
}

TEST(Params, EraseKeepsTheOrderAndTheLookupsOfTheOthers) {
  Params params;
  for (const char* name : {"A", "B", "C", "D"}) params.set(name, std::string(name) + "v");
  params.erase("B");
  params.erase("missing");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params.entries()[1].first, "C");
  EXPECT_FALSE(params.has("B"));
  EXPECT_EQ(params.get("D"), "Dv");
  params.set("C", "new");
  params.set("B", "back");
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params.entries()[1], (Params::Entry{"C", "new"}));
  EXPECT_EQ(params.entries()[3], (Params::Entry{"B", "back"}));
}

TEST(Params, PastTheIndexNamesRepeatAndEraseAsBelowIt) {
  // Enough names that lookups go through the index, and it grows twice on the way.
  Params params;
  for (int i = 0; i < 300; ++i) params.set("N" + std::to_string(i), "v" + std::to_string(i));
  params.set("N7", "again");
  params.erase("N3");
  params.erase("N250");
  ASSERT_EQ(params.size(), 298u);
  EXPECT_EQ(params.entries()[6], (Params::Entry{"N7", "again"}));
  EXPECT_FALSE(params.has("N3"));
  EXPECT_FALSE(params.has("N250"));
  for (int i = 0; i < 300; ++i) {
    if (i == 3 || i == 250 || i == 7) continue;
    ASSERT_EQ(params.get("N" + std::to_string(i)), "v" + std::to_string(i)) << i;
  }
  params.set("N3", "back");
  EXPECT_EQ(params.entries().back(), (Params::Entry{"N3", "back"}));
  params.clear();
  EXPECT_FALSE(params.has("N7"));
  params.set("N7", "fresh");
  EXPECT_EQ(params.get("N7"), "fresh");
  EXPECT_EQ(params.size(), 1u);
}

TEST(Params, CopiesAndClearsKeepLookupsRight) {
  Params params;
  params.set("A", "1");
  Params copy = params;
  copy.set("A", "2");
  copy.set("B", "3");
  EXPECT_EQ(params.get("A"), "1");
  EXPECT_FALSE(params.has("B"));
  EXPECT_EQ(copy.get("A"), "2");
  params = copy;
  EXPECT_EQ(params.get("B"), "3");
  params.clear();
  EXPECT_FALSE(params.has("A"));
  params.set("A", "4");
  EXPECT_EQ(params.size(), 1u);
  EXPECT_EQ(params.get("A"), "4");
}

// A peer may send a PARAMS stream of up to 1 MiB (kDefaultMaxParamsSize): about 150,000
// distinct short names. With a linear search per set() that took a minute of CPU for one
// request in an -O2 build (found by fastcgi_fuzz, fuzz/repro/fastcgi_fuzz-many-params.bin);
// PHP-FPM's fcgi hash takes it in linear time, and so must we. A third of that is enough
// to tell: about 13 s when quadratic.
TEST(Params, ManyDistinctNamesTakeLinearTime) {
  constexpr int kCount = 50000;
  const auto start = std::chrono::steady_clock::now();
  Params params;
  char name[16];
  for (int i = 0; i < kCount; ++i) {
    snprintf(name, sizeof name, "%05x", i);
    params.set(name, "");
  }
  for (int i = 0; i < kCount; ++i) {
    snprintf(name, sizeof name, "%05x", i);
    ASSERT_TRUE(params.has(name));
  }
  EXPECT_EQ(params.size(), static_cast<size_t>(kCount));
  // Linear: tens of milliseconds, a few times more under sanitizers.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace fpmd::cgi
