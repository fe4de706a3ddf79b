#include "log/failure_episode.h"

#include <gtest/gtest.h>

namespace fpmd::log {
namespace {

TEST(FailureEpisodeTest, OnlyTheFirstFailureAndTheRecoveryAreToBeSaid) {
  FailureEpisode episode;
  EXPECT_FALSE(episode.succeeded());  // nothing to recover from
  EXPECT_TRUE(episode.failed());
  EXPECT_FALSE(episode.failed());
  EXPECT_FALSE(episode.failed());
  EXPECT_TRUE(episode.failing());
  EXPECT_TRUE(episode.succeeded());
  EXPECT_FALSE(episode.succeeded());
  EXPECT_FALSE(episode.failing());
  EXPECT_TRUE(episode.failed());  // a new episode is said again
}

}  // namespace
}  // namespace fpmd::log
