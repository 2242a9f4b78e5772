// Session startup under loss in the simulator, with the real crypto
// profiles: many seeds per loss rate (0-50%), statistical bounds on
// completion and time. RFC 7016 §3.5.1.1.1 backoff is never shortened, so
// the bounds grow with loss. The seed is printed on failure.
#include <gtest/gtest.h>

#include "rtmfp/crypto/profiles.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/sim/network.hpp"
#include "tests/sim/stats.hpp"

namespace rtmfp::testing {
namespace {

struct Outcome {
  bool opened = false;
  double seconds = 0;
};

Outcome run_once(ProfileKind kind, double loss, std::uint64_t seed) {
  sim::Network net(seed);
  SeededRandom rng_s(seed * 2 + 1), rng_c(seed * 2 + 2);
  auto sp = crypto::make_profile(kind, std::nullopt, rng_s);
  auto cp = crypto::make_profile(kind, std::nullopt, rng_c);
  SocketAddress sa = SocketAddress::ipv4(10, 0, 0, 1, 1935), ca = SocketAddress::ipv4(10, 0, 0, 2, 5000);
  auto se = std::make_unique<Endpoint>(EndpointConfig{}, rng_s);
  auto ce = std::make_unique<Endpoint>(EndpointConfig{}, rng_c);
  se->add_profile(**sp);
  ce->add_profile(**cp);
  EndpointNode server(sa, std::move(se)), client(ca, std::move(ce));
  net.add_host(server, sa);
  auto cid = net.add_host(client, ca);
  sim::PipeConfig link;
  link.delay = milliseconds(20);
  link.rate_bps = 20'000'000;
  link.loss = loss;
  net.connect(ca, sa, link);
  ConnectRequest r;
  r.profile = kind;
  r.epd.uri = "rtmfp://10.0.0.1/app";
  r.epd.peer_id = (*sp)->local_peer_id();
  r.candidates = {sa};
  TimePoint start = net.now();
  (void)client.endpoint().connect(start, r);
  net.wake(cid);
  bool ok = net.run_until([&] { return client.first<SessionOpened>() || client.first<SessionOpenFailed>(); },
                          start + seconds(100));
  Outcome o;
  o.opened = ok && client.first<SessionOpened>() != nullptr;
  o.seconds = std::chrono::duration<double>(net.now() - start).count();
  return o;
}

void check(ProfileKind kind, double loss, int seeds, double min_success, double max_median_s, double max_p90_s) {
  sim::Samples times;
  int opened = 0;
  std::string failed_seeds;
  for (int i = 0; i < seeds; ++i) {
    std::uint64_t seed = 1000 + static_cast<std::uint64_t>(i);
    Outcome o = run_once(kind, loss, seed);
    if (o.opened) {
      ++opened;
      times.add(o.seconds);
    } else {
      failed_seeds += " seed=" + std::to_string(seed);
    }
  }
  double rate = static_cast<double>(opened) / seeds;
  EXPECT_GE(rate, min_success) << profile_name(kind) << " loss=" << loss << "; did not open:" << failed_seeds;
  if (opened) {
    EXPECT_LE(times.median(), max_median_s) << times.summary();
    EXPECT_LE(times.p90(), max_p90_s) << times.summary();
    std::printf("%s loss=%.0f%%: %d/%d opened, %s\n", profile_name(kind), loss * 100, opened, seeds,
                times.summary().c_str());
  }
}

// 40 ms RTT: a lossless handshake is 2 RTTs. Each lost packet costs at least
// the 1.5 s first retry interval, then 3 s, 4.5 s... (§3.5.1.1.1).
TEST(HandshakeUnderLoss, NoLoss) {
  check(ProfileKind::modern, 0.0, 20, 1.0, 0.1, 0.1);
  check(ProfileKind::flash, 0.0, 20, 1.0, 0.1, 0.1);
}
TEST(HandshakeUnderLoss, TenPercent) {
  check(ProfileKind::modern, 0.10, 40, 1.0, 1.0, 3.5);
  check(ProfileKind::flash, 0.10, 40, 1.0, 1.0, 3.5);
}
// Above ~20% loss the RFC's own numbers bound success: the backoff allows
// about 8 attempts in the 95 s ultimate open timeout, shared by the IHello
// and IIKeying stages; a stage that starts late has only a few attempts left.
// Each round trip survives with (1-loss)^2: 0.49 at 30%, 0.25 at 50%.
TEST(HandshakeUnderLoss, ThirtyPercent) {
  check(ProfileKind::modern, 0.30, 40, 0.85, 8.0, 40.0);
  check(ProfileKind::flash, 0.30, 40, 0.85, 8.0, 40.0);
}
TEST(HandshakeUnderLoss, FiftyPercent) {
  check(ProfileKind::modern, 0.50, 40, 0.40, 25.0, 80.0);
}

}  // namespace
}  // namespace rtmfp::testing
