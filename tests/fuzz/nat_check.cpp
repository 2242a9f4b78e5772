// libFuzzer target: the NAT check's request decoder (any host reaches it
// with one IHello to a rendezvous) and its classification of whatever
// answers came (a hostile server chooses them). Invariants: no crash; what
// decodes re-encodes to the same bytes; a class is never looser than what
// the observations support (EI filtering only with an answer from another
// address).
#include <cstdlib>

#include "rendezvous/core/nat_check.hpp"
#include "rtmfp/core/wire/address_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::rendezvous;
  const rtmfp::ByteView in(data, size);
  if (auto m = decode_nat_check_epd(in)) {
    auto again = encode_nat_check_epd(*m);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  if (size < 1) return 0;
  NatObservations o;
  const std::uint8_t flags = data[0];
  rtmfp::ByteReader r(in.subspan(1));
  std::optional<rtmfp::SocketAddress>* slots[] = {&o.reflexive, &o.other_port, &o.other_address,
                                                  &o.reflexive_other_port, &o.reflexive_other_address};
  for (int i = 0; i < 5; ++i) {
    if (!(flags & (1u << i))) continue;
    auto a = rtmfp::wire::read_address(r);
    if (!r.ok()) return 0;
    *slots[i] = a.address;
  }
  o.reached_from_other_port = flags & 0x20;
  o.reached_from_other_address = flags & 0x40;
  o.hairpin = flags & 0x80;
  const NatClass c = classify(o);
  if (c.filtering == NatBehaviour::endpoint_independent && !o.reached_from_other_address) std::abort();
  if (c.reflexive.size() > 3) std::abort();
  return 0;
}
