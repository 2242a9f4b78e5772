// Option type registries and fixed constants of the `modern` Cryptography
// Profile (see WIRE.md in this folder, the normative description). One table
// per registry. Unknown option types are ignored in every registry.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace rtmfp::crypto::modern {

// Certificate options (WIRE.md §3).
#define RTMFP_MODERN_CERT_OPTIONS(X)                                        \
  X(hostname, 0x00, "Hostname (UTF-8, 1..255 bytes)")                       \
  X(accepts_ancillary_data, 0x0a, "Accepts Ancillary Data (empty value)")   \
  X(profile_version, 0x4d, "Profile Version (1 byte, = 0x01)")              \
  X(identity_key, 0x45, "Ed25519 identity public key (32 bytes)")

// Endpoint Discriminator options (WIRE.md §4), numbered like RFC 7425 §4.4.2.
#define RTMFP_MODERN_EPD_OPTIONS(X)                          \
  X(required_hostname, 0x00, "Required Hostname")            \
  X(ancillary_data, 0x0a, "Ancillary Data (URI)")            \
  X(fingerprint, 0x0f, "Fingerprint (32-byte peer ID)")

// Session Keying Component options, SKIC and SKRC (WIRE.md §5).
#define RTMFP_MODERN_KEYING_OPTIONS(X)                                 \
  X(profile_version, 0x4d, "Profile Version (1 byte, = 0x01)")         \
  X(ephemeral_key, 0x58, "X25519 ephemeral public key (32 bytes)")     \
  X(nonce, 0x4e, "Random nonce (32 bytes)")

#define RTMFP_MODERN_ENUM_ENTRY(name, value, text) name = value,
enum class CertOption : std::uint8_t { RTMFP_MODERN_CERT_OPTIONS(RTMFP_MODERN_ENUM_ENTRY) };
enum class EpdOption : std::uint8_t { RTMFP_MODERN_EPD_OPTIONS(RTMFP_MODERN_ENUM_ENTRY) };
enum class KeyingOption : std::uint8_t { RTMFP_MODERN_KEYING_OPTIONS(RTMFP_MODERN_ENUM_ENTRY) };
#undef RTMFP_MODERN_ENUM_ENTRY

inline constexpr std::uint8_t kProfileVersion = 0x01;

// Sizes.
inline constexpr std::size_t kKeySize = 32;        // Ed25519 / X25519 public keys, seeds, AEAD keys
inline constexpr std::size_t kNonceSize = 32;      // SKIC/SKRC nonce, session near/far nonces
inline constexpr std::size_t kSignatureSize = 64;  // Ed25519
inline constexpr std::size_t kTagSize = 16;        // Poly1305
inline constexpr std::size_t kIvSize = 12;         // ChaCha20-Poly1305 IETF nonce
inline constexpr std::size_t kPacketNumberSize = 8;
inline constexpr std::size_t kMaxHostname = 255;  // wire limit (certificate Hostname)
// Local policy for our own certificate: with <= 200 bytes of hostname an
// RHello stays within 3x a minimum (96-byte plain) IHello datagram, the
// engine's anti-amplification budget (WIRE.md §3).
inline constexpr std::size_t kMaxConfigHostname = 200;

// Default-key packets (WIRE.md §7): clear header "MDK" + version.
inline constexpr std::array<std::uint8_t, 4> kDefaultHeader = {0x4d, 0x44, 0x4b, kProfileVersion};
// The published Default Session Key: the 32 ASCII bytes below. Integrity
// against corruption only, never secrecy (like QUIC initial keys).
inline constexpr char kDefaultKeyText[] = "RTMFP modern profile default key";
static_assert(sizeof(kDefaultKeyText) - 1 == kKeySize);
// Default-key sealed size is always congruent to this modulo 16 (demux rule).
inline constexpr std::size_t kDefaultSizeResidue = 8;

// Signature and KDF labels (WIRE.md §6). ASCII, no terminator.
inline constexpr char kLabelInitiatorSig[] = "rtmfp-modern-1 initiator signature";
inline constexpr char kLabelResponderSig[] = "rtmfp-modern-1 responder signature";
inline constexpr char kLabelKeyI2R[] = "rtmfp-modern-1 key i2r";
inline constexpr char kLabelKeyR2I[] = "rtmfp-modern-1 key r2i";
inline constexpr char kLabelIvI2R[] = "rtmfp-modern-1 iv i2r";
inline constexpr char kLabelIvR2I[] = "rtmfp-modern-1 iv r2i";
inline constexpr char kLabelNonceI[] = "rtmfp-modern-1 nonce initiator";
inline constexpr char kLabelNonceR[] = "rtmfp-modern-1 nonce responder";

}  // namespace rtmfp::crypto::modern
