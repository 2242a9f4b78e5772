// Fuzzes the whole endpoint state machine: the input is a script of
// (time step, source, datagram) records fed to a responder Endpoint and an
// initiator Endpoint that also has a session opening. The null test profile
// is used so the fuzzer can produce datagrams that pass the "cipher" and
// reach the handshake and session logic; a small fraction of records are
// valid IHello/IIKeying shapes to help it along. Invariants: no crash, no
// unbounded queues, next_deadline() is never in the past after on_deadline.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/crypto/testing/null_profile.hpp"

using namespace rtmfp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(ByteView(data, size));
  SeededRandom rng(size);
  testing::NullProfile profile(rng);
  EndpointConfig cfg;
  Endpoint server(cfg, rng);
  server.add_profile(profile);
  Endpoint client(cfg, rng);
  client.add_profile(profile);
  TimePoint now = at(seconds(1));
  SocketAddress server_addr = SocketAddress::ipv4(127, 0, 0, 1, 1935);
  SocketAddress client_addr = SocketAddress::ipv4(10, 0, 0, 9, 5000);
  ConnectRequest req;
  req.profile = profile.kind();
  req.epd.uri = "rtmfp://fuzz";
  req.candidates = {server_addr};
  (void)client.connect(now, req);

  int steps = 0;
  while (in.remaining() >= 4 && steps++ < 256) {
    std::uint8_t op = in.u8();
    std::uint16_t advance_ms = in.u16();
    std::uint8_t len = in.u8();
    ByteView payload = in.take(std::min<std::size_t>(len, in.remaining()));
    now += milliseconds(advance_ms);
    SocketAddress from = SocketAddress::ipv4(10, 0, 0, static_cast<std::uint8_t>(op & 7), 5000);
    Endpoint& target = (op & 0x80) ? client : server;
    if (op & 0x40) {
      // Wrap the payload as a plain packet in the null cipher with a fuzzed session ID.
      std::uint32_t sid = (op & 0x20) ? 0 : (payload.empty() ? 1 : payload[0]);
      Bytes sealed = profile.default_cipher().seal(payload);
      target.on_datagram(now, from, wire::scramble_datagram(sid, sealed));
    } else {
      target.on_datagram(now, from, payload);
    }
    for (Endpoint* e : {&server, &client}) {
      if (auto d = e->next_deadline(); d && *d <= now) e->on_deadline(now);
      if (auto d = e->next_deadline(); d && *d < now) std::abort();
      // Cross-deliver everything so handshakes can progress.
      while (auto t = e->poll_transmit(now)) {
        Endpoint& other = e == &server ? client : server;
        other.on_datagram(now, e == &server ? server_addr : client_addr, t->data);
      }
      while (e->poll_event()) {
      }
    }
  }
  return 0;
}
