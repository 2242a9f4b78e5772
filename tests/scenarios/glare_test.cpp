// Glare (RFC 7016 §3.5.1.3, RFC 7425 §4.3.6-4.3.7) in the simulator with the
// real profiles and their DEFAULT per-session initiator certificates: two
// endpoints connect() to each other at (nearly) the same moment. Whatever the
// relative delay, exactly one session opens, both connect() calls complete
// with SessionOpened on their own handles, and no SessionOpenFailed follows
// (none during the 95 s open timeout either). The seed is printed on failure.
#include <gtest/gtest.h>

#include "rtmfp/crypto/profiles.hpp"
#include "tests/scenarios/endpoint_node.hpp"
#include "tests/sim/network.hpp"

namespace rtmfp::testing {
namespace {

constexpr Duration kOneWay = milliseconds(20);  // RTT 40 ms

std::string run_glare(ProfileKind kind, std::uint64_t seed, Duration b_delay) {
  sim::Network net(seed);
  SeededRandom rng_a(seed * 2 + 1), rng_b(seed * 2 + 2);
  auto ap = crypto::make_profile(kind, std::nullopt, rng_a);
  auto bp = crypto::make_profile(kind, std::nullopt, rng_b);
  SocketAddress aa = SocketAddress::ipv4(10, 0, 0, 1, 1935), ba = SocketAddress::ipv4(10, 0, 0, 2, 1935);
  auto ae = std::make_unique<Endpoint>(EndpointConfig{}, rng_a);
  auto be = std::make_unique<Endpoint>(EndpointConfig{}, rng_b);
  ae->add_profile(**ap);
  be->add_profile(**bp);
  EndpointNode a(aa, std::move(ae)), b(ba, std::move(be));
  auto aid = net.add_host(a, aa);
  auto bid = net.add_host(b, ba);
  sim::PipeConfig link;
  link.delay = kOneWay;
  link.rate_bps = 20'000'000;
  net.connect(aa, ba, link);
  auto request = [&](CryptoProfile& far, SocketAddress at) {
    ConnectRequest r;
    r.profile = kind;
    r.epd.uri = "rtmfp://peer/app";
    r.epd.peer_id = far.local_peer_id();
    r.candidates = {at};
    return r;
  };
  const TimePoint start = net.now();
  auto ha = a.endpoint().connect(start, request(**bp, ba));
  net.wake(aid);
  if (b_delay > Duration{}) net.run_until([] { return false; }, start + b_delay);
  auto hb = b.endpoint().connect(net.now(), request(**ap, aa));
  net.wake(bid);
  if (!ha || !hb) return "connect() failed";
  net.run_until([] { return false; }, start + seconds(120));  // past the 95 s open timeout

  std::string why;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) why += " " + what + ";";
  };
  expect(a.count<SessionOpenFailed>() == 0, "A SessionOpenFailed");
  expect(b.count<SessionOpenFailed>() == 0, "B SessionOpenFailed");
  expect(a.count<SessionOpened>() == 1, "A opened " + std::to_string(a.count<SessionOpened>()));
  expect(b.count<SessionOpened>() == 1, "B opened " + std::to_string(b.count<SessionOpened>()));
  if (a.count<SessionOpened>() == 1 && b.count<SessionOpened>() == 1) {
    const auto* oa = a.first<SessionOpened>();
    const auto* ob = b.first<SessionOpened>();
    expect(oa->session == *ha, "A opened another handle");
    expect(ob->session == *hb, "B opened another handle");
    expect(oa->initiator != ob->initiator, "not one initiator and one responder");
  }
  expect(a.endpoint().sessions().size() == 1 && b.endpoint().sessions().size() == 1, "session count");
  expect(a.endpoint().stats().sessions_open == 1 && b.endpoint().stats().sessions_open == 1, "open count");
  return why;
}

void check(ProfileKind kind) {
  const Duration delays[] = {Duration{}, milliseconds(1), kOneWay, 2 * kOneWay};
  for (Duration d : delays) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      std::string why = run_glare(kind, seed, d);
      EXPECT_TRUE(why.empty()) << profile_name(kind) << " seed=" << seed << " B delay="
                               << std::chrono::duration_cast<std::chrono::milliseconds>(d).count() << " ms:" << why;
    }
  }
}

TEST(Glare, ModernDefaultCertificatesOneSessionNoFailure) { check(ProfileKind::modern); }
TEST(Glare, FlashDefaultCertificatesOneSessionNoFailure) { check(ProfileKind::flash); }

}  // namespace
}  // namespace rtmfp::testing
