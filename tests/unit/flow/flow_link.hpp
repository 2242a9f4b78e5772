// Two FlowSets joined by a seeded lossy in-memory link; the "session" loop
// is built here with PacketBuilder + wire::parse_packet. `drop_if` lets a
// test lose chosen packets (true: a -> b).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <vector>

#include "rtmfp/core/flow/flow_set.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::flow::test {

using namespace std::chrono_literals;

struct InFlight {
  TimePoint at;
  Bytes packet;
};

struct Link {
  FlowSet a, b;
  std::deque<InFlight> to_a, to_b;
  std::mt19937 rng;
  double loss;
  Duration delay;
  TimePoint now = at(std::chrono::seconds(1));
  std::vector<FlowEvent> events_a, events_b;
  std::uint64_t cwnd_max = 0, cwnd_min_after_peak = UINT64_MAX;
  std::size_t packet_size = 1200;  // plain packet budget
  std::size_t largest_packet = 0;  // plain bytes, over every packet sent
  // Called for every packet sent (before random loss); true drops it.
  std::function<bool(bool a_to_b, const wire::ParsedPacket& p)> drop_if;
  bool poll_b = true;  // false: b's application does not take its events

  Link(std::uint32_t seed, double l, Duration d = 20ms, FlowSetConfig ca = {}, FlowSetConfig cb = {})
      : a(ca), b(cb), rng(seed), loss(l), delay(d) {}

  void send_from(FlowSet& s, std::deque<InFlight>& q) {
    for (int i = 0; i < 64 && s.wants_to_send(now); ++i) {
      wire::PacketHeader h;
      h.mode = wire::PacketMode::initiator;
      wire::PacketBuilder pb(h, packet_size);
      s.fill_packet(now, pb);
      if (pb.empty()) break;
      Bytes p = std::move(pb).finish();
      largest_packet = std::max(largest_packet, p.size());
      if (drop_if) {
        auto parsed = wire::parse_packet(p);
        if (parsed && drop_if(&s == &a, *parsed)) continue;
      }
      if (std::uniform_real_distribution<double>(0, 1)(rng) >= loss) q.push_back({now + delay, std::move(p)});
    }
  }
  void receive(FlowSet& s, std::deque<InFlight>& q, std::vector<FlowEvent>& ev) {
    while (!q.empty() && q.front().at <= now) {
      auto pkt = std::move(q.front().packet);
      q.pop_front();
      auto parsed = wire::parse_packet(pkt);
      ASSERT_TRUE(parsed.has_value());
      s.on_packet_received(now, 2 * delay, false);
      for (const auto& c : parsed->chunks) s.on_chunk(now, c.type, c.payload);
      s.on_packet_end(now);
    }
    if (&s == &b && !poll_b) return;
    while (auto e = s.poll_event()) ev.push_back(std::move(*e));
  }
  void step() {
    now += 1ms;
    for (FlowSet* s : {&a, &b})
      if (auto d = s->next_deadline(); d && *d <= now) s->on_deadline(now);
    receive(a, to_a, events_a);
    receive(b, to_b, events_b);
    send_from(a, to_b);
    send_from(b, to_a);
    const auto w = a.congestion().congestion_window();
    cwnd_max = std::max(cwnd_max, w);
    if (w < cwnd_max) cwnd_min_after_peak = std::min(cwnd_min_after_peak, w);
  }
  std::vector<Bytes> messages_b(FlowId flow) const {
    std::vector<Bytes> out;
    for (const auto& e : events_b)
      if (e.kind == FlowEventKind::message && e.flow == flow) out.push_back(e.data);
    return out;
  }
};

inline Bytes pattern(std::size_t n, std::uint32_t seed) {
  Bytes b(n);
  std::mt19937 r(seed);
  for (auto& x : b) x = static_cast<std::uint8_t>(r());
  return b;
}

inline bool has_chunk(const wire::ParsedPacket& p, std::uint8_t type) {
  return std::any_of(p.chunks.begin(), p.chunks.end(), [&](const auto& c) { return c.type == type; });
}

}  // namespace rtmfp::flow::test
