#include "tests/support/private_coturn.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tests/support/free_port.hpp"

namespace rtmfp::testing {

namespace {

// One STUN Binding request (RFC 8489 §5: type 0x0001, length 0, magic
// cookie, transaction ID) at a time until a response with our ID arrives.
bool answers_binding(int port, std::chrono::milliseconds limit) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::uint8_t req[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
  for (int i = 8; i < 20; ++i) req[i] = static_cast<std::uint8_t>(0x5a ^ i);
  const auto end = std::chrono::steady_clock::now() + limit;
  bool ok = false;
  while (!ok && std::chrono::steady_clock::now() < end) {
    (void)::sendto(fd, req, sizeof req, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;  // the retransmission interval, not a sleep
    std::uint8_t buf[1500];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ok = n >= 20 && buf[0] == 0x01 && std::memcmp(buf + 8, req + 8, 12) == 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

std::string PrivateCoturn::binary() {
  for (const char* p : {"/usr/bin/turnserver", "/usr/sbin/turnserver"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

std::optional<PrivateCoturn> PrivateCoturn::start(const CoturnConfig& config) {
  PrivateCoturn c;
  c.config_ = config;
  c.port_ = free_udp_port();
  c.relay_ = free_udp_port();
  if (c.port_ == 0 || c.relay_ == 0) return std::nullopt;
  const std::string bin = binary();
  c.log_path_ = "/tmp/rtmfp-test-coturn-" + std::to_string(::getpid()) + "-" + std::to_string(c.port_) + ".log";
  if (bin.empty()) {
    ADD_FAILURE() << "turnserver not installed (Debian package coturn)";
    return std::nullopt;
  }
  auto spawned = ChildProcess::spawn({bin, "-n", "--listening-ip", "127.0.0.1", "--listening-port",
                                  std::to_string(c.port_), "--relay-ip", "127.0.0.1", "--min-port",
                                  std::to_string(c.relay_), "--max-port", std::to_string(c.relay_),
                                  "--lt-cred-mech", "--user", config.user + ":" + config.password, "--realm",
                                  config.realm, "--no-tls", "--no-dtls", "--no-tcp", "--no-cli",
                                  "--allow-loopback-peers", "--no-rfc5780", "--no-auth-pings",
                                  "--no-dynamic-ip-list", "--no-dynamic-realms", "--log-file", c.log_path_,
                                  "--simple-log", "--no-stdout-log", "-v"});
  if (spawned) c.child_.emplace(std::move(*spawned));
  if (!c.child_) {
    ADD_FAILURE() << "cannot start " << bin;
    return std::nullopt;
  }
  if (!answers_binding(c.port_, std::chrono::seconds(15))) {
    ADD_FAILURE() << "coturn never answered a Binding request on 127.0.0.1:" << c.port_ << "\n"
                  << c.log();
    return std::nullopt;
  }
  return c;
}

PrivateCoturn::PrivateCoturn(PrivateCoturn&& o) noexcept
    : config_(o.config_), port_(o.port_), relay_(o.relay_), child_(std::move(o.child_)), log_path_(o.log_path_) {
  o.child_.reset();
  o.log_path_.clear();
}

PrivateCoturn::~PrivateCoturn() {
  if (child_ && child_->pid() > 0) {
    child_->signal(SIGTERM);
    if (!child_->wait(std::chrono::seconds(3))) {
      child_->signal(SIGKILL);
      (void)child_->wait(std::chrono::seconds(3));
    }
  }
  child_.reset();
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
}

std::string PrivateCoturn::log() const {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace rtmfp::testing
