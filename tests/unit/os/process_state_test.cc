#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/process_state.h"

namespace fpmd::os {
namespace {

TEST(ProcessState, StateFollowsTheLastParenthesis) {
  EXPECT_EQ(os::parseStatState("42 (fpmd) S 1 42 42 0 -1"), 'S');
  EXPECT_EQ(os::parseStatState("42 (php) x) R 1 42"), 'R');  // a ')' in the command name
  EXPECT_EQ(os::parseStatState("42 (a b) D 1"), 'D');
}

TEST(ProcessState, MalformedTextHasNoState) {
  EXPECT_EQ(os::parseStatState(""), std::nullopt);
  EXPECT_EQ(os::parseStatState("42 (fpmd"), std::nullopt);
  EXPECT_EQ(os::parseStatState("42 (fpmd)"), std::nullopt);
  EXPECT_EQ(os::parseStatState("42 (fpmd)S"), std::nullopt);
}

TEST(ProcessState, ThisProcessRunsAndAGoneOneDoesNotSleep) {
  EXPECT_FALSE(os::sleepsInKernel(::getpid()));  // reading its own stat: running
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(os::sleepsInKernel(child));  // reaped: no such process
}

}  // namespace
}  // namespace fpmd::os
