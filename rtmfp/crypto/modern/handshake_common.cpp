#include <algorithm>

#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/modern/handshake.hpp"
#include "rtmfp/crypto/modern/packet_cipher.hpp"

namespace rtmfp::crypto::modern {
namespace {

// Reads VLU length + bytes; false on overrun.
bool read_field(ByteReader& r, ByteView& out) {
  const std::uint64_t n = wire::read_vlu(r);
  if (!r.ok() || n > r.remaining()) return false;
  out = r.take(static_cast<std::size_t>(n));
  return r.ok();
}

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

SessionKeys make_session_keys(const DerivedKeys& d, bool initiator) {
  const DirectionKeys i2r{d.key_i2r, d.iv_i2r};
  const DirectionKeys r2i{d.key_r2i, d.iv_r2i};
  SessionKeys k;
  k.cipher = initiator ? std::make_unique<SessionCipher>(i2r, r2i) : std::make_unique<SessionCipher>(r2i, i2r);
  k.near_nonce = initiator ? d.nonce_initiator : d.nonce_responder;
  k.far_nonce = initiator ? d.nonce_responder : d.nonce_initiator;
  return k;
}

Result<void> check_iikeying_signed_part(ByteView signed_part, ByteView certificate, ByteView skic) {
  ByteReader r(signed_part);
  (void)r.u32();
  ByteView cookie, cert, k;
  if (!r.ok() || !read_field(r, cookie) || !read_field(r, cert) || !read_field(r, k) || !r.empty())
    return fail(Errc::malformed, "modern: IIKeying signed part is not ISID, cookie, certificate, SKIC");
  if (!same(cert, certificate) || !same(k, skic))
    return fail(Errc::malformed, "modern: IIKeying signed part does not carry this certificate and SKIC");
  return {};
}

Result<void> check_rikeying_portion(ByteView portion, ByteView skrc) {
  ByteReader r(portion);
  (void)r.u32();
  ByteView k;
  if (!r.ok() || !read_field(r, k) || !r.empty())
    return fail(Errc::malformed, "modern: RIKeying portion is not RSID, SKRC");
  if (!same(k, skrc)) return fail(Errc::malformed, "modern: RIKeying portion does not carry this SKRC");
  return {};
}

}  // namespace rtmfp::crypto::modern
