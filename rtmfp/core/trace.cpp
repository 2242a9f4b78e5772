#include "rtmfp/core/trace.hpp"

#include <cstdio>

namespace rtmfp {
namespace {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace

std::string format_trace_jsonl(TimePoint now, std::string_view category, std::string_view name,
                               std::initializer_list<TraceField> fields) {
  std::string out;
  char buf[64];
  std::snprintf(buf, sizeof buf, "{\"time\":%.3f,\"name\":",
                static_cast<double>(now.time_since_epoch().count()) / 1000.0);
  out += buf;
  std::string full(category);
  full += ':';
  full += name;
  append_json_string(out, full);
  out += ",\"data\":{";
  bool first = true;
  for (const auto& [key, value] : fields) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, key);
    out.push_back(':');
    // get_if, not std::visit: std::visit's valueless-variant path throws
    // (bad_variant_access), which the link-level purity check refuses.
    if (const auto* str = std::get_if<std::string>(&value)) {
      append_json_string(out, *str);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      out += *b ? "true" : "false";
    } else if (const auto* d = std::get_if<double>(&value)) {
      std::snprintf(buf, sizeof buf, "%.6g", *d);
      out += buf;
    } else if (const auto* u = std::get_if<std::uint64_t>(&value)) {
      out += std::to_string(*u);
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
      out += std::to_string(*i);
    }
  }
  out += "}}";
  return out;
}

}  // namespace rtmfp
