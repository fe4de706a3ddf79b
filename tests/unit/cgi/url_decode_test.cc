#include <gtest/gtest.h>

#include "cgi/url_decode.h"

namespace fpmd::cgi {
namespace {

// php_url_decode()'s rules, as PHP-FPM and PHP's $_GET apply them.
TEST(UrlDecode, PlusIsASpaceAndPercentPairsAreBytes) {
  EXPECT_EQ(urlDecode("a+b%20c"), "a b c");
  EXPECT_EQ(urlDecode("%41%6a%4A"), "AjJ");
  EXPECT_EQ(urlDecode("%00x"), std::string("\0x", 2));
}

TEST(UrlDecode, AMalformedPercentStaysAsItIs) {
  EXPECT_EQ(urlDecode("100%"), "100%");
  EXPECT_EQ(urlDecode("%4"), "%4");
  EXPECT_EQ(urlDecode("%zz%4g"), "%zz%4g");
  EXPECT_EQ(urlDecode(""), "");
}

}  // namespace
}  // namespace fpmd::cgi
