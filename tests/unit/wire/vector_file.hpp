// Loader for rfc-vectors/rfc7016/*.vec files (format: rfc-vectors/rfc7016/README.md).
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"

namespace wire_test {

struct VectorFile {
  bool loaded = false;
  rtmfp::Bytes bytes;                              // all `hex:` lines
  std::map<std::string, std::string> expect;       // all `expect:` key=value pairs
  std::vector<std::pair<std::string, std::string>> vlus;  // `vlu:` value, hex
};

inline VectorFile load_vector(const std::string& name) {
  VectorFile v;
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/rfc7016/" + name);
  if (!in) return v;
  std::string line;
  bool ok = true;
  while (std::getline(in, line)) {
    if (line.rfind("hex:", 0) == 0) {
      ok = ok && rtmfp::from_hex(line.substr(4), v.bytes);
    } else if (line.rfind("expect:", 0) == 0) {
      std::istringstream ss(line.substr(7));
      std::string kv;
      while (ss >> kv) {
        auto eq = kv.find('=');
        if (eq != std::string::npos) v.expect[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
    } else if (line.rfind("vlu:", 0) == 0) {
      std::istringstream ss(line.substr(4));
      std::string value, rest, part;
      ss >> value;
      while (ss >> part) rest += part;
      v.vlus.emplace_back(value, rest);
    }
  }
  v.loaded = ok;
  return v;
}

// "0-16,18,21-24" -> ranges.
inline std::vector<rtmfp::wire::SeqRange> parse_ranges(const std::string& s) {
  std::vector<rtmfp::wire::SeqRange> out;
  std::istringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto dash = item.find('-');
    if (dash == std::string::npos) {
      auto n = std::stoull(item);
      out.push_back({n, n});
    } else {
      out.push_back({std::stoull(item.substr(0, dash)), std::stoull(item.substr(dash + 1))});
    }
  }
  return out;
}

// The set an ack acknowledges, as ranges from 0 (cumAck range first).
inline std::vector<rtmfp::wire::SeqRange> acked_ranges(const rtmfp::wire::DataAck& a) {
  std::vector<rtmfp::wire::SeqRange> out{{0, a.cumulative_ack}};
  out.insert(out.end(), a.ranges.begin(), a.ranges.end());
  return out;
}

inline rtmfp::Bytes hex(std::string_view h) {
  rtmfp::Bytes b;
  rtmfp::from_hex(h, b);
  return b;
}

}  // namespace wire_test
