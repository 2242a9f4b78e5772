// A trace sink writing qlog-shaped JSON lines to a file (--trace FILE).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "rtmfp/core/error.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::io {

class JsonlTraceSink final : public TraceSink {
 public:
  static Result<std::unique_ptr<JsonlTraceSink>> open(const std::string& path);
  ~JsonlTraceSink() override;
  void event(TimePoint now, std::string_view category, std::string_view name,
             std::initializer_list<TraceField> fields) override;

 private:
  explicit JsonlTraceSink(std::FILE* f) : f_(f) {}
  std::FILE* f_;
};

}  // namespace rtmfp::io
