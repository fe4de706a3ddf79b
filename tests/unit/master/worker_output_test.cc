#include <gtest/gtest.h>

#include "master/worker_output.h"

namespace fpmd::master {
namespace {

TEST(WorkerOutput, DecoratesCompleteLines) {
  WorkerOutput output("www", 42, "stderr", true, 1024);
  auto messages = output.feed("first\nsec");
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], "[pool www] child 42 said into stderr: \"first\"");
  messages = output.feed("ond\n");
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], "[pool www] child 42 said into stderr: \"second\"");
}

TEST(WorkerOutput, MarksTheLastLineWhenThePipeCloses) {
  WorkerOutput output("www", 7, "stdout", true, 1024);
  EXPECT_TRUE(output.feed("tail without newline").empty());
  auto messages = output.close();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0],
            "[pool www] child 7 said into stdout: \"tail without newline\", pipe is closed");
  EXPECT_TRUE(output.close().empty());
}

TEST(WorkerOutput, WrapsLongLines) {
  WorkerOutput output("www", 7, "stderr", false, 512);
  std::string long_line(1000, 'x');
  auto messages = output.feed(long_line + "\n");
  ASSERT_GE(messages.size(), 2U);
  std::string joined;
  for (const auto& message : messages) {
    EXPECT_LE(message.size(), 512U);
    joined += message;
  }
  EXPECT_EQ(joined, long_line);
}

TEST(WorkerOutput, RawWhenNotDecorated) {
  WorkerOutput output("www", 7, "stderr", false, 1024);
  auto messages = output.feed("plain\n");
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0], "plain");
}

}  // namespace
}  // namespace fpmd::master
