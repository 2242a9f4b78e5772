// Probe IHellos: address discovery outside session startup. An IHello
// (RFC 7016 §2.3.2) is the one packet a server answers without a session
// and without state (§3.5.1.1.2); a server that does not match its EPD may
// answer with a Redirect (§2.3.5, §3.5.1.4), whose address list it chooses.
// Our NAT check (rendezvous/core/nat_check.hpp) uses that exchange to ask
// "which address do you see me from?" and "does a packet from another port
// or address reach me?". Replies are reported, never acted upon: a probe
// opens no session.
#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp {

Result<void> Endpoint::send_probe_ihello(TimePoint now, ProfileKind kind, ByteView epd, ByteView tag,
                                         const SocketAddress& to, InterfaceId interface) {
  CryptoProfile* p = profile(kind);
  if (!p) return fail(Errc::invalid_argument, std::string("profile not enabled: ") + profile_name(kind));
  if (epd.empty() || tag.empty()) return fail(Errc::invalid_argument, "empty EPD or tag");
  if (epd.size() > 255 || tag.size() > 255) return fail(Errc::invalid_argument, "EPD or tag longer than 255 bytes");
  const Bytes key(tag.begin(), tag.end());
  if (by_tag_.contains(key)) return fail(Errc::invalid_argument, "tag in use by a session opening");
  // Remember the tag first (bounded: the entry closest to expiry goes).
  if (!probe_tags_.contains(key) && probe_tags_.size() >= params::kMaxProbeTags) {
    auto oldest = probe_tags_.begin();
    for (auto it = probe_tags_.begin(); it != probe_tags_.end(); ++it)
      if (it->second < oldest->second) oldest = it;
    probe_tags_.erase(oldest);
  }
  probe_tags_[key] = now + params::kProbeTagLifetime;
  wire::IHelloChunk ih{epd, tag};
  Bytes payload;
  ByteWriter w(payload);
  ih.encode(w);
  // Padded like a session's IHello so the server's amplification budget
  // (§3.5.1.1.2: at most 3x what it received) covers its Redirect.
  if (!send_startup(now, *p, to, interface, 0, static_cast<std::uint8_t>(wire::ChunkType::ihello), payload, false,
                    params::kMinIHelloPlainSize))
    return fail(Errc::limit_exceeded, "IHello does not fit a datagram");
  ++stats_.probe_ihellos_sent;
  return {};
}

void Endpoint::forget_probe_tag(ByteView tag) { probe_tags_.erase(Bytes(tag.begin(), tag.end())); }

bool Endpoint::probe_tag_live(TimePoint now, ByteView tag) {
  if (probe_tags_.empty()) return false;
  auto it = probe_tags_.find(Bytes(tag.begin(), tag.end()));
  if (it == probe_tags_.end()) return false;
  if (now >= it->second) {
    probe_tags_.erase(it);
    return false;
  }
  return true;
}

}  // namespace rtmfp
