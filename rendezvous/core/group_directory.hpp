// The rendezvous's directory of P2P broadcast groups (rtmfp/group), sans-I/O:
// who is a member of which group, so a joining node gets a bounded random
// sample of members to connect to (through introductions, RFC 7016
// §3.5.1.4-3.5.1.6) and builds its neighbour set from them.
//  - A group is named by (name, publisher key): the key is the publisher's
//    Ed25519 public key, which every member verifies the media with.
//  - The publisher's join records its key for the name, first one wins
//    while it stays a member; a joiner that names only the group gets that
//    key. A joiner that brings a key is put in the group (name, key)
//    whatever the name's record says: the rendezvous cannot substitute it.
//  - Members refresh (a join again) every limits::kGroupRefresh; one that
//    stops (a crash without goodbye) is gone after kGroupMemberLifetime. A
//    goodbye (leave) or the end of the member's registration removes it at once.
// Every table is bounded (limits.hpp): past a bound a join is refused.
// Local state only (not in the shared Redis directory): members of one
// group must use the same rendezvous instance.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rendezvous/core/limits.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::rendezvous {

using GroupPublisherKey = std::array<std::uint8_t, 32>;

struct GroupDirectoryLimits {
  std::size_t max_groups = limits::kMaxGroups;
  std::size_t max_members_per_group = limits::kMaxMembersPerGroup;
  std::size_t max_memberships = limits::kMaxGroupMemberships;
  std::size_t max_groups_per_peer = limits::kMaxGroupsPerPeer;
  std::size_t sample_size = limits::kGroupSampleSize;
  Duration refresh = limits::kGroupRefresh;
  Duration lifetime = limits::kGroupMemberLifetime;
};

struct GroupJoined {
  GroupPublisherKey key{};
  std::vector<PeerId> sample;        // other members, at most sample_size, random
  std::optional<PeerId> publisher;   // the name's publisher, if it is a member of this group
};

struct GroupDirectoryStats {
  std::uint64_t joins = 0, refreshes = 0, leaves = 0, expired = 0;
  std::uint64_t refused_no_publisher = 0, refused_name_taken = 0, refused_full = 0;
};

class GroupDirectory {
 public:
  explicit GroupDirectory(RandomSource& random, GroupDirectoryLimits limits = {});

  // A join or refresh by `member`. Errors (nothing changes): not_found (no
  // key given and the name has no live publisher), refused (a publisher
  // join for a name another live publisher holds with another key),
  // limit_exceeded (a bound of limits.hpp).
  Result<GroupJoined> join(TimePoint now, const PeerId& member, std::string_view name,
                           const std::optional<GroupPublisherKey>& key, bool publisher);
  // A goodbye: `member` leaves (name, key). Unknown: nothing.
  void leave(const PeerId& member, std::string_view name, const GroupPublisherKey& key);
  // `member` is gone (its registration ended): it leaves every group.
  void leave_all(const PeerId& member);
  // Removes members whose refresh is overdue.
  void expire(TimePoint now);
  std::optional<TimePoint> next_deadline() const { return sweep_at_; }

  std::size_t groups() const { return groups_.size(); }
  std::size_t memberships() const { return memberships_; }
  std::size_t members(std::string_view name, const GroupPublisherKey& key) const;
  std::optional<GroupPublisherKey> publisher_key(std::string_view name) const;
  const GroupDirectoryLimits& limits() const { return limits_; }
  const GroupDirectoryStats& stats() const { return stats_; }

 private:
  using Key = std::pair<std::string, GroupPublisherKey>;
  struct Member {
    std::size_t index = 0;  // in Group::order
    TimePoint expires{};
  };
  struct Group {
    std::map<PeerId, Member> members;
    std::vector<PeerId> order;  // for O(1) random picks
  };
  struct Publisher {
    GroupPublisherKey key{};
    PeerId peer{};
  };
  using Groups = std::map<Key, Group>;
  void remove(Groups::iterator g, const PeerId& member);
  std::vector<PeerId> sample(const Group& g, const PeerId& except);

  RandomSource& random_;
  GroupDirectoryLimits limits_;
  Groups groups_;
  std::map<std::string, Publisher, std::less<>> publishers_;  // by name: the live publisher's key
  std::map<PeerId, std::size_t> per_peer_;                    // groups each peer is a member of
  std::size_t memberships_ = 0;
  std::optional<TimePoint> sweep_at_;
  GroupDirectoryStats stats_;
};

}  // namespace rtmfp::rendezvous
