// The port a relay listening on rtmfp-listen://ADDR:0/... bound: it prints
// "relay: listening rtmfp://ADDR:PORT/app/name ..." on stderr once bound.
// Tests listen on port 0 and read it, instead of picking a free port,
// closing it and handing it over (another test could take it meanwhile).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace rtmfp::testing {

inline std::optional<int> listening_port_in(const std::string& text) {
  static const std::string prefix = "relay: listening rtmfp://";
  const auto at = text.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  const auto slash = text.find('/', at + prefix.size());
  const auto colon = text.rfind(':', slash);
  if (slash == std::string::npos || colon == std::string::npos || colon < at + prefix.size()) return std::nullopt;
  try {
    const int port = std::stoi(text.substr(colon + 1, slash - colon - 1));
    if (port > 0 && port < 65536) return port;
  } catch (...) {
  }
  return std::nullopt;
}

// Waits for the line (polling the child's stderr) up to `timeout`.
template <class Child>
std::optional<int> listening_port(Child& child, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (auto port = listening_port_in(child.stderr_text())) return port;
    if (child.exited()) return listening_port_in(child.stderr_text());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

}  // namespace rtmfp::testing
