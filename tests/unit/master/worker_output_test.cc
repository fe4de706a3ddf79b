// catch_workers_output lines as PHP-FPM 8.2 writes them (php-fpm's behaviour recorded case by
// case; tests/peer/test_peer_worker_output.py compares the real servers).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "master/worker_output.h"
#include "worker/output_marker.h"

namespace fpmd::master {
namespace {

using worker::kEndOfRequestMarker;

// The error log as a list of write() calls, and a clock that ticks once per line start.
class WorkerOutputTest : public ::testing::Test {
 protected:
  WorkerOutput make(bool decorate = true, size_t limit = 1024, bool buffered = true) {
    WorkerOutputSettings settings{"www", 12345, decorate, buffered, limit};
    return WorkerOutput(
        settings,
        [this] { return suppressed_ ? std::string() : "[T" + std::to_string(++ticks_) + "] W: "; },
        [this](std::string_view text) { writes_.emplace_back(text); });
  }
  std::string log() const {
    std::string all;
    for (const auto& write : writes_) all += write;
    return all;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::string all = log();
    size_t start = 0;
    for (size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.push_back(all.substr(start, nl - start));
    }
    return out;
  }

  static constexpr auto kOut = OutputPipe::Stdout;
  static constexpr auto kErr = OutputPipe::Stderr;
  // "[T1] W: " + this: the prefix before the text, 47 bytes with the tick's digit.
  static constexpr std::string_view kSaid = "[pool www] child 12345 said into stderr: \"";
  std::vector<std::string> writes_;
  int ticks_ = 0;
  bool suppressed_ = false;
};

TEST_F(WorkerOutputTest, DecoratesEachCompleteLine) {
  WorkerOutput output = make();
  output.relay(kErr, "first line\nsec", false);
  output.relay(kErr, "ond line\n", false);
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "[T1] W: [pool www] child 12345 said into stderr: \"first line\"",
                         "[T2] W: [pool www] child 12345 said into stderr: \"second line\""}));
  EXPECT_EQ(writes_.size(), 2U);  // one write() a line
}

TEST_F(WorkerOutputTest, TheLineKeepsTheTimeOfItsFirstByte) {
  WorkerOutput output = make();
  output.relay(kErr, "abc", false);
  ticks_ = 41;  // time passes before the rest comes
  output.relay(kErr, "def\n", false);
  EXPECT_EQ(
      lines(),
      (std::vector<std::string>{"[T1] W: [pool www] child 12345 said into stderr: \"abcdef\""}));
}

TEST_F(WorkerOutputTest, OutputOnTheOtherPipeEndsThePendingLine) {
  WorkerOutput output = make();
  output.relay(kErr, "abc", false);
  output.relay(kOut, "XYZ\n", false);
  output.relay(kErr, "def\n", false);
  EXPECT_EQ(lines(),
            (std::vector<std::string>{"[T1] W: [pool www] child 12345 said into stderr: \"abc\"",
                                      "[T2] W: [pool www] child 12345 said into stdout: \"XYZ\"",
                                      "[T3] W: [pool www] child 12345 said into stderr: \"def\""}));
}

TEST_F(WorkerOutputTest, TheEndOfRequestMarkerEndsTheLineOnEitherPipe) {
  WorkerOutput output = make();
  output.relay(kOut, "stdout tail", false);
  output.relay(kErr, kEndOfRequestMarker, false);
  output.relay(kErr, std::string("err tail") + std::string(kEndOfRequestMarker) + "next\n", false);
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "[T1] W: [pool www] child 12345 said into stdout: \"stdout tail\"",
                         "[T2] W: [pool www] child 12345 said into stderr: \"err tail\"",
                         "[T3] W: [pool www] child 12345 said into stderr: \"next\""}));
}

TEST_F(WorkerOutputTest, AMarkerCutByTheReadIsStillAMarker) {
  WorkerOutput output = make();
  std::string marker(kEndOfRequestMarker);
  output.relay(kErr, "before" + marker.substr(0, 1), false);
  output.relay(kErr, marker.substr(1, 3), false);
  output.relay(kErr, marker.substr(4) + "after\n", false);
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "[T1] W: [pool www] child 12345 said into stderr: \"before\"",
                         "[T2] W: [pool www] child 12345 said into stderr: \"after\""}));
}

TEST_F(WorkerOutputTest, NulBytesThatAreNoMarkerAreText) {
  WorkerOutput output = make();
  output.relay(kErr, std::string("nul\0byte\n", 9), false);
  output.relay(kErr, std::string("end\0f", 5), false);  // looked like a marker's start
  output.relay(kErr, "x\n", false);
  EXPECT_EQ(lines(),
            (std::vector<std::string>{
                std::string("[T1] W: [pool www] child 12345 said into stderr: \"nul\0byte\"", 59),
                std::string("[T2] W: [pool www] child 12345 said into stderr: \"end\0fx\"", 57)}));
}

TEST_F(WorkerOutputTest, EmptyLinesAreDropped) {
  WorkerOutput output = make();
  output.relay(kErr, "a\n\n\nb\n", false);
  output.relay(kErr, kEndOfRequestMarker, false);
  output.relay(kErr, "\n", false);
  EXPECT_EQ(lines(),
            (std::vector<std::string>{"[T1] W: [pool www] child 12345 said into stderr: \"a\"",
                                      "[T2] W: [pool www] child 12345 said into stderr: \"b\""}));
}

TEST_F(WorkerOutputTest, PipeIsClosedOnlyWhenTheFirstWakeUpSawTheEnd) {
  WorkerOutput died_early = make();
  died_early.relay(kErr, "partial before SIGKILL", true);
  EXPECT_EQ(lines(), (std::vector<std::string>{"[T1] W: [pool www] child 12345 said into stderr: "
                                               "\"partial before SIGKILL\", pipe is closed"}));

  writes_.clear();
  WorkerOutput read_before = make();
  read_before.relay(kErr, "early", false);
  read_before.relay(kErr, " partial", true);
  EXPECT_TRUE(writes_.empty());
  read_before.finish();
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "[T2] W: [pool www] child 12345 said into stderr: \"early partial\""}));
  read_before.finish();
  EXPECT_EQ(lines().size(), 1U);
}

TEST_F(WorkerOutputTest, ALongLineWrapsAtTheLimitWithTheWholePrefixAgain) {
  // "[T1] W: " (8) + kSaid (42): 50 bytes before the text; a line is at most limit - 1.
  WorkerOutput output = make(true, 100);
  output.relay(kErr, std::string(120, 'a') + "\n", false);
  std::vector<std::string> got = lines();
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0], "[T1] W: " + std::string(kSaid) + std::string(48, 'a') + "\"");
  EXPECT_EQ(got[1], "[T2] W: " + std::string(kSaid) + std::string(48, 'a') + "\"");
  EXPECT_EQ(got[2], "[T3] W: " + std::string(kSaid) + std::string(24, 'a') + "\"");
  EXPECT_EQ(got[0].size(), 99U);
}

TEST_F(WorkerOutputTest, ALineThatWouldReachTheLimitExactlyWraps) {
  WorkerOutput fits = make(true, 100);
  fits.relay(kErr, std::string(48, 'm') + "\n", false);  // 50 + 48 + quote = 99
  ASSERT_EQ(lines().size(), 1U);
  EXPECT_EQ(lines()[0].size(), 99U);

  writes_.clear();
  WorkerOutput exact = make(true, 100);
  exact.relay(kErr, std::string(48, 'x') + "E\n", false);  // 100 with the quote: wraps
  EXPECT_EQ(lines(),
            (std::vector<std::string>{"[T2] W: " + std::string(kSaid) + std::string(48, 'x') + "\"",
                                      "[T3] W: " + std::string(kSaid) + "E\""}));
}

TEST_F(WorkerOutputTest, UndecoratedOutputIsTheBareTextWrappedAtTheLimit) {
  WorkerOutput output = make(false, 10);
  output.relay(kErr, "plain\n", false);
  output.relay(kOut, "123456789abc\n", false);
  output.relay(kOut, "no newline", false);
  output.relay(kErr, kEndOfRequestMarker, false);
  EXPECT_EQ(lines(), (std::vector<std::string>{"plain", "123456789", "abc", "no newlin", "e"}));
  EXPECT_EQ(ticks_, 0);  // no time, no level
}

TEST_F(WorkerOutputTest, UndecoratedOutputNeverSaysPipeIsClosed) {
  WorkerOutput output = make(false);
  output.relay(kErr, "partial", true);
  EXPECT_EQ(lines(), (std::vector<std::string>{"partial"}));
}

TEST_F(WorkerOutputTest, AboveWarningTheTextStaysWithoutItsPrefix) {
  suppressed_ = true;  // log_level = error
  WorkerOutput output = make(true, 20);
  output.relay(kErr, "first line\n", false);
  output.relay(kErr, std::string(30, 'a') + "\n", false);
  output.relay(kErr, "partial", false);
  output.finish();
  // PHP-FPM drops the prefix and its opening quote, and still closes the quote.
  EXPECT_EQ(lines(), (std::vector<std::string>{"first line\"", std::string(18, 'a') + "\"",
                                               std::string(12, 'a') + "\"", "partial\""}));
}

TEST_F(WorkerOutputTest, PipeIsClosedThatDoesNotFitGoesOnALineOfItsOwn) {
  WorkerOutput output = make(true, 100);
  // 50 + 40 + quote = 91: ", pipe is closed" (16) does not fit in 99.
  output.relay(kErr, std::string(40, 'k'), true);
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "[T1] W: " + std::string(kSaid) + std::string(40, 'k') + "\", pipe i",
                         "[T2] W: [pool www] child 12345 said into stderr: s closed"}));
  EXPECT_EQ(lines()[0].size(), 99U);
}

TEST_F(WorkerOutputTest, UnbufferedPiecesAreWrittenAsTheyArrive) {
  WorkerOutput output = make(true, 100, false);
  output.relay(kErr, "abc", false);
  ASSERT_EQ(writes_.size(), 1U);
  EXPECT_EQ(writes_[0], "[T1] W: " + std::string(kSaid) + "abc");
  output.relay(kErr, "def\nnext", false);
  ASSERT_EQ(writes_.size(), 2U);
  EXPECT_EQ(writes_[1], "def\"\n[T2] W: " + std::string(kSaid) + "next");
  output.relay(kErr, kEndOfRequestMarker, false);
  EXPECT_EQ(lines(), (std::vector<std::string>{"[T1] W: " + std::string(kSaid) + "abcdef\"",
                                               "[T2] W: " + std::string(kSaid) + "next\""}));
}

TEST_F(WorkerOutputTest, UnbufferedLinesWrapAsBufferedOnesWithoutGluing) {
  // PHP-FPM glues the next prefix onto a piece that fills a line exactly; fpmd ends it.
  for (bool buffered : {true, false}) {
    writes_.clear();
    ticks_ = 0;
    WorkerOutput output = make(true, 100, buffered);
    std::string text = std::string(48, 'x') + "E";
    for (size_t i = 0; i < text.size(); i += 7) output.relay(kErr, text.substr(i, 7), false);
    output.relay(kErr, "\n", false);
    EXPECT_EQ(lines(), (std::vector<std::string>{
                           "[T1] W: " + std::string(kSaid) + std::string(48, 'x') + "\"",
                           "[T2] W: " + std::string(kSaid) + "E\""}))
        << "buffered " << buffered;
  }
}

}  // namespace
}  // namespace fpmd::master
