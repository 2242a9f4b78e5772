// libFuzzer target: the shared peer directory's entry decoder
// (rendezvous/core/directory_entry.hpp). Entries come from the store, which
// other instances (and anyone who can write to it) fill. Invariants: no
// crash, and every decoded entry encodes back to exactly the input.
#include <cstdlib>

#include "rendezvous/core/directory_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtmfp::rendezvous;
  auto e = decode_directory_entry(rtmfp::ByteView(data, size));
  if (!e) return 0;
  auto again = encode_directory_entry(*e);
  if (!again || again->size() != size) std::abort();
  for (std::size_t i = 0; i < size; ++i)
    if ((*again)[i] != data[i]) std::abort();
  return 0;
}
