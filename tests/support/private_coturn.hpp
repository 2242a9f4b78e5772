// A private coturn (Debian's `coturn`, RFC 8656 TURN server) for tests: its
// own free loopback ports (tests/support/free_port.hpp), long-term
// credentials, loopback peers allowed (coturn denies them by default), no
// TLS/DTLS/TCP/CLI listeners, no configuration file (-n), so a system
// service on 3478, if any, is neither used nor disturbed. Ready is decided
// by an event: a STUN Binding request (RFC 8489) answered on its port. The
// destructor stops it (SIGTERM, then SIGKILL).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "tests/support/child_process.hpp"

namespace rtmfp::testing {

struct CoturnConfig {
  std::string user = "turnuser";
  std::string password = "turnpass";
  std::string realm = "rtmfp.test";
};

class PrivateCoturn {
 public:
  // The path of turnserver, or empty when the package is missing.
  static std::string binary();
  // Starts it and waits (bounded) until it answers; nullopt with a gtest
  // failure if it cannot start or never answers.
  static std::optional<PrivateCoturn> start(const CoturnConfig& config = {});
  PrivateCoturn(PrivateCoturn&& o) noexcept;
  ~PrivateCoturn();

  int port() const { return port_; }        // UDP listener on 127.0.0.1
  int relay_port() const { return relay_; } // its one relay port (--min-port = --max-port)
  const CoturnConfig& config() const { return config_; }
  std::string log() const;  // its log file (-v)
  ChildProcess& process() { return *child_; }

 private:
  PrivateCoturn() = default;
  CoturnConfig config_;
  int port_ = 0, relay_ = 0;
  std::optional<ChildProcess> child_;
  std::string log_path_;
};

}  // namespace rtmfp::testing
