// Initiator and responder keying for the flash profile, RFC 7425 §4.6: the
// four public-key selection modes of §4.6.1, DH (§4.6.2), the key schedule
// (§4.6.3-4.6.5) and the per-direction packet checks (§4.6.4, §4.6.6).
#pragma once

#include <memory>
#include <vector>

#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/crypto/flash/dh_group.hpp"
#include "rtmfp/crypto/flash/flash_config.hpp"

namespace rtmfp::crypto::flash {

// Preference among groups both ends support: the strongest (14 > 5 > 2).
// Flash Player picks group 2; any common group is valid per §4.6.1.
std::optional<std::uint64_t> choose_group(const std::vector<std::uint64_t>& ours,
                                          const std::vector<std::uint64_t>& theirs);

// Builds the cipher and nonces from a DH secret and the two components.
SessionKeys make_session_keys(ByteView dh_secret, ByteView sknc, ByteView skfc, const DirectionChecks& send,
                              const DirectionChecks& recv);

// Begins the initiator side for a responder certificate (§3.5.1.1.1, §4.6.1):
// makes a fresh certificate (F§5.3), a key pair and the SKIC.
// With a client identity (`own_certificate` + `own_static_keys` non-empty) the
// session uses that certificate and its static key instead of fresh ones.
Result<std::unique_ptr<InitiatorHandshake>> start_initiator(const FlashConfig& cfg, ByteView responder_certificate,
                                                            RandomSource& rng, ByteView own_certificate = {},
                                                            const std::vector<DhKey>& own_static_keys = {});

// Begins the responder side: verifies signature, certificate and SKIC and
// prepares the SKRC. `static_keys` are our certificate's static keys (empty
// for an ephemeral certificate, whose groups are `our_groups`).
Result<std::unique_ptr<ResponderHandshake>> start_responder(const FlashConfig& cfg,
                                                            const std::vector<DhKey>& static_keys,
                                                            ByteView iikeying_signed_part,
                                                            ByteView initiator_certificate, ByteView skic,
                                                            ByteView signature, RandomSource& rng);

}  // namespace rtmfp::crypto::flash
