#include "rtmfp/crypto/testing/null_profile.hpp"

#include <algorithm>

namespace rtmfp::testing {
namespace {

constexpr std::uint8_t kMagic[4] = {'N', 'U', 'L', 'L'};
constexpr std::size_t kCertSize = 36;

std::uint32_t fnv(std::uint32_t key, ByteView data) {
  std::uint32_t h = 2166136261u ^ key;
  for (auto b : data) h = (h ^ b) * 16777619u;
  return h;
}

// Frame: u16 length | plain | u32 fnv(key, plain) | pad to size % 16 == 8.
class NullCipher final : public PacketCipher {
 public:
  explicit NullCipher(std::uint32_t key) : key_(key) {}
  Bytes seal(ByteView plain) override {
    Bytes out;
    ByteWriter w(out);
    w.u16(static_cast<std::uint16_t>(plain.size()));
    w.bytes(plain);
    w.u32(fnv(key_, plain));
    while (out.size() % 16 != 8) out.push_back(0xee);
    return out;
  }
  Result<Bytes> open(ByteView encrypted) override {
    if (encrypted.size() % 16 != 8) return fail(Errc::crypto_failure, "bad null frame size");
    ByteReader r(encrypted);
    std::uint16_t n = r.u16();
    ByteView plain = r.take(n);
    std::uint32_t check = r.u32();
    if (!r.ok() || check != fnv(key_, plain)) return fail(Errc::crypto_failure, "null check failed");
    return Bytes(plain.begin(), plain.end());
  }
  std::size_t max_plain_size(std::size_t wire_budget) const override {
    if (wire_budget < 24) return 0;
    std::size_t room = wire_budget - 6;
    // keep the padded size within budget: size % 16 == 8 after padding
    while (room > 0 && ((room + 6 + 7) / 16) * 16 + 8 > wire_budget) --room;
    return room;
  }

 private:
  std::uint32_t key_;
};

bool valid_cert(ByteView c) { return c.size() == kCertSize && std::equal(kMagic, kMagic + 4, c.begin()); }

class NullInitiator final : public InitiatorHandshake {
 public:
  explicit NullInitiator(RandomSource& rng) : cert_(kCertSize), skic_(16) {
    std::copy(kMagic, kMagic + 4, cert_.begin());
    rng.fill(std::span(cert_).subspan(4));
    rng.fill(skic_);
  }
  ByteView certificate() const override { return cert_; }
  ByteView skic() const override { return skic_; }
  Bytes sign(ByteView) override { return Bytes{'X'}; }
  Result<SessionKeys> complete(ByteView, ByteView skrc, ByteView) override {
    if (skrc.size() != 16) return fail(Errc::crypto_failure, "bad null SKRC");
    Bytes both(skic_);
    both.insert(both.end(), skrc.begin(), skrc.end());
    SessionKeys k;
    k.cipher = NullProfile::make_cipher(fnv(0, both));
    k.near_nonce = skic_;
    k.far_nonce.assign(skrc.begin(), skrc.end());
    return k;
  }

 private:
  Bytes cert_, skic_;
};

class NullResponder final : public ResponderHandshake {
 public:
  NullResponder(ByteView skic, RandomSource& rng) : skic_(skic.begin(), skic.end()), skrc_(16) { rng.fill(skrc_); }
  ByteView skrc() const override { return skrc_; }
  Bytes sign(ByteView) override { return Bytes{'X'}; }
  Result<SessionKeys> keys() override {
    Bytes both(skic_);
    both.insert(both.end(), skrc_.begin(), skrc_.end());
    SessionKeys k;
    k.cipher = NullProfile::make_cipher(fnv(0, both));
    k.near_nonce = skrc_;
    k.far_nonce = skic_;
    return k;
  }

 private:
  Bytes skic_, skrc_;
};

}  // namespace

std::unique_ptr<PacketCipher> NullProfile::make_cipher(std::uint32_t key) { return std::make_unique<NullCipher>(key); }

NullProfile::NullProfile(RandomSource& rng, ProfileKind kind)
    : kind_(kind), certificate_(kCertSize), default_cipher_(make_cipher(0x6e756c6c)) {
  std::copy(kMagic, kMagic + 4, certificate_.begin());
  rng.fill(std::span(certificate_).subspan(4));
}

bool NullProfile::claims_startup_packet(ByteView encrypted) const { return encrypted.size() % 16 == 8; }

PeerId NullProfile::local_peer_id() const { return *peer_id(certificate_); }

// EPD: 'F' + 32-byte peer ID, or 'U' + URI.
Result<Bytes> NullProfile::make_epd(const EpdRequest& req) const {
  Bytes e;
  if (req.peer_id) {
    e.push_back('F');
    e.insert(e.end(), req.peer_id->begin(), req.peer_id->end());
  } else if (!req.uri.empty()) {
    e.push_back('U');
    e.insert(e.end(), req.uri.begin(), req.uri.end());
  } else {
    return fail(Errc::invalid_argument, "empty EPD request");
  }
  return e;
}

Result<EpdInfo> NullProfile::describe_epd(ByteView epd) const {
  EpdInfo info;
  if (epd.size() == 33 && epd[0] == 'F') {
    PeerId id;
    std::copy(epd.begin() + 1, epd.end(), id.begin());
    info.peer_id = id;
  } else if (!epd.empty() && epd[0] == 'U') {
    info.uri.assign(epd.begin() + 1, epd.end());
  } else {
    return fail(Errc::malformed, "bad null EPD");
  }
  return info;
}

bool NullProfile::epd_selects_certificate(ByteView epd, ByteView certificate) const {
  auto info = describe_epd(epd);
  if (!info || !valid_cert(certificate)) return false;
  if (info->peer_id) return *peer_id(certificate) == *info->peer_id;
  return true;
}

bool NullProfile::epd_selects_local(ByteView epd) const { return epd_selects_certificate(epd, certificate_); }
bool NullProfile::certificate_authentic(ByteView c) const { return valid_cert(c); }

Result<PeerId> NullProfile::peer_id(ByteView c) const {
  if (!valid_cert(c)) return fail(Errc::malformed, "bad null certificate");
  PeerId id;
  std::copy(c.begin() + 4, c.end(), id.begin());
  return id;
}

Result<Bytes> NullProfile::canonical_epd(ByteView c) const {
  auto id = peer_id(c);
  if (!id) return std::unexpected(id.error());
  return make_epd(EpdRequest{{}, *id, {}});
}

bool NullProfile::near_prevails(ByteView near, ByteView far) const {
  return !std::lexicographical_compare(far.begin(), far.end(), near.begin(), near.end());
}

bool NullProfile::overrides(ByteView existing, ByteView fresh) const {
  return std::equal(existing.begin(), existing.end(), fresh.begin(), fresh.end());
}

Result<std::unique_ptr<InitiatorHandshake>> NullProfile::begin_initiator(ByteView responder_certificate,
                                                                         RandomSource& rng) {
  if (!valid_cert(responder_certificate)) return fail(Errc::malformed, "bad null certificate");
  return std::unique_ptr<InitiatorHandshake>(std::make_unique<NullInitiator>(rng));
}

Result<std::unique_ptr<ResponderHandshake>> NullProfile::begin_responder(ByteView, ByteView initiator_certificate,
                                                                         ByteView skic, ByteView,
                                                                         RandomSource& rng) {
  ++responder_keyings_;
  if (!valid_cert(initiator_certificate) || skic.size() != 16) return fail(Errc::crypto_failure, "bad null keying");
  return std::unique_ptr<ResponderHandshake>(std::make_unique<NullResponder>(skic, rng));
}

}  // namespace rtmfp::testing
