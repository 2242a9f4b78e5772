// Option type registries of the RFC 7425 `flash` Cryptography Profile. One
// table per registry, each with the section that defines it. Unknown types
// are ignored in every registry (F§4.3.3, F§4.4.2, F§4.5.2, F§4.3.5.1).
#pragma once

#include <cstdint>

namespace rtmfp::crypto::flash {

// Certificate options, RFC 7425 §4.3.3.
#define RTMFP_FLASH_CERT_OPTIONS(X)                                   \
  X(hostname, 0x00, "RFC 7425 §4.3.3.1 Hostname")                    \
  X(accepts_ancillary_data, 0x0a, "RFC 7425 §4.3.3.2 Accepts Ancillary Data") \
  X(extra_randomness, 0x0e, "RFC 7425 §4.3.3.3 Extra Randomness")    \
  X(ephemeral_group, 0x15, "RFC 7425 §4.3.3.4 Supported Ephemeral DH Group") \
  X(static_key, 0x1d, "RFC 7425 §4.3.3.5 Static DH Public Key")

// Endpoint Discriminator options, RFC 7425 §4.4.2.
#define RTMFP_FLASH_EPD_OPTIONS(X)                                    \
  X(required_hostname, 0x00, "RFC 7425 §4.4.2.1 Required Hostname")  \
  X(ancillary_data, 0x0a, "RFC 7425 §4.4.2.2 Ancillary Data")        \
  X(fingerprint, 0x0f, "RFC 7425 §4.4.2.3 Fingerprint")

// Session Keying Component options (SKIC/SKRC), RFC 7425 §4.5.2.
#define RTMFP_FLASH_KEYING_OPTIONS(X)                                 \
  X(ephemeral_key, 0x0d, "RFC 7425 §4.5.2.1 Ephemeral DH Public Key") \
  X(extra_randomness, 0x0e, "RFC 7425 §4.5.2.2 Extra Randomness")    \
  X(group_select, 0x1d, "RFC 7425 §4.5.2.3 DH Group Select")         \
  X(hmac_negotiation, 0x1a, "RFC 7425 §4.5.2.4 HMAC Negotiation")    \
  X(sseq_negotiation, 0x1e, "RFC 7425 §4.5.2.5 Session Sequence Number Negotiation")

// Signature options, RFC 7425 §4.3.5.1.
#define RTMFP_FLASH_SIGNATURE_OPTIONS(X) \
  X(simple_password, 0x1d, "RFC 7425 §4.3.5.1.1 Simple Password")

#define RTMFP_FLASH_ENUM_ENTRY(name, value, text) name = value,
enum class CertOption : std::uint8_t { RTMFP_FLASH_CERT_OPTIONS(RTMFP_FLASH_ENUM_ENTRY) };
enum class EpdOption : std::uint8_t { RTMFP_FLASH_EPD_OPTIONS(RTMFP_FLASH_ENUM_ENTRY) };
enum class KeyingOption : std::uint8_t { RTMFP_FLASH_KEYING_OPTIONS(RTMFP_FLASH_ENUM_ENTRY) };
enum class SignatureOption : std::uint8_t { RTMFP_FLASH_SIGNATURE_OPTIONS(RTMFP_FLASH_ENUM_ENTRY) };
#undef RTMFP_FLASH_ENUM_ENTRY

// Flag bits of the HMAC and SSEQ Negotiation options (RFC 7425 §4.5.2.4-5).
inline constexpr std::uint8_t kNegotiateSendAlways = 0x04;     // SND
inline constexpr std::uint8_t kNegotiateSendOnRequest = 0x02;  // SOR
inline constexpr std::uint8_t kNegotiateRequest = 0x01;        // REQ

// The signature a signer without options sends (RFC 7425 §4.3.5).
inline constexpr std::uint8_t kEmptySignature = 0x58;  // "X"

}  // namespace rtmfp::crypto::flash
