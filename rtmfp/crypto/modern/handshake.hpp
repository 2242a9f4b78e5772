// Initiator and responder keying of the modern profile (WIRE.md §6):
// Ed25519-signed X25519 exchange bound to the whole transcript.
#pragma once

#include <memory>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/modern/identity.hpp"
#include "rtmfp/crypto/modern/key_schedule.hpp"

namespace rtmfp::crypto::modern {

// Makes a fresh initiator identity (unless `own` and `own_certificate` are
// given), an ephemeral key and the SKIC for a responder certificate (which
// must parse).
Result<std::unique_ptr<InitiatorHandshake>> start_initiator(ByteView responder_certificate, RandomSource& rng,
                                                            const Identity* own = nullptr,
                                                            ByteView own_certificate = {});

// Verifies the IIKeying (structure of the signed part, initiator certificate,
// SKIC, signature over label_i || SHA-256(our certificate) || SP) and prepares
// the SKRC.
Result<std::unique_ptr<ResponderHandshake>> start_responder(const Identity& identity, ByteView local_certificate,
                                                            ByteView iikeying_signed_part,
                                                            ByteView initiator_certificate, ByteView skic,
                                                            ByteView signature, RandomSource& rng);

// Builds the session keys for one side from the derived material.
SessionKeys make_session_keys(const DerivedKeys& d, bool initiator);

// Checks that `signed_part` is exactly  u32 ISID, VLU|cookie|, VLU|cert| cert,
// VLU|skic| skic  with the given certificate and SKIC (RFC 7016 §2.3.7).
Result<void> check_iikeying_signed_part(ByteView signed_part, ByteView certificate, ByteView skic);
// Checks that `portion` is exactly  u32 RSID, VLU|skrc| skrc  (§2.3.8).
Result<void> check_rikeying_portion(ByteView portion, ByteView skrc);

}  // namespace rtmfp::crypto::modern
