// Path MTU discovery wired into the endpoint (RFC 7016 §3.5.4.3): probes of
// Padding + Ping, replies hidden from the application, the session's
// datagram size, fragmentation of later writes, the switch, and the reset on
// an address change (§3.5.4.2). The search itself is in path_mtu_test.cpp;
// loss and delay are in tests/scenarios/path_mtu_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "endpoint_harness.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::testing {
namespace {

constexpr std::size_t kBase = params::kDefaultMaxDatagram;
constexpr std::size_t kG = params::kPmtuSearchGranularity;
// The reported size is the confirming probe's size on the wire: a block
// cipher (the null profile pads to 16-byte blocks like AES-CBC) can leave it
// up to a block below the budget the search settled on.
constexpr std::size_t kBlock = 16;

struct PmtuPair {
  Harness h;
  Node* server;
  Node* client;
  SessionHandle cs = 0, ss = 0;
  std::size_t path_mtu = 0;  // 0: no limit
  std::uint64_t dropped_oversize = 0;
  std::size_t largest_delivered = 0;

  explicit PmtuPair(EndpointConfig cfg = {}, std::size_t mtu = 0) : path_mtu(mtu) {
    server = &h.add(addr(1, 1935), 1, cfg);
    client = &h.add(addr(2, 5000), 2, cfg);
    h.filter = [this](SentDatagram& d) {
      if (path_mtu && d.data.size() > path_mtu) {
        ++dropped_oversize;
        return false;
      }
      largest_delivered = std::max(largest_delivered, d.data.size());
      return true;
    };
    ConnectRequest r;
    r.profile = ProfileKind::modern;
    r.epd.uri = "rtmfp://server/app";
    r.candidates = {server->address};
    auto s = client->endpoint->connect(h.now, r);
    EXPECT_TRUE(s);
    cs = *s;
    EXPECT_TRUE(h.run_until([&] { return !server->events_of<SessionOpened>().empty(); }, seconds(5)));
    ss = server->events_of<SessionOpened>().at(0).session;
  }
  std::uint64_t probes_lost() const {
    const auto& a = client->endpoint->stats();
    const auto& b = server->endpoint->stats();
    return a.pmtu_probes_sent - a.pmtu_probes_acked + b.pmtu_probes_sent - b.pmtu_probes_acked;
  }
};

TEST(EndpointPathMtu, SettlesBelowThePathMtuAndHidesProbeReplies) {
  MemoryTraceSink trace;
  PmtuPair p({}, 1400);
  p.client->endpoint->set_trace(&trace);
  p.h.run_for(seconds(60));
  for (auto [node, s] : {std::pair{p.client, p.cs}, std::pair{p.server, p.ss}}) {
    auto size = node->endpoint->session_max_datagram(s);
    ASSERT_TRUE(size);
    EXPECT_LE(*size, 1400u);
    EXPECT_GT(*size + kG + kBlock, 1400u);
    auto info = node->endpoint->session_info(s);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->max_datagram, *size);
    EXPECT_EQ(info->path_mtu_state, "search_complete");
    EXPECT_GT(node->endpoint->stats().pmtu_probes_sent, 0u);
    EXPECT_GT(node->endpoint->stats().pmtu_probes_acked, 0u);
    EXPECT_TRUE(node->events_of<PingReplied>().empty()) << "a probe reply reached the application";
    EXPECT_TRUE(node->events_of<SessionClosed>().empty());
  }
  // Everything the path dropped was a probe (no loss otherwise here).
  EXPECT_EQ(p.dropped_oversize, p.probes_lost());
  EXPECT_GT(p.dropped_oversize, 0u);
  EXPECT_TRUE(std::any_of(trace.lines.begin(), trace.lines.end(),
                          [](const std::string& l) { return l.find("path_mtu_updated") != std::string::npos; }));

  // Application pings still work, including one that looks like a probe.
  ASSERT_TRUE(p.client->endpoint->ping(p.h.now, p.cs, Bytes{1, 2, 3}));
  Bytes lookalike{'P', 1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(p.client->endpoint->ping(p.h.now, p.cs, lookalike));
  p.h.deliver();
  auto replies = p.client->events_of<PingReplied>();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].message, (Bytes{1, 2, 3}));
  EXPECT_EQ(replies[1].message, lookalike);
}

TEST(EndpointPathMtu, LaterWritesUseTheLargerDatagrams) {
  PmtuPair p({}, 1400);
  p.h.run_for(seconds(60));
  const std::size_t size = *p.client->endpoint->session_max_datagram(p.cs);
  ASSERT_GT(size, kBase + 100);
  auto f = p.client->endpoint->open_flow(p.h.now, p.cs, Bytes{'m'});
  ASSERT_TRUE(f);
  Bytes message(200 * 1000);
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  const std::size_t log_from = p.h.log.size();
  const std::uint64_t dropped_before = p.dropped_oversize;
  ASSERT_TRUE(p.client->endpoint->write(p.h.now, p.cs, *f, message));
  ASSERT_TRUE(p.h.run_until([&] { return !p.server->events_of<FlowMessage>().empty(); }, seconds(30)));
  auto got = p.server->events_of<FlowMessage>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, message);
  std::size_t largest = 0, data_packets = 0;
  for (std::size_t i = log_from; i < p.h.log.size(); ++i) {
    const auto& d = p.h.log[i];
    if (d.from != p.client->address) continue;
    largest = std::max(largest, d.data.size());
    data_packets += d.data.size() > 1000;
  }
  EXPECT_LE(largest, size);
  EXPECT_GT(largest, kBase) << "the transfer did not use the discovered size";
  EXPECT_EQ(p.dropped_oversize, dropped_before) << "a data packet exceeded the path MTU";
  // ~1.15x fewer packets than with 1200-byte datagrams.
  EXPECT_LT(data_packets, message.size() / (kBase - 60));
}

TEST(EndpointPathMtu, OffMeansNoProbesAndTheBaseSize) {
  EndpointConfig cfg;
  cfg.path_mtu_discovery = false;
  PmtuPair p(cfg);
  p.h.run_for(seconds(60));
  EXPECT_EQ(p.client->endpoint->stats().pmtu_probes_sent, 0u);
  EXPECT_EQ(p.server->endpoint->stats().pmtu_probes_sent, 0u);
  EXPECT_EQ(*p.client->endpoint->session_max_datagram(p.cs), kBase);
  EXPECT_EQ(p.client->endpoint->session_info(p.cs)->path_mtu_state, "disabled");
  EXPECT_LE(p.largest_delivered, kBase);
}

TEST(EndpointPathMtu, ConfiguredLimitAndFamilyDefaults) {
  {
    PmtuPair p;  // IPv4 peers, no path limit: the 1500-byte Ethernet default
    p.h.run_for(seconds(30));
    for (auto got : {*p.client->endpoint->session_max_datagram(p.cs), *p.server->endpoint->session_max_datagram(p.ss)}) {
      EXPECT_LE(got, params::kPmtuLimitIpv4);
      EXPECT_GT(got + kBlock, params::kPmtuLimitIpv4);
    }
    EXPECT_EQ(p.client->endpoint->stats().pmtu_probes_sent, 1u) << "one probe at the limit should do";
    EXPECT_LE(p.largest_delivered, params::kPmtuLimitIpv4);
  }
  {
    EndpointConfig cfg;
    cfg.max_datagram_limit = 8972;  // 9000-byte jumbo frames
    PmtuPair p(cfg, 4000);
    p.h.run_for(seconds(120));
    const std::size_t got = *p.client->endpoint->session_max_datagram(p.cs);
    EXPECT_LE(got, 4000u);
    EXPECT_GT(got + kG + kBlock, 4000u);
  }
  {
    EndpointConfig cfg;
    cfg.max_datagram_limit = 1000;  // below the base: never below the base, no probing
    PmtuPair p(cfg);
    p.h.run_for(seconds(30));
    EXPECT_EQ(*p.client->endpoint->session_max_datagram(p.cs), kBase);
    EXPECT_EQ(p.client->endpoint->stats().pmtu_probes_sent, 0u);
  }
}

TEST(EndpointPathMtu, AddressChangeGoesBackToTheBaseAndSearchesAgain) {
  PmtuPair p;
  p.h.run_for(seconds(30));
  ASSERT_GT(*p.server->endpoint->session_max_datagram(p.ss) + kBlock, params::kPmtuLimitIpv4);
  // The client's NAT rebinds onto a narrower path.
  SocketAddress rebound = addr(2, 6001);
  p.h.aliases[rebound] = p.client;
  p.path_mtu = 1300;
  p.h.filter = [&](SentDatagram& d) {
    if (d.from == p.client->address) d.from = rebound;
    if (d.data.size() > p.path_mtu) return false;
    return true;
  };
  p.h.now += seconds(2);
  ASSERT_TRUE(p.client->endpoint->ping(p.h.now, p.cs, Bytes{9}));
  p.h.deliver();
  ASSERT_EQ(p.server->endpoint->session_info(p.ss)->peer, rebound);
  EXPECT_EQ(*p.server->endpoint->session_max_datagram(p.ss), kBase) << "not reset on the path change";
  EXPECT_EQ(p.server->endpoint->session_info(p.ss)->path_mtu_state, "searching");
  p.h.run_for(seconds(60));
  const std::size_t got = *p.server->endpoint->session_max_datagram(p.ss);
  EXPECT_LE(got, 1300u);
  EXPECT_GT(got + kG + kBlock, 1300u);
  EXPECT_EQ(p.client->events_of<PingReplied>().size(), 1u);  // the app's ping only
  EXPECT_TRUE(p.server->events_of<PingReplied>().empty());
}

// A probe as the null profile frames it (4-byte session ID, u16 length, the
// plain packet): its plain packet ends with the probe's Ping chunk (type 1,
// length 9, 'P' and the token).
bool is_probe(const SentDatagram& d) {
  if (d.data.size() < 6 + 12) return false;
  const std::size_t n = static_cast<std::size_t>(d.data[4]) << 8 | d.data[5];
  if (n < 12 || 6 + n > d.data.size()) return false;
  const std::uint8_t* end = d.data.data() + 6 + n;
  return end[-12] == 0x01 && end[-11] == 0 && end[-10] == 9 && end[-9] == 'P';
}

TEST(EndpointPathMtu, FragmentsCutBeforeAResetStillGoOut) {
  // The server confirmed ~1472-byte datagrams and queued a large message in
  // fragments of that size; then the client's address changes and the
  // server's size goes back to the base. Those fragments cannot be re-cut:
  // they must still be sent (in packets of the size they were cut for), or
  // the flow would stall for good.
  PmtuPair p;
  p.h.run_for(seconds(30));
  const std::size_t big = *p.server->endpoint->session_max_datagram(p.ss);
  ASSERT_GT(big, kBase + 200);
  auto f = p.server->endpoint->open_flow(p.h.now, p.ss, Bytes{'d'});
  ASSERT_TRUE(f);
  Bytes message(300 * 1000);
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i * 13 + i / 509);
  ASSERT_TRUE(p.server->endpoint->write(p.h.now, p.ss, *f, message));
  // Rebind before anything is delivered; the server's new probes are lost
  // (so its size stays at the base), everything else gets through.
  SocketAddress rebound = addr(2, 6001);
  p.h.aliases[rebound] = p.client;
  bool reset_seen = false;
  std::size_t large_after_reset = 0;
  p.h.filter = [&](SentDatagram& d) {
    if (d.from == p.client->address) d.from = rebound;
    if (d.from == p.server->address) {
      if (is_probe(d)) return false;
      if (!reset_seen && *p.server->endpoint->session_max_datagram(p.ss) == kBase) reset_seen = true;
      if (reset_seen && d.data.size() > kBase) ++large_after_reset;
    }
    return true;
  };
  ASSERT_TRUE(p.client->endpoint->ping(p.h.now, p.cs, Bytes{9}));
  ASSERT_TRUE(p.h.run_until([&] { return !p.client->events_of<FlowMessage>().empty(); }, seconds(60)))
      << "the flow stalled after the reset";
  EXPECT_EQ(p.server->endpoint->session_info(p.ss)->peer, rebound);
  EXPECT_TRUE(reset_seen);
  EXPECT_GT(large_after_reset, 0u) << "no fragment needed the larger packet (the test did not test)";
  EXPECT_EQ(p.client->events_of<FlowMessage>().at(0).data, message);
  EXPECT_EQ(*p.server->endpoint->session_max_datagram(p.ss), kBase);  // every new probe was lost
  // New writes are cut to the base size again.
  const std::size_t log_from = p.h.log.size();
  ASSERT_TRUE(p.server->endpoint->write(p.h.now, p.ss, *f, Bytes(50 * 1000, 7)));
  ASSERT_TRUE(p.h.run_until([&] { return p.client->events_of<FlowMessage>().size() == 2; }, seconds(60)));
  for (std::size_t i = log_from; i < p.h.log.size(); ++i)
    if (p.h.log[i].from == p.server->address && !is_probe(p.h.log[i])) EXPECT_LE(p.h.log[i].data.size(), kBase);
}

}  // namespace
}  // namespace rtmfp::testing
