#include "rtmfp/crypto/flash/dh_group.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <bit>
#include <memory>
#include <string>

namespace rtmfp::crypto::flash {
namespace {

constexpr DhGroupInfo kGroups[] = {
    {2,
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
     1024, "RFC 7296 App. B.2 (1024-bit MODP)"},
    {5,
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
     "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF",
     1536, "RFC 3526 §2 (1536-bit MODP)"},
    {14,
     "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
     "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
     "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
     "15728E5A8AACAA68FFFFFFFFFFFFFFFF",
     2048, "RFC 3526 §3 (2048-bit MODP)"},
};

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;

constexpr std::size_t kPrivateKeyBytes = 32;

Bn bn_from(ByteView b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

Bn prime_of(const DhGroupInfo& g) {
  BIGNUM* p = nullptr;
  if (BN_hex2bn(&p, g.prime_hex) == 0) return nullptr;
  return Bn(p);
}

Bytes bn_bytes(const BIGNUM* b) {  // minimal big-endian
  Bytes out(static_cast<std::size_t>(BN_num_bytes(b)));
  if (!out.empty()) BN_bn2bin(b, out.data());
  return out;
}

// g^x mod p with a constant-time exponentiation.
Result<Bytes> mod_exp(const BIGNUM* base, ByteView exponent, const BIGNUM* p) {
  Bn x = bn_from(exponent);
  Bn r(BN_new());
  BnCtx ctx(BN_CTX_new());
  if (!x || !r || !ctx) return fail(Errc::crypto_failure, "DH: out of memory");
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  if (BN_mod_exp_mont_consttime(r.get(), base, x.get(), p, ctx.get(), nullptr) != 1)
    return fail(Errc::crypto_failure, "DH: modular exponentiation failed");
  return bn_bytes(r.get());
}

}  // namespace

std::span<const DhGroupInfo> dh_groups() { return kGroups; }

const DhGroupInfo* find_dh_group(std::uint64_t id) {
  for (const auto& g : kGroups)
    if (g.id == id) return &g;
  return nullptr;
}

Bytes dh_prime_bytes(const DhGroupInfo& g) {
  Bn p = prime_of(g);
  return p ? bn_bytes(p.get()) : Bytes{};
}

Result<void> check_public_key(std::uint64_t group, ByteView public_key) {
  // RFC 7425 §4.6.2.
  const DhGroupInfo* g = find_dh_group(group);
  if (!g) return fail(Errc::unsupported, "DH group " + std::to_string(group) + " not supported");
  std::size_t skip = 0;
  while (skip < public_key.size() && public_key[skip] == 0) ++skip;
  ByteView k = public_key.subspan(skip);
  if (k.size() > g->bits / 8) return fail(Errc::crypto_failure, "DH public key longer than the prime");
  Bn y = bn_from(k);
  Bn p = prime_of(*g);
  Bn limit(BN_new());
  Bn upper(BN_new());
  if (!y || !p || !limit || !upper) return fail(Errc::crypto_failure, "DH: out of memory");
  BN_set_word(limit.get(), 1ul << 24);
  if (BN_cmp(y.get(), limit.get()) < 0) return fail(Errc::crypto_failure, "DH public key below 2^24 (RFC 7425 §4.6.2)");
  BN_sub(upper.get(), p.get(), limit.get());
  if (BN_cmp(y.get(), upper.get()) > 0)
    return fail(Errc::crypto_failure, "DH public key above p - 2^24 (RFC 7425 §4.6.2)");
  std::size_t ones = 0;
  for (std::uint8_t b : k) ones += static_cast<std::size_t>(std::popcount(b));
  const std::size_t significant_bits = static_cast<std::size_t>(BN_num_bits(y.get()));
  if (ones < 16) return fail(Errc::crypto_failure, "DH public key has fewer than 16 one bits (RFC 7425 §4.6.2)");
  if (significant_bits - ones < 16)
    return fail(Errc::crypto_failure, "DH public key has fewer than 16 zero bits (RFC 7425 §4.6.2)");
  return {};
}

DhKey::~DhKey() {
  if (!private_.empty()) OPENSSL_cleanse(private_.data(), private_.size());
}

Result<DhKey> DhKey::generate(std::uint64_t group, RandomSource& rng) {
  const DhGroupInfo* g = find_dh_group(group);
  if (!g) return fail(Errc::unsupported, "DH group " + std::to_string(group) + " not supported");
  // A 256-bit exponent with its top bit set: at least twice the strength of
  // every supported group (RFC 3526 §8 guidance; ~80-110 bits), and always
  // inside [2, p - 2]. Short exponents keep group 14 handshakes cheap.
  for (int attempt = 0; attempt < 16; ++attempt) {
    Bytes priv(kPrivateKeyBytes);
    rng.fill(priv);
    priv[0] |= 0x80;
    auto key = from_private(group, priv);
    OPENSSL_cleanse(priv.data(), priv.size());
    if (key) return key;
  }
  return fail(Errc::crypto_failure, "DH: could not generate an acceptable key pair");
}

Result<DhKey> DhKey::from_private(std::uint64_t group, ByteView private_key) {
  const DhGroupInfo* g = find_dh_group(group);
  if (!g) return fail(Errc::unsupported, "DH group " + std::to_string(group) + " not supported");
  if (private_key.empty() || private_key.size() > g->bits / 8)
    return fail(Errc::invalid_argument, "DH private key has the wrong size");
  Bn p = prime_of(*g);
  Bn gen(BN_new());
  if (!p || !gen) return fail(Errc::crypto_failure, "DH: out of memory");
  BN_set_word(gen.get(), 2);
  auto pub = mod_exp(gen.get(), private_key, p.get());
  if (!pub) return std::unexpected(pub.error());
  if (auto ok = check_public_key(group, *pub); !ok) return std::unexpected(ok.error());
  DhKey k;
  k.group_ = group;
  k.private_.assign(private_key.begin(), private_key.end());
  // Public key in the prime's full width, as Flash Player sends it (leading
  // zero bytes are legal for the unsigned network-order field, §4.3.3.5).
  k.public_.assign(g->bits / 8 - pub->size(), 0);
  k.public_.insert(k.public_.end(), pub->begin(), pub->end());
  return k;
}

Result<Bytes> DhKey::shared_secret(ByteView far_public_key) const {
  if (auto ok = check_public_key(group_, far_public_key); !ok) return std::unexpected(ok.error());
  const DhGroupInfo* g = find_dh_group(group_);
  Bn p = prime_of(*g);
  Bn y = bn_from(far_public_key);
  if (!p || !y) return fail(Errc::crypto_failure, "DH: out of memory");
  auto s = mod_exp(y.get(), private_, p.get());
  if (!s) return s;
  if (s->size() <= 1) return fail(Errc::crypto_failure, "DH shared secret is degenerate");
  return s;  // bn_bytes: no leading zero bytes (RFC 7425 §4.6.2 DH_SECRET)
}

}  // namespace rtmfp::crypto::flash
