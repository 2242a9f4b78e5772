// Waiting on what a child process prints on stderr (ChildProcess, or any
// wrapper with stderr_text() and exited()), polled every 20 ms up to a
// timeout: a line that says it is ready, or the port a relay listening on
// rtmfp-listen://ADDR:0/... bound ("relay: listening rtmfp://ADDR:PORT/app/
// name ..."). Tests listen on port 0 and read the port, instead of picking a
// free port, closing it and handing it over (another test could take it).
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

// `read(stderr text)` until it gives a value, the child ends (one last
// read) or `timeout` passes.
template <class Child, class Read>
auto wait_stderr_for(Child& child, Read read, std::chrono::milliseconds timeout) -> decltype(read(std::string())) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (auto v = read(child.stderr_text())) return v;
    if (child.exited()) return read(child.stderr_text());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

template <class Child>
std::optional<int> listening_port(Child& child, std::chrono::milliseconds timeout) {
  return wait_stderr_for(child, listening_port_in, timeout);
}

// `text` appeared on the child's stderr within `timeout`.
template <class Child>
bool wait_stderr(Child& child, const std::string& text, std::chrono::milliseconds timeout) {
  return wait_stderr_for(
      child, [&](const std::string& err) { return err.find(text) != std::string::npos; }, timeout);
}

}  // namespace rtmfp::testing
