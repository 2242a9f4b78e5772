// One GroupMember driven by hand for the group unit tests: member IDs with
// a chosen home class (group_types.hpp home_class: the ID's last byte mod
// 8), links, messages heard and time advanced tick by tick.
#pragma once

#include <algorithm>
#include <cstdint>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/core/group_messages.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {

// `serial` tells members apart; `cls` is the home class.
inline MemberId member_of_class(std::uint8_t serial, unsigned cls) {
  MemberId id{};
  id[0] = 0xC0;
  id[1] = serial;
  id[31] = static_cast<std::uint8_t>(cls);
  return id;
}

struct MemberHarness {
  // Home class 0.
  explicit MemberHarness(Role role, std::uint64_t seed)
      : rng{seed}, member{self, group, role, verifier, rng, config} {}

  PublisherKeys keys = publisher_keys_from_seed({});
  Ed25519Authenticator verifier{keys.public_key};
  SeededRandom rng;
  GroupConfig config;
  GroupId group{};
  const MemberId self = member_of_class(0, 0);
  GroupMember member;
  TimePoint now = at(seconds(1));

  void link(const MemberId& peer, bool is_publisher = false) {
    member.on_link_up(now, peer);
    hear(peer, Hello{group, is_publisher});
  }
  void hear(const MemberId& from, const Message& m) { member.on_message(now, from, encode_message(m)); }
  // Ticks up to now + d.
  void advance(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      now = std::min(end, now + config.tick);
      member.tick(now);
    }
  }
};

}  // namespace rtmfp::group
