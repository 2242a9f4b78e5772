// Summary statistics over samples (for multi-seed assertions) and Jain's
// fairness index.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace rtmfp::sim {

class Samples {
 public:
  void add(double v) { values_.push_back(v); }
  std::size_t count() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  double mean() const;
  double min() const;
  double max() const;
  double stddev() const;  // population standard deviation
  // Linear interpolation between closest ranks; p in [0, 100]. 0 when empty.
  double percentile(double p) const;
  double median() const { return percentile(50); }
  double p90() const { return percentile(90); }
  double p95() const { return percentile(95); }
  double p99() const { return percentile(99); }
  const std::vector<double>& values() const { return values_; }
  // "n=.. mean=.. median=.. p90=.. p95=.. p99=.. max=.." for failure messages.
  std::string summary() const;

 private:
  std::vector<double> values_;
};

// Jain's fairness index: (sum x)^2 / (n * sum x^2); 1 = perfectly fair.
double jain_index(std::span<const double> xs);

}  // namespace rtmfp::sim
