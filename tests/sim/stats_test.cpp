#include <gtest/gtest.h>

#include <vector>

#include "tests/sim/stats.hpp"

namespace rtmfp::sim {
namespace {

TEST(Samples, Percentiles) {
  Samples s;
  for (int i = 100; i >= 1; --i) s.add(i);
  EXPECT_DOUBLE_EQ(s.mean(), 50.5);
  EXPECT_DOUBLE_EQ(s.median(), 50.5);
  EXPECT_DOUBLE_EQ(s.percentile(0), 1);
  EXPECT_DOUBLE_EQ(s.percentile(100), 100);
  EXPECT_NEAR(s.p90(), 90.1, 1e-9);
  EXPECT_NEAR(s.p99(), 99.01, 1e-9);
  EXPECT_EQ(s.count(), 100u);
  Samples empty;
  EXPECT_EQ(empty.median(), 0);
}

TEST(Samples, JainIndex) {
  const std::vector<double> fair{5, 5, 5, 5}, unfair{10, 0}, mid{2, 1};
  EXPECT_DOUBLE_EQ(jain_index(fair), 1.0);
  EXPECT_DOUBLE_EQ(jain_index(unfair), 0.5);
  EXPECT_NEAR(jain_index(mid), 0.9, 1e-12);
}

}  // namespace
}  // namespace rtmfp::sim
