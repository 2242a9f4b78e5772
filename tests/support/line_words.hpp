// Word n (0-based, split on whitespace) of a line a child process printed
// (the last word when the line is shorter): how the integration tests read
// the programs' one-line reports.
#pragma once

#include <sstream>
#include <string>

namespace rtmfp::testing {

inline std::string word(const std::string& line, int n) {
  std::istringstream s(line);
  std::string w;
  for (int i = 0; i <= n; ++i) s >> w;
  return w;
}

}  // namespace rtmfp::testing
