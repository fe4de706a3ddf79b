// What PHP-FPM writes through its zlog streams rather than zlog(): worker output relayed
// by the master (lineStart, writeFormatted) and a worker's PHP messages (writeStreamed).
// log_level strips such a line of its prefix but never drops it.

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "log/log.h"
#include "unit/log_capture.h"

namespace fpmd::log {
namespace {

class LogStreamedOutputTest : public ::testing::Test {
 protected:
  void TearDown() override {
    setLevel(Level::Notice);
    setChildMode(false);
    setLimit(1024);
  }
  fpmd::testing::LogCapture capture_;
};

TEST_F(LogStreamedOutputTest, LineStartIsWhatWriteBeginsALineWith) {
  std::string start = lineStart(Level::Warning);
  EXPECT_TRUE(std::regex_match(
      start, std::regex(R"(\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\] WARNING: )")))
      << start;
  setLevel(Level::Debug);
  start = lineStart(Level::Warning);
  EXPECT_TRUE(std::regex_match(start, std::regex(R"(\[[^\]]+\.\d{6}\] WARNING: pid \d+, )")))
      << start;
}

TEST_F(LogStreamedOutputTest, LineStartIsEmptyAboveLogLevel) {
  setLevel(Level::Error);
  EXPECT_EQ(lineStart(Level::Warning), "");
}

TEST_F(LogStreamedOutputTest, FormattedTextIsWrittenAsItIsWithoutTheCut) {
  setLimit(20);
  std::string text = "[T] WARNING: " + std::string(50, 'a');
  writeFormatted(Level::Warning, text);
  writeFormatted(Level::Warning, "\"\n");
  EXPECT_EQ(capture_.text(), text + "\"\n");
}

TEST_F(LogStreamedOutputTest, APhpMessageAboveLogLevelLosesOnlyItsPrefix) {
  setChildMode(true);
  setLevel(Level::Warning);
  writeStreamed(Level::Notice, "PHP message: hello");
  setLevel(Level::Notice);
  writeStreamed(Level::Notice, "PHP message: again");
  EXPECT_EQ(capture_.text(), "PHP message: hello\nNOTICE: PHP message: again\n");
}

TEST_F(LogStreamedOutputTest, APhpMessageIsStillCutAtTheLimit) {
  setChildMode(true);
  setLevel(Level::Error);
  setLimit(20);
  writeStreamed(Level::Notice, std::string(100, 'b'));
  EXPECT_EQ(capture_.text(), std::string(16, 'b') + "...\n");
}

}  // namespace
}  // namespace fpmd::log
