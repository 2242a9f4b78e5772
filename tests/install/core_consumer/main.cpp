// Scrambles a session ID into a datagram and reads it back (RFC 7016 §2.2.2).
#include <cstdio>

#include "rtmfp/core/wire/packet.hpp"

int main() {
  rtmfp::Bytes payload{1, 2, 3, 4, 5, 6, 7, 8};
  auto d = rtmfp::wire::scramble_datagram(0x12345678, payload);
  auto id = rtmfp::wire::unscramble_session_id(d);
  if (!id || *id != 0x12345678) return 1;
  std::puts("core consumer ok");
  return 0;
}
