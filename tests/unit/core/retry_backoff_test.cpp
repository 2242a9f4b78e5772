// RetryBackoff: the one retry policy of the relay, the registration clients
// (local policy; jitter so that clients that lost one server spread out).
#include <gtest/gtest.h>

#include <vector>

#include "rtmfp/core/retry_backoff.hpp"

using namespace rtmfp;
using namespace std::chrono_literals;

TEST(RetryBackoff, DoublesToTheCapWithJitterAndResets) {
  RetryBackoff b({.initial = 500ms, .max = 4s, .jitter = 0.2});
  std::vector<Duration> mid;
  for (int i = 0; i < 6; ++i) mid.push_back(b.next(0.5));
  EXPECT_EQ(mid, (std::vector<Duration>{500ms, 1s, 2s, 4s, 4s, 4s}));
  b.reset();
  EXPECT_EQ(b.next(0.0), 400ms);  // -20%
  b.reset();
  EXPECT_EQ(b.next(1.0), 600ms);  // +20%
  EXPECT_EQ(b.base(), 500ms);
  RetryBackoff none({.initial = 1s, .max = 30s, .jitter = 0.0});
  EXPECT_EQ(none.next(0.9), 1s);
  EXPECT_EQ(none.next(0.1), 2s);
}
