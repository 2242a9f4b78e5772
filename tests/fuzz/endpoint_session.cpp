// Fuzzes the endpoint state machine, including open sessions (RFC 7016 §3.5,
// §3.6). A responder ("server") and an initiator ("client") Endpoint, each
// with its own NullProfile (test-only cipher: plain text plus a keyed 32-bit
// check) and its own identity; the client starts a session to the server at
// once and every datagram either endpoint sends is delivered to the other,
// so the handshake completes within a few records.
//
// Input: a script of records  op:u8 advance_ms:u16 len:u8 payload[len].
//   op & 0x80  target: client (set) or server
//   op & 0x40  wrap the payload as a packet (clear: deliver the raw bytes)
//   op & 0x20  (wrapped) session 0 with the default key: startup parsing
//   otherwise (wrapped), if the target has an open session: seal with THAT
//              session's cipher and scramble with its real receive session
//              ID (§2.2.2), so the bytes reach the open-session packet and
//              chunk handlers (flows, acks, buffer probes, forward sequence
//              numbers, ping, close, mobility, path MTU probes);
//              op & 0x08 then builds a valid §2.2.4 header (the peer's mode,
//              a timestamp) around one chunk: type payload[0], body payload[1..];
//              without an open session: the default key and session ID payload[0]
//   op & 0x10  (session-wrapped) send from a fuzzed address instead of the
//              peer's (address mobility, §3.5.4.2)
//   op & 0x07  the fuzzed source address
// The session cipher is taken by wrapping each NullProfile: the harness keeps
// a shared reference to every session cipher the profile hands out.
// Invariants: no crash, no sanitizer error, and next_deadline() is never in
// the past after on_deadline().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <variant>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"

using namespace rtmfp;

namespace {

// A cipher the session owns that forwards to one the harness also holds.
class SharedCipher final : public PacketCipher {
 public:
  explicit SharedCipher(std::shared_ptr<PacketCipher> c) : c_(std::move(c)) {}
  Bytes seal(ByteView plain) override { return c_->seal(plain); }
  Result<Bytes> open(ByteView encrypted) override { return c_->open(encrypted); }
  std::size_t max_plain_size(std::size_t budget) const override { return c_->max_plain_size(budget); }

 private:
  std::shared_ptr<PacketCipher> c_;
};

// Records the cipher of the most recent completed handshake.
struct CipherTap {
  std::shared_ptr<PacketCipher> last;
  SessionKeys tap(SessionKeys k) {
    last = std::shared_ptr<PacketCipher>(std::move(k.cipher));
    k.cipher = std::make_unique<SharedCipher>(last);
    return k;
  }
};

class TappedInitiator final : public InitiatorHandshake {
 public:
  TappedInitiator(std::unique_ptr<InitiatorHandshake> h, CipherTap& t) : h_(std::move(h)), tap_(t) {}
  ByteView certificate() const override { return h_->certificate(); }
  ByteView skic() const override { return h_->skic(); }
  Bytes sign(ByteView part) override { return h_->sign(part); }
  Result<SessionKeys> complete(ByteView portion, ByteView skrc, ByteView signature) override {
    auto k = h_->complete(portion, skrc, signature);
    if (!k) return k;
    return tap_.tap(std::move(*k));
  }

 private:
  std::unique_ptr<InitiatorHandshake> h_;
  CipherTap& tap_;
};

class TappedResponder final : public ResponderHandshake {
 public:
  TappedResponder(std::unique_ptr<ResponderHandshake> h, CipherTap& t) : h_(std::move(h)), tap_(t) {}
  ByteView skrc() const override { return h_->skrc(); }
  Bytes sign(ByteView portion) override { return h_->sign(portion); }
  Result<SessionKeys> keys() override {
    auto k = h_->keys();
    if (!k) return k;
    return tap_.tap(std::move(*k));
  }

 private:
  std::unique_ptr<ResponderHandshake> h_;
  CipherTap& tap_;
};

// NullProfile with its session ciphers tapped.
class TappedProfile final : public CryptoProfile {
 public:
  explicit TappedProfile(RandomSource& rng) : p_(rng) {}
  CipherTap tap;

  ProfileKind kind() const override { return p_.kind(); }
  PacketCipher& default_cipher() override { return p_.default_cipher(); }
  bool claims_startup_packet(ByteView e) const override { return p_.claims_startup_packet(e); }
  ByteView local_certificate() const override { return p_.local_certificate(); }
  PeerId local_peer_id() const override { return p_.local_peer_id(); }
  Result<Bytes> make_epd(const EpdRequest& r) const override { return p_.make_epd(r); }
  Result<EpdInfo> describe_epd(ByteView epd) const override { return p_.describe_epd(epd); }
  bool epd_selects_local(ByteView epd) const override { return p_.epd_selects_local(epd); }
  bool epd_selects_certificate(ByteView epd, ByteView c) const override { return p_.epd_selects_certificate(epd, c); }
  bool certificate_authentic(ByteView c) const override { return p_.certificate_authentic(c); }
  Result<PeerId> peer_id(ByteView c) const override { return p_.peer_id(c); }
  Result<Bytes> canonical_epd(ByteView c) const override { return p_.canonical_epd(c); }
  bool near_prevails(ByteView n, ByteView f) const override { return p_.near_prevails(n, f); }
  bool overrides(ByteView e, ByteView f) const override { return p_.overrides(e, f); }
  Result<std::unique_ptr<InitiatorHandshake>> begin_initiator(ByteView cert, RandomSource& rng) override {
    auto h = p_.begin_initiator(cert, rng);
    if (!h) return h;
    return std::unique_ptr<InitiatorHandshake>(std::make_unique<TappedInitiator>(std::move(*h), tap));
  }
  Result<std::unique_ptr<ResponderHandshake>> begin_responder(ByteView part, ByteView cert, ByteView skic,
                                                              ByteView sig, RandomSource& rng) override {
    auto h = p_.begin_responder(part, cert, skic, sig, rng);
    if (!h) return h;
    return std::unique_ptr<ResponderHandshake>(std::make_unique<TappedResponder>(std::move(*h), tap));
  }

 private:
  testing::NullProfile p_;
};

// An open session as the harness sees it: where to send, with what.
struct OpenSession {
  std::uint32_t recv_id = 0;
  SocketAddress peer;
  bool initiator = false;
  std::shared_ptr<PacketCipher> cipher;
};

struct Side {
  Side(const EndpointConfig& cfg, std::uint64_t seed) : rng(seed), profile(rng), ep(cfg, rng) {
    ep.add_profile(profile);
  }
  SeededRandom rng;
  TappedProfile profile;
  Endpoint ep;
  std::map<SessionHandle, OpenSession> open;

  void on_event(const EndpointEvent& e) {
    if (auto* o = std::get_if<SessionOpened>(&e)) {
      auto info = ep.session_info(o->session);
      if (info && profile.tap.last)
        open[o->session] = {info->recv_session_id, info->peer, info->initiator, profile.tap.last};
    } else if (auto* c = std::get_if<SessionClosed>(&e)) {
      open.erase(c->session);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(ByteView(data, size));
  EndpointConfig cfg;
  Side server(cfg, size);
  Side client(cfg, size ^ 0x5a5a5a5a5a5aull);
  TimePoint now = at(seconds(1));
  SocketAddress server_addr = SocketAddress::ipv4(127, 0, 0, 1, 1935);
  SocketAddress client_addr = SocketAddress::ipv4(10, 0, 0, 9, 5000);
  ConnectRequest req;
  req.profile = client.profile.kind();
  req.epd.uri = "rtmfp://fuzz";
  req.candidates = {server_addr};
  (void)client.ep.connect(now, req);

  auto pump = [&] {
    for (Side* s : {&server, &client}) {
      Endpoint& e = s->ep;
      if (auto d = e.next_deadline(); d && *d <= now) e.on_deadline(now);
      if (auto d = e.next_deadline(); d && *d < now) std::abort();
      // Cross-deliver everything so handshakes and flows progress.
      while (auto t = e.poll_transmit(now)) {
        Side& other = s == &server ? client : server;
        other.ep.on_datagram(now, s == &server ? server_addr : client_addr, t->data);
      }
      while (auto ev = e.poll_event()) s->on_event(*ev);
    }
  };
  // Let the handshake finish before the script starts, so even short inputs
  // reach open sessions (four round trips over the instant harness link).
  for (int i = 0; i < 8; ++i) pump();

  int steps = 0;
  while (in.remaining() >= 4 && steps++ < 256) {
    std::uint8_t op = in.u8();
    std::uint16_t advance_ms = in.u16();
    std::uint8_t len = in.u8();
    ByteView payload = in.take(std::min<std::size_t>(len, in.remaining()));
    now += milliseconds(advance_ms);
    SocketAddress from = SocketAddress::ipv4(10, 0, 0, static_cast<std::uint8_t>(op & 7), 5000);
    Side& target = (op & 0x80) ? client : server;
    if ((op & 0x40) && !(op & 0x20) && !target.open.empty()) {
      // Into an open session: its cipher, its receive ID.
      const OpenSession& s = target.open.begin()->second;
      Bytes plain;
      if (op & 0x08) {
        wire::PacketHeader h;
        h.mode = s.initiator ? wire::PacketMode::responder : wire::PacketMode::initiator;
        h.timestamp = advance_ms;
        wire::PacketBuilder b(h, 1200);
        if (!payload.empty()) (void)b.add_chunk(payload[0], payload.subspan(1));
        plain = std::move(b).finish();
      } else {
        plain.assign(payload.begin(), payload.end());
      }
      Bytes sealed = s.cipher->seal(plain);
      target.ep.on_datagram(now, (op & 0x10) ? from : s.peer, wire::scramble_datagram(s.recv_id, sealed));
    } else if (op & 0x40) {
      // Startup: the default key, session 0 or a small fuzzed session ID.
      std::uint32_t sid = (op & 0x20) ? 0 : (payload.empty() ? 1 : payload[0]);
      Bytes sealed = target.profile.default_cipher().seal(payload);
      target.ep.on_datagram(now, from, wire::scramble_datagram(sid, sealed));
    } else {
      target.ep.on_datagram(now, from, payload);
    }
    pump();
  }
  return 0;
}
