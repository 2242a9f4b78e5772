// Encodes and decodes an AMF0 number (AMF0 §2.2: marker 0x00, big-endian double).
#include <cstdio>

#include "media/amf/amf0.hpp"

int main() {
  using namespace rtmfp::media::amf;
  auto bytes = amf0::encode(Value(2.5));
  if (!bytes || bytes->size() != 9 || (*bytes)[0] != 0x00) return 1;
  auto back = amf0::decode(*bytes);
  if (!back) return 2;
  std::puts("media consumer ok");
  return 0;
}
