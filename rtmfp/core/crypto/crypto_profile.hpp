// The Cryptography Profile interface, RFC 7016 §3.2 and §2.2.3, implemented by
// the `flash` profile (RFC 7425, OpenSSL, rtmfp/crypto/flash) and the
// `modern` profile (X25519/Ed25519/ChaCha20-Poly1305, libsodium,
// rtmfp/crypto/modern). The session engine sees only this interface.
//
// Rules for implementations:
//  - all randomness comes from the RandomSource passed in (simulations replay);
//  - no exceptions escape; failures are Result errors;
//  - packet ciphers operate on the bytes after the 4-byte scrambled session
//    ID (§2.2.2); the engine scrambles and unscrambles the ID.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/random.hpp"

namespace rtmfp {

enum class ProfileKind : std::uint8_t { flash = 1, modern = 2 };
const char* profile_name(ProfileKind k);  // "flash" / "modern"

// A peer ID: the 32-byte fingerprint of a certificate (F§4.3.2 for flash:
// SHA-256 of the canonical section; for modern: see rtmfp/crypto/modern/WIRE.md).
using PeerId = std::array<std::uint8_t, 32>;

// Encrypts and decrypts the packets of one direction pair (§2.2.3). The
// default-key cipher is stateless; a session cipher may keep replay state.
class PacketCipher {
 public:
  virtual ~PacketCipher() = default;
  // Encrypts a plain packet (§2.2.4 bytes) into the bytes that follow the
  // scrambled session ID on the wire.
  virtual Bytes seal(ByteView plain) = 0;
  // Verifies and decrypts. Any failure (length, checksum, HMAC, AEAD tag,
  // replayed sequence number) is an error and the packet MUST be discarded.
  // On success returns the plain packet; trailing padding may remain, which
  // the §2.2.4 parser treats as padding.
  virtual Result<Bytes> open(ByteView encrypted) = 0;
  // Largest plain packet whose sealed form fits in `wire_budget` bytes
  // (not counting the 4-byte session ID).
  virtual std::size_t max_plain_size(std::size_t wire_budget) const = 0;
};

// What the initiator asks for (§3.2): the EPD a profile builds from it.
struct EpdRequest {
  std::string uri;                 // e.g. "rtmfp://host:1935/app" (Ancillary Data, F§4.4.2)
  std::optional<PeerId> peer_id;   // require this responder (Fingerprint, F§4.4.2)
  std::string hostname;            // Required Hostname (F§4.4.2), empty if none
};

// What a responder learns from an EPD.
struct EpdInfo {
  std::string uri;
  std::optional<PeerId> peer_id;
  std::string hostname;
};

// Session keys and nonces after keying (§3.5.1.1, F§4.6.3-4.6.5).
struct SessionKeys {
  std::unique_ptr<PacketCipher> cipher;
  Bytes near_nonce;
  Bytes far_nonce;
};

// Initiator side of one opening session, created when a selected RHello
// arrives (§3.5.1.1.1).
class InitiatorHandshake {
 public:
  virtual ~InitiatorHandshake() = default;
  // The initiator certificate to send in IIKeying (flash: a fresh one per
  // session, F§5.3 - a client peer ID MUST NOT be reused).
  virtual ByteView certificate() const = 0;
  // The Session Key Initiator Component for this responder.
  virtual ByteView skic() const = 0;
  // Signs the IIKeying signed part (§2.3.7); remembers it for key derivation.
  virtual Bytes sign(ByteView iikeying_signed_part) = 0;
  // Verifies the RIKeying (signature over portion || SKIC) and combines the
  // SKRC into session keys. An error means the RIKeying MUST be ignored.
  virtual Result<SessionKeys> complete(ByteView rikeying_portion, ByteView skrc,
                                       ByteView signature) = 0;
};

// Responder side, created for an acceptable IIKeying (§3.5.1.1.2).
class ResponderHandshake {
 public:
  virtual ~ResponderHandshake() = default;
  virtual ByteView skrc() const = 0;
  // Signs portion || SKIC (§2.3.8) and derives the keys; call once.
  virtual Bytes sign(ByteView rikeying_portion) = 0;
  virtual Result<SessionKeys> keys() = 0;  // after sign()
};

class CryptoProfile {
 public:
  virtual ~CryptoProfile() = default;
  virtual ProfileKind kind() const = 0;

  // ---- Default session key (§2.2.3): session 0, RIKeying, Cookie Change.
  virtual PacketCipher& default_cipher() = 0;
  // Deterministic demultiplexing of session-0 datagrams between profiles on
  // one port (see README "One port, two profiles"): true if the bytes after
  // the session ID have this profile's default-key framing. Must be cheap
  // and must never be true for both profiles on the same input.
  virtual bool claims_startup_packet(ByteView encrypted) const = 0;

  // ---- Identity (§3.2).
  // This endpoint's certificate as a responder (RHello).
  virtual ByteView local_certificate() const = 0;
  virtual PeerId local_peer_id() const = 0;
  // Builds an EPD from a request. Errors on an empty request.
  virtual Result<Bytes> make_epd(const EpdRequest& req) const = 0;
  virtual Result<EpdInfo> describe_epd(ByteView epd) const = 0;
  // Does the EPD select this endpoint (responder, IHello)?
  virtual bool epd_selects_local(ByteView epd) const = 0;
  // Does the EPD select this certificate (initiator, RHello)?
  virtual bool epd_selects_certificate(ByteView epd, ByteView certificate) const = 0;
  virtual bool certificate_authentic(ByteView certificate) const = 0;
  virtual Result<PeerId> peer_id(ByteView certificate) const = 0;
  virtual Result<Bytes> canonical_epd(ByteView certificate) const = 0;
  // Glare (§3.5.1.3): true if the near end prevails (stays initiator).
  virtual bool near_prevails(ByteView near_certificate, ByteView far_certificate) const = 0;
  // Session override (§3.2): does `fresh` replace a session with `existing`?
  virtual bool overrides(ByteView existing, ByteView fresh) const = 0;

  // ---- Keying.
  virtual Result<std::unique_ptr<InitiatorHandshake>> begin_initiator(
      ByteView responder_certificate, RandomSource& rng) = 0;
  // Checks the initiator certificate, signature and SKIC (§3.5.1.1.2 step 3)
  // and prepares the SKRC. An error means: ignore the IIKeying.
  virtual Result<std::unique_ptr<ResponderHandshake>> begin_responder(
      ByteView iikeying_signed_part, ByteView initiator_certificate, ByteView skic,
      ByteView signature, RandomSource& rng) = 0;
};

}  // namespace rtmfp
