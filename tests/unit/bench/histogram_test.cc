#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tools/fcgi-bench/histogram.h"

namespace fpmd::bench {
namespace {

TEST(BenchHistogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(BenchHistogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(90), 90u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(99.9), 100u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(BenchHistogram, BucketsTileTheRangeWithoutGaps) {
  EXPECT_EQ(Histogram::lowestIn(0), 0u);
  for (size_t b = 1; b < Histogram::kBucketCount; ++b) {
    ASSERT_EQ(Histogram::lowestIn(b), Histogram::highestIn(b - 1) + 1) << "bucket " << b;
    ASSERT_EQ(Histogram::bucketOf(Histogram::lowestIn(b)), b);
    ASSERT_EQ(Histogram::bucketOf(Histogram::highestIn(b)), b);
  }
  EXPECT_EQ(Histogram::highestIn(Histogram::kBucketCount - 1),
            (uint64_t{1} << Histogram::kMaxBits) - 1);
}

TEST(BenchHistogram, BucketWidthIsWithinPrecision) {
  for (size_t b = Histogram::kSubCount; b < Histogram::kBucketCount; ++b) {
    const double low = static_cast<double>(Histogram::lowestIn(b));
    const double width = static_cast<double>(Histogram::highestIn(b) - Histogram::lowestIn(b) + 1);
    ASSERT_LE(width / low, 1.0 / Histogram::kHalfCount + 1e-12) << "bucket " << b;
  }
}

TEST(BenchHistogram, HugeValuesClampIntoLastBucket) {
  Histogram h;
  h.record(UINT64_MAX / 2);
  EXPECT_EQ(Histogram::bucketOf(UINT64_MAX), Histogram::kBucketCount - 1);
  EXPECT_EQ(h.max(), UINT64_MAX / 2);
  EXPECT_EQ(h.percentile(50), UINT64_MAX / 2);  // clamped to the exact max/min
}

TEST(BenchHistogram, PercentilesMatchSortedSamplesWithinPrecision) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(13.0, 1.0);  // ~0.4 ms median, in ns
  std::vector<uint64_t> samples;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng)) + 1;
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * samples.size()));
    const double exact = static_cast<double>(samples[rank - 1]);
    const double got = static_cast<double>(h.percentile(p));
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(got, exact * (1.0 + 1.0 / Histogram::kHalfCount)) << "p" << p;
  }
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.percentile(100), samples.back());
}

TEST(BenchHistogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {1.0, 50.0, 99.0, 99.99}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(BenchHistogram, MergeIntoEmptyKeepsMinimum) {
  Histogram empty, b;
  b.record(777);
  empty.merge(b);
  EXPECT_EQ(empty.min(), 777u);
  Histogram c;
  b.merge(c);
  EXPECT_EQ(b.min(), 777u);
}

}  // namespace
}  // namespace fpmd::bench
