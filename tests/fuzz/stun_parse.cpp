// libFuzzer target: the STUN parser, the attribute decoders, the
// ChannelData parser and the TURN client fed a server's datagrams (a TURN
// server, or anyone who can spoof it, fills them). Invariants: no crash; a
// message that parses has its attributes inside it; an XOR address that
// decodes re-encodes to the same bytes.
#include <cstdlib>

#include "rendezvous/turn/core/channel_data.hpp"
#include "rendezvous/turn/core/stun_integrity.hpp"
#include "rendezvous/turn/core/stun_message.hpp"
#include "rendezvous/turn/core/turn_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::turn;
  const rtmfp::ByteView in(data, size);
  if (auto m = parse_stun(in)) {
    if (m->attributes.size() > kMaxAttributes) std::abort();
    for (const auto& a : m->attributes) {
      if (a.value.data() < data || a.value.data() + a.value.size() > data + size) std::abort();
      const auto t = static_cast<StunAttr>(a.type);
      if (t == StunAttr::xor_mapped_address || t == StunAttr::xor_peer_address ||
          t == StunAttr::xor_relayed_address) {
        if (auto addr = decode_xor_address(a.value, m->transaction)) {
          rtmfp::Bytes again;
          encode_xor_address(again, *addr, m->transaction);
          if (!std::equal(again.begin(), again.end(), a.value.begin(), a.value.end())) std::abort();
        }
      }
      (void)decode_error_code(a.value);
      (void)decode_u32(a.value);
      (void)decode_channel_number(a.value);
    }
    (void)fingerprint_ok(*m);
    static const auto key = long_term_key("u", "r", "p");
    (void)integrity_ok(*m, key);
  }
  if (auto cd = parse_channel_data(in)) {
    if (cd->data.size() + 4 > size) std::abort();
  }
  // The client, started (its transaction IDs come from a fixed seed, so the
  // fuzzer can learn to answer them), fed the input as datagrams split at
  // 0xFF 0xFE markers, in 1 s steps.
  rtmfp::SeededRandom rng(1);
  TurnClientConfig cfg;
  cfg.username = "u";
  cfg.password = "p";
  TurnClient c(cfg, rng);
  rtmfp::TimePoint now{rtmfp::seconds(1)};
  (void)c.start(now);
  std::size_t from = 0;
  for (std::size_t i = 0; i + 1 <= size; ++i) {
    const bool cut = i + 1 < size && data[i] == 0xFF && data[i + 1] == 0xFE;
    if (cut || i + 1 == size) {
      c.on_datagram(now, in.subspan(from, (cut ? i : size) - from));
      now += rtmfp::seconds(1);
      c.on_deadline(now);
      if (c.state() == TurnState::allocated) {
        const rtmfp::SocketAddress peer = rtmfp::SocketAddress::ipv4(192, 0, 2, 1, 9);
        (void)c.send(now, peer, in.first(std::min<std::size_t>(size, 64)));
      }
      while (c.poll_transmit()) {
      }
      while (c.poll_event()) {
      }
      from = i + 2;
      if (cut) ++i;
    }
  }
  return 0;
}
