// One peer's entry in the shared peer directory (issue 12 §4): which
// rendezvous instance holds the peer's session, and what that instance knows
// of the peer (its reflexive and host addresses, its NAT class). Several
// rendezvous instances publish their local registrations to one store
// (Redis) under the peer ID; an instance that gets an IHello for a peer
// registered elsewhere redirects the initiator to the owning instance
// (RFC 7016 §3.5.1.4). The store is shared with every other instance and
// anyone who can write to it, so decoding checks every length and count.
//
// Wire form, all integers big-endian, no padding:
//   u8 version (1) | u8 profile (0 modern, 1 flash)
//   u8 n_instance (1..kMaxInstanceAddresses)  address * n_instance
//   address reflexive
//   u8 n_host (0..kMaxHostAddresses)  address * n_host
//   u8 nat_known (0|1) [u8 mapping  u8 filtering]  (NatBehaviour values)
// address = u8 family (4|6) | 4 or 16 bytes IP | u16 port.
// Nothing may follow; unknown versions, families and enum values are refused.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "rendezvous/core/limits.hpp"
#include "rendezvous/core/path_strategy.hpp"
#include "rtmfp/core/address.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::rendezvous {

inline constexpr std::uint8_t kDirectoryEntryVersion = 1;
// Addresses an instance is reachable at (one per family and a spare): all go
// into the Redirect (RFC 7016 §2.3.5), well under REDIRECT_THRESHOLD.
inline constexpr std::size_t kMaxInstanceAddresses = 4;
// Largest encoded entry: header, 4 + 1 + 8 addresses of 19 bytes, NAT.
inline constexpr std::size_t kMaxDirectoryEntrySize = 3 + (kMaxInstanceAddresses + 1 + limits::kMaxHostAddresses) * 19 + 4;

struct DirectoryEntry {
  std::vector<SocketAddress> instance;  // the owning rendezvous, where initiators are redirected
  ProfileKind profile = ProfileKind::modern;
  SocketAddress reflexive;
  std::vector<SocketAddress> host_addresses;
  std::optional<NatProfile> nat;
  bool operator==(const DirectoryEntry&) const = default;
};

// invalid_argument-like errors (malformed) when a count is out of bounds.
Result<Bytes> encode_directory_entry(const DirectoryEntry& e);
// nullopt for anything not exactly a well-formed entry.
std::optional<DirectoryEntry> decode_directory_entry(ByteView b);

}  // namespace rtmfp::rendezvous
