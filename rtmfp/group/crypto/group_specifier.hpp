// A group's specifier: its NAME and its publisher's Ed25519 public key,
// written NAME:KEYHEX (64 hex digits). The group's ID is the SHA-256 of
// both (so two publishers using one name make two groups, and a member that
// pins the key cannot be given another publisher's stream). The publisher's
// key pair lives in a key file (the 32-byte seed in hex, mode 0600), so a
// restarted publisher resumes the same group.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rtmfp/core/error.hpp"
#include "rtmfp/group/core/authenticator.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {

struct GroupSpecifier {
  std::string name;
  std::optional<PublicKey> key;  // none: to be learned from the rendezvous
  std::string to_string() const;  // NAME or NAME:KEYHEX
};

// NAME[:KEYHEX]; the name is 1-128 bytes of printable ASCII without ':' or '/'.
Result<GroupSpecifier> parse_group_specifier(std::string_view text);
// SHA-256("rtmfp-group/1" || len(name) as one byte || name || key).
GroupId group_id(std::string_view name, const PublicKey& key);
// Loads the key pair from `path`, or creates it (0600) with a fresh key.
Result<PublisherKeys> load_or_create_publisher_keys(const std::string& path);

}  // namespace rtmfp::group
