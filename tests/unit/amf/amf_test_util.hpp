// Helpers for the AMF/FLV unit tests: loading rfc-vectors/*.hex files.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "rtmfp/core/bytes.hpp"

namespace amf_test {

// Reads RTMFP_SOURCE_DIR/rfc-vectors/<rel>: '#' lines are comments (the
// first names the source), the rest is hex.
inline rtmfp::Bytes load_vector(const std::string& rel) {
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/" + rel);
  EXPECT_TRUE(in.good()) << "missing vector " << rel;
  std::string line, hex;
  bool has_source = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
      if (line.find("source:") != std::string::npos) has_source = true;
      continue;
    }
    hex += line;
  }
  EXPECT_TRUE(has_source) << rel << " does not name its source";
  rtmfp::Bytes out;
  EXPECT_TRUE(rtmfp::from_hex(hex, out)) << "bad hex in " << rel;
  return out;
}

inline rtmfp::Bytes hex(std::string_view h) {
  rtmfp::Bytes out;
  EXPECT_TRUE(rtmfp::from_hex(h, out)) << h;
  return out;
}

}  // namespace amf_test
