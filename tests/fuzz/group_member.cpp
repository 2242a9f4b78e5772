// Fuzz target: everything a group neighbour can send. The input is a
// sequence of messages (u16 length + bytes) from one linked neighbour to a
// member (and to a publisher), interleaved with time steps; the codec and
// the content parser also see each message alone. Nothing may crash, and
// the member's buffers stay within their stated bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rtmfp/core/random.hpp"
#include "rtmfp/group/core/fragment_format.hpp"
#include "rtmfp/group/core/group_member.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

using namespace rtmfp;
using namespace rtmfp::group;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PublisherKeys keys = publisher_keys_from_seed({});
  static const Ed25519Authenticator signer(keys);
  static const Ed25519Authenticator verifier(keys.public_key);
  SeededRandom rng(1);
  GroupConfig config;
  config.max_fragments = 256;
  config.max_unverified = 64;
  config.max_missing = 512;
  const GroupId group{};
  MemberId self{}, peer{};
  self[0] = 1;
  peer[0] = 2;
  GroupMember member(self, group, Role::member, verifier, rng, config);
  GroupMember publisher(self, group, Role::publisher, signer, rng, config);
  TimePoint now = at(seconds(1));
  member.on_link_up(now, peer);
  publisher.on_link_up(now, peer);
  ByteReader r(ByteView(data, size));
  while (r.remaining() >= 2) {
    const std::size_t n = r.u16() % 4096;
    const ByteView msg = r.take(std::min(n, r.remaining()));
    (void)decode_message(msg);
    (void)parse_content(msg);
    member.on_message(now, peer, msg);
    publisher.on_message(now, peer, msg);
    now += milliseconds(n % 97);
    member.tick(now);
    publisher.tick(now);
    (void)member.take_actions();
    (void)member.take_frames();
    (void)publisher.take_actions();
    if (member.store().size() > config.max_fragments || member.store().unverified() > config.max_unverified) std::abort();
  }
  return 0;
}
