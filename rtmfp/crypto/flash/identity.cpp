#include "rtmfp/crypto/flash/identity.hpp"

#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {
namespace {
constexpr std::uint64_t kRandomness = 0x0e;
constexpr std::uint64_t kStaticPrivate = 0x1d;
}  // namespace

Result<ResponderIdentity> ResponderIdentity::generate(const std::vector<std::uint64_t>& groups, bool static_keys,
                                                      RandomSource& rng) {
  ResponderIdentity id;
  id.extra_randomness.resize(64);
  rng.fill(id.extra_randomness);
  if (static_keys) {
    for (std::uint64_t g : groups) {
      auto k = DhKey::generate(g, rng);
      if (!k) return std::unexpected(k.error());
      id.static_keys.push_back(std::move(*k));
    }
  }
  return id;
}

Result<ResponderIdentity> ResponderIdentity::decode(ByteView data) {
  auto opts = parse_options(data, "flash identity");
  if (!opts) return std::unexpected(opts.error());
  ResponderIdentity id;
  for (const auto& o : *opts) {
    if (o.marker) continue;
    if (o.type == kRandomness) {
      id.extra_randomness.assign(o.value.begin(), o.value.end());
    } else if (o.type == kStaticPrivate) {
      auto entry = read_group_key(o.value);
      if (!entry) return fail(Errc::malformed, "flash identity: bad static key entry");
      auto k = DhKey::from_private(entry->group, entry->key);
      if (!k) return std::unexpected(k.error());
      id.static_keys.push_back(std::move(*k));
    }
  }
  if (id.extra_randomness.empty()) return fail(Errc::malformed, "flash identity: no extra randomness");
  return id;
}

Bytes ResponderIdentity::encode() const {
  Bytes out;
  ByteWriter w(out);
  write_option(w, kRandomness, extra_randomness);
  for (const auto& k : static_keys) write_group_key_option(w, kStaticPrivate, k.group(), k.private_key());
  return out;
}

}  // namespace rtmfp::crypto::flash
