// Tracing: a pluggable sink of qlog-shaped events, off by default. The core
// only builds an event when a sink is installed (check `enabled()` first), so
// tracing costs one branch when off. The JSON-lines file sink lives in io/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rtmfp/core/time.hpp"

namespace rtmfp {

using TraceValue = std::variant<std::int64_t, std::uint64_t, double, bool, std::string>;
using TraceField = std::pair<std::string_view, TraceValue>;

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // category: "transport", "security", "recovery", "connectivity" (qlog categories);
  // name: event name, e.g. "packet_received", "session_state_updated".
  virtual void event(TimePoint now, std::string_view category, std::string_view name,
                     std::initializer_list<TraceField> fields) = 0;
};

// Formats one event as a qlog-shaped JSON object on one line:
// {"time":<ms float>,"name":"category:name","data":{...}}
std::string format_trace_jsonl(TimePoint now, std::string_view category, std::string_view name,
                               std::initializer_list<TraceField> fields);

// Collects formatted lines in memory (tests).
class MemoryTraceSink final : public TraceSink {
 public:
  void event(TimePoint now, std::string_view category, std::string_view name,
             std::initializer_list<TraceField> fields) override {
    lines.push_back(format_trace_jsonl(now, category, name, fields));
  }
  std::vector<std::string> lines;
};

}  // namespace rtmfp
