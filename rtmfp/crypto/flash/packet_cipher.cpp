#include "rtmfp/crypto/flash/packet_cipher.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "rtmfp/crypto/flash/checksum.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {
namespace {
constexpr std::uint8_t kZeroIv[16] = {};
constexpr std::size_t kBlock = 16;
}  // namespace

// Every packet is CBC with a zero IV (§4.7.1). Re-initialising the OpenSSL
// context per packet costs a provider parameter lookup each time, so the
// contexts keep chaining across packets and each packet cancels the carried
// chaining block instead: CBC encrypts the first block as E(P1 ^ chain), so
// feeding P1 ^ chain yields E(P1), exactly the zero-IV result; decryption
// yields D(C1) ^ chain, and XORing chain back out gives the zero-IV plaintext.
// `chain` is the last cipher block the context processed.
//
// The §4.7.3.2 packet HMAC-SHA256 (RFC 2104) likewise keeps, per direction,
// the SHA-256 digest contexts after the key's inner and outer pads, made at
// the first packet that needs them and copied per packet into one reused
// context (EVP_MD_CTX_copy_ex; OpenSSL 3 duplicates the provider's small
// state with one allocation per copy): the one-shot HMAC() fetched the
// digest, built a context and hashed both pads for every packet, which cost
// more than the AES of a full packet. Same function, same output. Only EVP:
// the SHA256_* functions are deprecated in OpenSSL 3 (this library is built
// with OPENSSL_NO_DEPRECATED, so they cannot come back).
namespace {
struct PadStates {
  EVP_MD_CTX* inner = nullptr;
  EVP_MD_CTX* outer = nullptr;
  ~PadStates() {
    EVP_MD_CTX_free(inner);  // clears the state it held
    EVP_MD_CTX_free(outer);
  }
};
}  // namespace

struct FlashPacketCipher::Ctx {
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  PadStates mac_send, mac_recv;
  EVP_MD_CTX* mac_work = EVP_MD_CTX_new();
  std::uint8_t enc_chain[16] = {};
  std::uint8_t dec_chain[16] = {};
  ~Ctx() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    EVP_MD_CTX_free(mac_work);
    OPENSSL_cleanse(enc_chain, sizeof enc_chain);
    OPENSSL_cleanse(dec_chain, sizeof dec_chain);
  }
};

namespace {
void xor_block(std::uint8_t* dst, const std::uint8_t* src) {
  for (std::size_t i = 0; i < kBlock; ++i) dst[i] ^= src[i];
}

// HMAC-SHA256(key, message) from the key's pad states (RFC 2104: H(K^opad ||
// H(K^ipad || m)); the 32-byte key is shorter than SHA-256's 64-byte block).
// nullopt if OpenSSL fails (out of memory): the packet is then refused.
std::optional<Digest> mac_with(PadStates& st, EVP_MD_CTX* work, const Digest& key, ByteView message) {
  constexpr std::size_t kShaBlock = 64;
  if (!work) return std::nullopt;
  if (!st.inner || !st.outer) {
    EVP_MD_CTX_free(st.inner);
    EVP_MD_CTX_free(st.outer);
    st.inner = EVP_MD_CTX_new();
    st.outer = EVP_MD_CTX_new();
    std::uint8_t pad[kShaBlock];
    bool ok = st.inner && st.outer;
    for (std::size_t i = 0; i < kShaBlock; ++i) pad[i] = static_cast<std::uint8_t>((i < key.size() ? key[i] : 0) ^ 0x36);
    ok = ok && EVP_DigestInit_ex(st.inner, EVP_sha256(), nullptr) == 1 && EVP_DigestUpdate(st.inner, pad, kShaBlock) == 1;
    for (std::size_t i = 0; i < kShaBlock; ++i) pad[i] = static_cast<std::uint8_t>((i < key.size() ? key[i] : 0) ^ 0x5c);
    ok = ok && EVP_DigestInit_ex(st.outer, EVP_sha256(), nullptr) == 1 && EVP_DigestUpdate(st.outer, pad, kShaBlock) == 1;
    OPENSSL_cleanse(pad, sizeof pad);
    if (!ok) {
      EVP_MD_CTX_free(st.inner);
      EVP_MD_CTX_free(st.outer);
      st.inner = st.outer = nullptr;
      return std::nullopt;
    }
  }
  std::uint8_t inner_hash[32];
  Digest out{};
  unsigned int n = 0, m = 0;
  const bool ok = EVP_MD_CTX_copy_ex(work, st.inner) == 1 && EVP_DigestUpdate(work, message.data(), message.size()) == 1 &&
                  EVP_DigestFinal_ex(work, inner_hash, &n) == 1 && n == sizeof inner_hash &&
                  EVP_MD_CTX_copy_ex(work, st.outer) == 1 && EVP_DigestUpdate(work, inner_hash, sizeof inner_hash) == 1 &&
                  EVP_DigestFinal_ex(work, out.data(), &m) == 1 && m == out.size();
  OPENSSL_cleanse(inner_hash, sizeof inner_hash);
  if (!ok) return std::nullopt;
  return out;
}
}  // namespace

FlashPacketCipher::FlashPacketCipher(const CipherConfig& cfg) : cfg_(cfg), ctx_(std::make_unique<Ctx>()) {
  // Keys are bound once, with the zero IV of §4.7.1 as the first chaining block.
  if (ctx_->enc) {
    EVP_EncryptInit_ex(ctx_->enc, EVP_aes_128_cbc(), nullptr, cfg_.encrypt_key.data(), kZeroIv);
    EVP_CIPHER_CTX_set_padding(ctx_->enc, 0);
  }
  if (ctx_->dec) {
    EVP_DecryptInit_ex(ctx_->dec, EVP_aes_128_cbc(), nullptr, cfg_.decrypt_key.data(), kZeroIv);
    EVP_CIPHER_CTX_set_padding(ctx_->dec, 0);
  }
}

FlashPacketCipher::~FlashPacketCipher() { OPENSSL_cleanse(&cfg_, sizeof cfg_); }

std::unique_ptr<FlashPacketCipher> FlashPacketCipher::make_default() {
  CipherConfig c;
  c.encrypt_key = kDefaultSessionKey;
  c.decrypt_key = kDefaultSessionKey;
  return std::make_unique<FlashPacketCipher>(c);
}

Bytes FlashPacketCipher::seal(ByteView plain) {
  // §4.7.2 plaintext structure.
  Bytes pt;
  // Sequence number, checksum, padding and HMAC, and the 4-byte session ID
  // the endpoint prepends in place (RFC 7016 §2.2.2): no reallocation.
  pt.reserve(plain.size() + 68);
  ByteWriter w(pt);
  if (cfg_.send.sseq) write_vlu(w, next_seq_++);
  const std::size_t checksum_at = pt.size();
  if (!cfg_.send.hmac) w.u16(0);
  w.bytes(plain);
  while (pt.size() % kBlock != 0) pt.push_back(0xff);  // pad the whole structure
  if (!cfg_.send.hmac) {
    const std::uint16_t sum = flash_checksum(ByteView(pt).subspan(checksum_at + 2));  // §4.7.3.1
    pt[checksum_at] = static_cast<std::uint8_t>(sum >> 8);
    pt[checksum_at + 1] = static_cast<std::uint8_t>(sum);
  }
  // Encrypted in place (CBC allows it): no second buffer per packet, and no
  // plaintext is left behind to wipe.
  int n = 0;
  xor_block(pt.data(), ctx_->enc_chain);  // zero IV, see Ctx
  bool ok = ctx_->enc && EVP_CipherUpdate(ctx_->enc, pt.data(), &n, pt.data(), static_cast<int>(pt.size())) == 1 &&
            static_cast<std::size_t>(n) == pt.size();
  if (!ok) OPENSSL_cleanse(pt.data(), pt.size());
  Bytes out = std::move(pt);
  if (!ok) {  // cannot happen with a valid context; an empty packet is never accepted
    if (ctx_->enc) EVP_EncryptInit_ex(ctx_->enc, nullptr, nullptr, nullptr, kZeroIv);
    std::fill(std::begin(ctx_->enc_chain), std::end(ctx_->enc_chain), 0);
    return {};
  }
  std::copy(out.end() - kBlock, out.end(), ctx_->enc_chain);
  if (cfg_.send.hmac) {  // §4.7.3.2: HMAC over all cipher blocks, truncated
    const auto mac = mac_with(ctx_->mac_send, ctx_->mac_work, cfg_.hmac_send_key, out);
    if (!mac) return {};  // OpenSSL out of memory: nothing is sent
    out.insert(out.end(), mac->begin(), mac->begin() + static_cast<std::ptrdiff_t>(cfg_.send.hmac_length));
  }
  return out;
}

Result<Bytes> FlashPacketCipher::open(ByteView encrypted) {
  const std::size_t hmac_len = cfg_.recv.hmac ? cfg_.recv.hmac_length : 0;
  if (encrypted.size() < hmac_len + kBlock) return fail(Errc::crypto_failure, "flash packet too short");
  const std::size_t blocks_len = encrypted.size() - hmac_len;
  if (blocks_len % kBlock != 0)
    return fail(Errc::crypto_failure, "flash packet is not whole AES blocks (RFC 7425 §4.7.2)");
  ByteView blocks = encrypted.first(blocks_len);
  if (hmac_len) {
    const auto mac = mac_with(ctx_->mac_recv, ctx_->mac_work, cfg_.hmac_recv_key, blocks);
    if (!mac) return fail(Errc::crypto_failure, "flash packet HMAC could not be computed");
    if (CRYPTO_memcmp(mac->data(), encrypted.data() + blocks_len, hmac_len) != 0)
      return fail(Errc::crypto_failure, "flash packet HMAC mismatch (RFC 7425 §4.7.3.2)");
  }
  Bytes pt(blocks_len);
  int n = 0;
  if (!ctx_->dec || EVP_CipherUpdate(ctx_->dec, pt.data(), &n, blocks.data(), static_cast<int>(blocks_len)) != 1 ||
      static_cast<std::size_t>(n) != blocks_len) {
    if (ctx_->dec) EVP_DecryptInit_ex(ctx_->dec, nullptr, nullptr, nullptr, kZeroIv);
    std::fill(std::begin(ctx_->dec_chain), std::end(ctx_->dec_chain), 0);
    return fail(Errc::crypto_failure, "AES-128-CBC decryption failed");
  }
  xor_block(pt.data(), ctx_->dec_chain);  // zero IV, see Ctx
  std::copy(blocks.end() - kBlock, blocks.end(), ctx_->dec_chain);
  ByteReader r(pt);
  std::uint64_t seq = 0;
  if (cfg_.recv.sseq) {
    seq = read_vlu(r);
    if (!r.ok()) return fail(Errc::crypto_failure, "flash packet session sequence number malformed");
  }
  if (!cfg_.recv.hmac) {
    const std::uint16_t carried = r.u16();
    if (!r.ok()) return fail(Errc::crypto_failure, "flash packet too short for its checksum");
    if (flash_checksum(ByteView(pt).subspan(r.position())) != carried)
      return fail(Errc::crypto_failure, "flash packet checksum mismatch (RFC 7425 §4.7.3.1)");
  }
  if (cfg_.recv.sseq) {  // after verification, so forgeries cannot move the window
    if (!window_.acceptable(seq))
      return fail(Errc::replayed, "duplicate session sequence number (RFC 7425 §4.7.3.3)");
    window_.record(seq);
  }
  pt.erase(pt.begin(), pt.begin() + static_cast<std::ptrdiff_t>(r.position()));  // no second buffer
  return pt;
}

std::size_t FlashPacketCipher::max_plain_size(std::size_t wire_budget) const {
  std::size_t budget = wire_budget;
  if (cfg_.send.hmac) {
    if (budget < cfg_.send.hmac_length) return 0;
    budget -= cfg_.send.hmac_length;
  }
  budget -= budget % kBlock;
  std::size_t overhead = cfg_.send.hmac ? 0 : 2;
  if (cfg_.send.sseq) overhead += vlu_size(next_seq_ + (std::uint64_t{1} << 20));
  return budget > overhead ? budget - overhead : 0;
}

}  // namespace rtmfp::crypto::flash
