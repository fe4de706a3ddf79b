#include "common/option_scanner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace fpmd {
namespace {

enum : int { kLimit = kLongOnly, kQuiet, kLimitless };

const std::vector<OptionSpec> kSpecs = {{'v', "verbose", false},
                                        {'o', "output", true},
                                        {kLimit, "limit", true},
                                        {kQuiet, "quiet", false},
                                        {kLimitless, "limitless", false}};

// Each item as one line, "option NAME=VALUE", "operand VALUE" or "error MESSAGE", up to
// and including the first error.
std::vector<std::string> scan(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  OptionScanner scanner(args, kSpecs);
  std::vector<std::string> items;
  for (;;) {
    OptionScanner::Item item = scanner.next();
    switch (item.kind) {
      case OptionScanner::Kind::End:
        return items;
      case OptionScanner::Kind::Option:
        items.push_back("option " + item.name + "=" + item.value);
        break;
      case OptionScanner::Kind::Positional:
        items.push_back("operand " + item.value);
        break;
      case OptionScanner::Kind::Error:
        items.push_back("error " + item.error);
        return items;
    }
  }
}

using Lines = std::vector<std::string>;

TEST(OptionScanner, ShortAndLongForms) {
  EXPECT_EQ(scan({"-v", "--verbose", "-o", "a", "-ob", "--output", "c", "--output=d"}),
            (Lines{"option -v=", "option --verbose=", "option -o=a", "option -o=b",
                   "option --output=c", "option --output=d"}));
  EXPECT_EQ(scan({"--limit", "3", "--limit=4", "--quiet"}),
            (Lines{"option --limit=3", "option --limit=4", "option --quiet="}));
}

TEST(OptionScanner, ClustersAndValuesThatLookLikeOptions) {
  EXPECT_EQ(scan({"-vvo", "x"}), (Lines{"option -v=", "option -v=", "option -o=x"}));
  // A value is the next argument whatever it looks like, as getopt has it.
  EXPECT_EQ(scan({"-o", "-v", "--limit", "--quiet"}),
            (Lines{"option -o=-v", "option --limit=--quiet"}));
  EXPECT_EQ(scan({"--output="}), (Lines{"option --output="}));
}

TEST(OptionScanner, OperandsStayInOrderAmongOptions) {
  EXPECT_EQ(scan({"a", "-v", "b", "-", "--quiet"}),
            (Lines{"operand a", "option -v=", "operand b", "operand -", "option --quiet="}));
}

TEST(OptionScanner, DoubleDashEndsTheOptions) {
  EXPECT_EQ(scan({"-v", "--", "-o", "--quiet", "a"}),
            (Lines{"option -v=", "operand -o", "operand --quiet", "operand a"}));
  EXPECT_EQ(scan({"--"}), Lines{});
}

TEST(OptionScanner, AbbreviationsAreSpelledOut) {
  EXPECT_EQ(scan({"--verb", "--out=x", "--q"}),
            (Lines{"option --verbose=", "option --output=x", "option --quiet="}));
  // An exact name wins over the longer one it begins.
  EXPECT_EQ(scan({"--limit", "1"}), (Lines{"option --limit=1"}));
}

TEST(OptionScanner, Errors) {
  EXPECT_EQ(scan({"-v", "-x"}), (Lines{"option -v=", "error unknown option '-x'"}));
  EXPECT_EQ(scan({"-vxv"}), (Lines{"option -v=", "error unknown option '-x'"}));
  EXPECT_EQ(scan({"--bogus"}), (Lines{"error unknown option '--bogus'"}));
  EXPECT_EQ(scan({"--bogus=1"}), (Lines{"error unknown option '--bogus'"}));
  EXPECT_EQ(scan({"--lim", "1"}), (Lines{"error ambiguous option '--lim' (--limit, --limitless)"}));
  EXPECT_EQ(scan({"-o"}), (Lines{"error option '-o' needs a value"}));
  EXPECT_EQ(scan({"-vo"}), (Lines{"option -v=", "error option '-o' needs a value"}));
  EXPECT_EQ(scan({"--output"}), (Lines{"error option '--output' needs a value"}));
  EXPECT_EQ(scan({"--out"}), (Lines{"error option '--output' needs a value"}));
  EXPECT_EQ(scan({"--limit"}), (Lines{"error option '--limit' needs a value"}));
  EXPECT_EQ(scan({"--verbose=yes"}), (Lines{"error option '--verbose' takes no value"}));
  EXPECT_EQ(scan({"--quiet=yes"}), (Lines{"error option '--quiet' takes no value"}));
}

TEST(OptionScanner, EachScannerStartsAfresh) {
  // A scan left in the middle of a cluster must not leak into the next one.
  {
    OptionScanner scanner({"prog", "-vvv"}, kSpecs);
    EXPECT_EQ(scanner.next().kind, OptionScanner::Kind::Option);
  }
  EXPECT_EQ(scan({"-o", "x"}), (Lines{"option -o=x"}));
  EXPECT_EQ(scan({}), Lines{});
  OptionScanner empty({}, kSpecs);
  EXPECT_EQ(empty.next().kind, OptionScanner::Kind::End);
}

TEST(OptionScanner, OptionsAfterOperandsEvenWhenPosixlyCorrect) {
  // POSIXLY_CORRECT makes plain getopt stop at the first operand; the tools' command
  // lines have always taken options after the address.
  ::setenv("POSIXLY_CORRECT", "1", 1);
  const Lines items = scan({"a", "-v"});
  ::unsetenv("POSIXLY_CORRECT");
  EXPECT_EQ(items, (Lines{"operand a", "option -v="}));
}

}  // namespace
}  // namespace fpmd
