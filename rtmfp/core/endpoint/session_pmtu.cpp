// Path MTU discovery for open sessions (RFC 7016 §3.5.4.3, adapting RFC
// 4821): the search itself is rtmfp/core/session/path_mtu; here are its
// probe packets, their replies, and the session's datagram size.
//
// A probe is a packet of exactly the probed size holding a Padding chunk and
// then a Ping (§3.5.4.3: the Ping after the Padding, so that a truncated
// probe cannot be answered). Its message is kProbeMark and a random token;
// the far end copies it back in a Ping Reply (§3.5.4) and that reply, matched
// by token, confirms the size. Probe replies are never shown to the
// application as PingReplied. Probes carry no user data: a lost probe costs
// nothing but itself, and they are not charged to congestion control (a
// handful per session, at most one outstanding); their bytes are counted in
// EndpointStats (pmtu_probe_bytes and bytes_out).
//
// When the size rises, FUTURE writes are fragmented to the larger size
// (FlowSet::set_max_fragment); fragments already queued keep their size,
// which always fits. When the peer's address changes (§3.5.4.2 mobility),
// the path may be different: the size goes back to the base for new writes
// and the search restarts (a black-hole guard). Not handled: fragments
// already cut for the larger size cannot be re-cut (each fragment has its
// own sequence number, §3.6.2), so they are still sent in packets of the
// size they were cut for and may be lost if the new path is narrower; nor is
// a black hole detected without an address change (RFC 4821 §7.7's
// detection from repeated data loss).
#include <algorithm>
#include <span>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

namespace {
constexpr std::uint8_t kProbeMark = 'P';  // the mobility check uses 'M' (session_io.cpp)
constexpr std::size_t kProbeMessageSize = 1 + 8;

// Fixed User Data chunk fields before data and options (§2.3.11): flags,
// and the flow ID, sequence number and FSN offset VLUs at their largest.
constexpr std::size_t kUserDataFixedMax = 1 + 3 * 10;
constexpr std::size_t kPacketHeaderMax = 1 + 2 + 2;  // flags, timestamp, echo (§2.2.4)
constexpr std::size_t kChunkHeader = 3;
}  // namespace

std::size_t Endpoint::max_fragment_for(const Session& s, std::size_t datagram) const {
  const std::size_t max_plain = s.cipher->max_plain_size(datagram - params::kSessionIdSize);
  const std::size_t fixed = kPacketHeaderMax + kChunkHeader + kUserDataFixedMax;
  return max_plain > fixed + 128 ? max_plain - fixed : 128;
}

void Endpoint::arm_path_mtu(TimePoint now, Session& s) {
  // At S_OPEN: configure the search. The initiator starts at once (its
  // S_OPEN follows the responder's); the responder waits for the first
  // packet under session keys, which shows the initiator can read probes.
  PathMtuConfig c;
  c.base = config_.max_datagram;
  std::size_t limit = config_.max_datagram_limit;
  if (limit == 0) limit = s.dest.v6 ? params::kPmtuLimitIpv6 : params::kPmtuLimitIpv4;
  c.limit = config_.path_mtu_discovery ? std::max(limit, c.base) : c.base;
  s.pmtu = PathMtu(c);
  s.cut_datagram = c.base;
  s.pmtu_wire = c.base;
  s.pmtu_armed = c.limit > c.base;
  if (s.initiator) start_path_mtu(now, s);
}

void Endpoint::start_path_mtu(TimePoint now, Session& s) {
  if (!s.pmtu_armed) return;
  s.pmtu_armed = false;
  s.pmtu.start(now);
  if (trace_)
    trace_->event(now, "transport", "path_mtu_search_started",
                  {{"session", s.handle},
                   {"base", static_cast<std::uint64_t>(s.pmtu.base())},
                   {"limit", static_cast<std::uint64_t>(s.pmtu.limit())}});
}

void Endpoint::path_mtu_step(TimePoint now, Session& s) {
  if (!s.is_open() || !s.cipher) return;
  const auto before = s.pmtu.state();
  if (auto due = s.pmtu.next_deadline(); due && *due <= now) s.pmtu.on_deadline(now);
  if (trace_ && s.pmtu.state() != before)
    trace_->event(now, "transport", "path_mtu_state_updated",
                  {{"session", s.handle},
                   {"new", std::string(path_mtu_state_name(s.pmtu.state()))},
                   {"max_datagram", static_cast<std::uint64_t>(s.pmtu_wire)}});
  if (auto size = s.pmtu.probe_due(now)) send_mtu_probe(now, s, *size);
}

void Endpoint::send_mtu_probe(TimePoint now, Session& s, std::size_t size) {
  wire::PacketHeader h;
  h.mode = s.initiator ? wire::PacketMode::initiator : wire::PacketMode::responder;
  h.timestamp = timestamp_at(now);
  wire::PacketBuilder b(h, s.cipher->max_plain_size(size - params::kSessionIdSize));
  Bytes msg(kProbeMessageSize);
  msg[0] = kProbeMark;
  rng_.fill(std::span<std::uint8_t>(msg).subspan(1));
  std::uint64_t token = 0;
  for (std::size_t i = 1; i < msg.size(); ++i) token = token << 8 | msg[i];
  // Padding fills the packet so that the Ping ends exactly at its end.
  const std::size_t room = b.payload_room();
  if (room < kChunkHeader + msg.size()) return;  // cannot happen: the base is far larger
  if (!b.add_chunk(wire::kPaddingChunk0, Bytes(room - kChunkHeader - msg.size(), 0)) ||
      !b.add_chunk(static_cast<std::uint8_t>(wire::ChunkType::ping), msg))
    return;
  Bytes sealed = s.cipher->seal(std::move(b).finish());
  const std::size_t wire_size = sealed.size() + params::kSessionIdSize;
  // §3.5.2.2-derived ERTO, floored (params.hpp).
  const Duration timeout = std::max(params::kPmtuProbeMinTimeout, s.flows ? s.flows->erto() : params::kInitialErto);
  s.pmtu.on_probe_sent(now, size, timeout);
  s.pmtu_probes.push_back(Session::MtuProbe{token, size, wire_size, s.pmtu_epoch});
  while (s.pmtu_probes.size() > params::kPmtuProbeMemory) s.pmtu_probes.pop_front();
  ++stats_.pmtu_probes_sent;
  stats_.pmtu_probe_bytes += wire_size;
  if (trace_)
    trace_->event(now, "transport", "path_mtu_probe_sent",
                  {{"session", s.handle},
                   {"size", static_cast<std::uint64_t>(wire_size)},
                   {"budget", static_cast<std::uint64_t>(size)},
                   {"try", static_cast<std::uint64_t>(s.pmtu.probe_count() + 1)}});
  send_datagram(s.dest, wire::scramble_datagram(s.send_session_id, sealed), s.iface);
}

bool Endpoint::on_mtu_probe_reply(TimePoint now, Session& s, ByteView message) {
  if (message.size() != kProbeMessageSize || message[0] != kProbeMark) return false;
  std::uint64_t token = 0;
  for (std::size_t i = 1; i < message.size(); ++i) token = token << 8 | message[i];
  auto it = std::find_if(s.pmtu_probes.begin(), s.pmtu_probes.end(),
                         [&](const Session::MtuProbe& p) { return p.token == token; });
  if (it == s.pmtu_probes.end()) return false;  // not ours: an application Ping
  const Session::MtuProbe probe = *it;
  s.pmtu_probes.erase(it);
  ++stats_.pmtu_probes_acked;
  if (probe.epoch != s.pmtu_epoch) return true;  // sent on a path we left
  if (s.pmtu.on_probe_acked(now, probe.size)) {
    s.pmtu_wire = probe.wire;
    apply_datagram_size(now, s, "probe_acked");
  }
  path_mtu_step(now, s);
  return true;
}

void Endpoint::path_changed(TimePoint now, Session& s) {
  // §3.5.4.2 moved DESTADDR: the new path may carry less. Back to the base
  // for new writes, and search again.
  ++s.pmtu_epoch;
  const bool changed = s.pmtu.reset(now);
  if (changed) {
    s.pmtu_wire = s.pmtu.current();
    apply_datagram_size(now, s, "path_changed");
  }
}

void Endpoint::apply_datagram_size(TimePoint now, Session& s, const char* why) {
  const std::size_t size = s.pmtu.current();
  if (s.flows) s.flows->set_max_fragment(max_fragment_for(s, size));
  s.cut_datagram = std::max(s.cut_datagram, size);
  if (trace_)
    trace_->event(now, "transport", "path_mtu_updated",
                  {{"session", s.handle},
                   {"max_datagram", static_cast<std::uint64_t>(s.pmtu_wire)},
                   {"budget", static_cast<std::uint64_t>(size)},
                   {"reason", std::string(why)}});
}

std::optional<std::size_t> Endpoint::session_max_datagram(SessionHandle h) const {
  const Session* s = find(h);
  if (!s) return std::nullopt;
  return s->is_opening() || !s->pmtu_wire ? config_.max_datagram : s->pmtu_wire;
}

}  // namespace rtmfp
