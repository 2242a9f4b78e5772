// Building crypto profiles by kind, with optional persisted identities: the
// one place the CLI and tools create profiles.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "rtmfp/core/crypto/crypto_profile.hpp"

namespace rtmfp::crypto {

// identity: bytes from export_identity() to restore a server identity, or
// nullopt for a fresh one.
Result<std::unique_ptr<CryptoProfile>> make_profile(ProfileKind kind, const std::optional<Bytes>& identity,
                                                    RandomSource& rng);
Bytes export_identity(const CryptoProfile& profile);

Result<ProfileKind> parse_profile_kind(const std::string& name);

// An identity file holds one line per profile: "<profile> <hex identity>".
// Missing file: created with fresh identities for the requested kinds.
struct IdentityFile {
  std::optional<Bytes> flash;
  std::optional<Bytes> modern;
};
Result<IdentityFile> load_identity_file(const std::string& path);  // missing file -> empty
Result<void> save_identity_file(const std::string& path, const IdentityFile& ids);

}  // namespace rtmfp::crypto
