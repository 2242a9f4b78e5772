#include "rtmfp/io/jsonl_trace_sink.hpp"

#include <cerrno>
#include <cstring>
#include <memory>

namespace rtmfp::io {

Result<std::unique_ptr<JsonlTraceSink>> JsonlTraceSink::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return fail(Errc::io_error, "cannot open trace file '" + path + "': " + std::strerror(errno));
  return std::unique_ptr<JsonlTraceSink>(new JsonlTraceSink(f));
}

JsonlTraceSink::~JsonlTraceSink() {
  if (f_) std::fclose(f_);
}

void JsonlTraceSink::event(TimePoint now, std::string_view category, std::string_view name,
                           std::initializer_list<TraceField> fields) {
  std::string line = format_trace_jsonl(now, category, name, fields);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

}  // namespace rtmfp::io
