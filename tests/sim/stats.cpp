#include "tests/sim/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rtmfp::sim {

double Samples::mean() const {
  if (values_.empty()) return 0;
  double s = 0;
  for (double v : values_) s += v;
  return s / static_cast<double>(values_.size());
}

double Samples::min() const {
  return values_.empty() ? 0 : *std::min_element(values_.begin(), values_.end());
}

double Samples::max() const {
  return values_.empty() ? 0 : *std::max_element(values_.begin(), values_.end());
}

double Samples::stddev() const {
  if (values_.empty()) return 0;
  double m = mean(), s = 0;
  for (double v : values_) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(values_.size()));
}

double Samples::percentile(double p) const {
  if (values_.empty()) return 0;
  std::vector<double> v = values_;
  std::sort(v.begin(), v.end());
  p = std::clamp(p, 0.0, 100.0);
  double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  auto hi = static_cast<std::size_t>(std::ceil(rank));
  double frac = rank - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

std::string Samples::summary() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "n=%zu mean=%.4g median=%.4g p90=%.4g p95=%.4g p99=%.4g max=%.4g",
                count(), mean(), median(), p90(), p95(), p99(), max());
  return buf;
}

double jain_index(std::span<const double> xs) {
  if (xs.empty()) return 0;
  double s = 0, s2 = 0;
  for (double x : xs) {
    s += x;
    s2 += x * x;
  }
  if (s2 == 0) return 0;
  return s * s / (static_cast<double>(xs.size()) * s2);
}

}  // namespace rtmfp::sim
