#include "rendezvous/turn/core/stun_message.hpp"

#include <algorithm>

#include "rendezvous/turn/core/stun_integrity.hpp"

namespace rtmfp::turn {

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void put16(Bytes& o, std::uint16_t v) {
  o.push_back(static_cast<std::uint8_t>(v >> 8));
  o.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& o, std::uint32_t v) {
  put16(o, static_cast<std::uint16_t>(v >> 16));
  put16(o, static_cast<std::uint16_t>(v));
}
std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

const StunAttribute* StunMessage::find(StunAttr a) const {
  const auto t = static_cast<std::uint16_t>(a);
  for (const auto& at : attributes)
    if (at.type == t) return &at;
  return nullptr;
}

bool looks_like_stun(ByteView b) {
  return b.size() >= kHeaderSize && (b[0] & 0xC0) == 0 && be32(b.data() + 4) == kMagicCookie;
}

Result<StunMessage> parse_stun(ByteView b) {
  if (b.size() < kHeaderSize) return fail(Errc::truncated, "STUN header is 20 bytes");
  if ((b[0] & 0xC0) != 0) return fail(Errc::malformed, "STUN type's top bits are not zero");
  if (be32(b.data() + 4) != kMagicCookie) return fail(Errc::malformed, "no STUN magic cookie");
  const std::size_t length = be16(b.data() + 2);
  if (length % 4 != 0) return fail(Errc::malformed, "STUN length not a multiple of 4");
  if (length + kHeaderSize != b.size()) return fail(Errc::malformed, "STUN length does not match the datagram");
  StunMessage m;
  m.type = be16(b.data());
  std::copy_n(b.begin() + 8, kTransactionIdSize, m.transaction.begin());
  m.raw = b;
  std::size_t at = kHeaderSize;
  while (at < b.size()) {
    if (b.size() - at < 4) return fail(Errc::truncated, "STUN attribute header");
    const std::uint16_t type = be16(b.data() + at);
    const std::size_t len = be16(b.data() + at + 2);
    if (b.size() - at - 4 < padded(len)) return fail(Errc::truncated, "STUN attribute value");
    if (m.fingerprint_at) return fail(Errc::malformed, "attribute after FINGERPRINT");  // §14.7
    const bool is_fp = type == static_cast<std::uint16_t>(StunAttr::fingerprint);
    // §14.5: after MESSAGE-INTEGRITY only FINGERPRINT (and the SHA-256
    // variant, which we do not use) counts; the rest is ignored.
    if (!m.integrity_at || is_fp) {
      if (m.attributes.size() >= kMaxAttributes) return fail(Errc::limit_exceeded, "too many STUN attributes");
      if (is_fp && len != 4) return fail(Errc::malformed, "FINGERPRINT is 4 bytes");
      if (type == static_cast<std::uint16_t>(StunAttr::message_integrity) && len != 20)
        return fail(Errc::malformed, "MESSAGE-INTEGRITY is 20 bytes");
      m.attributes.push_back(StunAttribute{type, b.subspan(at + 4, len), at});
      if (is_fp) m.fingerprint_at = m.attributes.size() - 1;
      if (type == static_cast<std::uint16_t>(StunAttr::message_integrity)) m.integrity_at = m.attributes.size() - 1;
    }
    at += 4 + padded(len);
  }
  return m;
}

std::optional<SocketAddress> decode_xor_address(ByteView v, const TransactionId& tid) {
  // RFC 8489 §14.2: 0, family (1 IPv4, 2 IPv6), X-Port, X-Address.
  if (v.size() < 4 || v[0] != 0) return std::nullopt;
  SocketAddress a;
  a.port = static_cast<std::uint16_t>(be16(v.data() + 2) ^ (kMagicCookie >> 16));
  std::array<std::uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<std::uint8_t>(kMagicCookie >> (24 - 8 * i));
  std::copy(tid.begin(), tid.end(), mask.begin() + 4);
  if (v[1] == 1 && v.size() == 8) {
    a.v6 = false;
    for (int i = 0; i < 4; ++i) a.ip[i] = v[4 + i] ^ mask[i];
  } else if (v[1] == 2 && v.size() == 20) {
    a.v6 = true;
    for (int i = 0; i < 16; ++i) a.ip[i] = v[4 + i] ^ mask[i];
  } else {
    return std::nullopt;
  }
  return a;
}

void encode_xor_address(Bytes& out, const SocketAddress& a, const TransactionId& tid) {
  out.push_back(0);
  out.push_back(a.v6 ? 2 : 1);
  put16(out, static_cast<std::uint16_t>(a.port ^ (kMagicCookie >> 16)));
  std::array<std::uint8_t, 16> mask{};
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<std::uint8_t>(kMagicCookie >> (24 - 8 * i));
  std::copy(tid.begin(), tid.end(), mask.begin() + 4);
  const int n = a.v6 ? 16 : 4;
  for (int i = 0; i < n; ++i) out.push_back(a.ip[i] ^ mask[i]);
}

std::optional<StunError> decode_error_code(ByteView v) {
  // RFC 8489 §14.8: 21 reserved bits, class (3 bits, 3-6), number (0-99).
  if (v.size() < 4) return std::nullopt;
  const int cls = v[2] & 0x07, number = v[3];
  if (cls < 3 || cls > 6 || number > 99) return std::nullopt;
  StunError e;
  e.code = cls * 100 + number;
  const std::size_t n = std::min<std::size_t>(v.size() - 4, 763);  // §14.8: < 128 characters, <= 763 bytes
  e.reason.assign(reinterpret_cast<const char*>(v.data() + 4), n);
  return e;
}

std::optional<std::uint32_t> decode_u32(ByteView v) {
  if (v.size() != 4) return std::nullopt;
  return be32(v.data());
}

std::optional<std::uint16_t> decode_channel_number(ByteView v) {
  if (v.size() != 4) return std::nullopt;
  return be16(v.data());
}

StunBuilder::StunBuilder(std::uint16_t type, const TransactionId& tid) : tid_(tid) {
  out_.reserve(128);
  put16(out_, type);
  put16(out_, 0);
  put32(out_, kMagicCookie);
  out_.insert(out_.end(), tid.begin(), tid.end());
}

void StunBuilder::add(StunAttr type, ByteView value) {
  put16(out_, static_cast<std::uint16_t>(type));
  put16(out_, static_cast<std::uint16_t>(value.size()));
  out_.insert(out_.end(), value.begin(), value.end());
  out_.resize(out_.size() + (padded(value.size()) - value.size()), 0);
}

void StunBuilder::add_u32(StunAttr type, std::uint32_t v) {
  Bytes b;
  put32(b, v);
  add(type, b);
}

void StunBuilder::add_xor_address(StunAttr type, const SocketAddress& a) {
  Bytes b;
  encode_xor_address(b, a, tid_);
  add(type, b);
}

void StunBuilder::add_channel_number(std::uint16_t channel) { add_u32(StunAttr::channel_number, std::uint32_t{channel} << 16); }

void StunBuilder::add_requested_transport(std::uint8_t proto) {
  add_u32(StunAttr::requested_transport, std::uint32_t{proto} << 24);
}

void StunBuilder::set_length(std::size_t body) {
  out_[2] = static_cast<std::uint8_t>(body >> 8);
  out_[3] = static_cast<std::uint8_t>(body);
}

Bytes StunBuilder::finish(ByteView key, bool fingerprint) && {
  if (!key.empty()) {
    const std::size_t at = out_.size();
    const auto mac = integrity_over(out_, at, key);
    add(StunAttr::message_integrity, mac);
  }
  if (fingerprint) {
    const std::size_t at = out_.size();
    add_u32(StunAttr::fingerprint, fingerprint_over(out_, at));
  }
  set_length(out_.size() - kHeaderSize);
  return std::move(out_);
}

}  // namespace rtmfp::turn
