// Fragments are verified against the publisher's signed manifests before a
// member keeps them (fragment_store.hpp): forged data, forged manifests,
// data that arrives before its manifest, and the bounds.
#include <gtest/gtest.h>

#include <set>

#include "rtmfp/group/core/fragment_store.hpp"
#include "rtmfp/group/core/publisher_feed.hpp"
#include "rtmfp/group/crypto/ed25519_authenticator.hpp"

namespace rtmfp::group {
namespace {

std::array<std::uint8_t, 32> seed_of(std::uint8_t b) {
  std::array<std::uint8_t, 32> s{};
  s.fill(b);
  return s;
}

struct Fixture {
  PublisherKeys keys = publisher_keys_from_seed(seed_of(1));
  Ed25519Authenticator signer{keys};
  Ed25519Authenticator verifier{keys.public_key};
  GroupId group{};
  GroupConfig config;
  PublisherFeed feed{group, signer, config};

  std::vector<OutFragment> frames(int n, std::size_t size) {
    for (int i = 0; i < n; ++i) {
      MediaFrame f;
      f.type = MediaType::video;
      f.keyframe = i == 0;
      f.timestamp = static_cast<std::uint32_t>(i * 33);
      f.payload.assign(size, static_cast<std::uint8_t>(i));
      EXPECT_TRUE(feed.publish(at(milliseconds(i)), f));
    }
    return feed.take(at(seconds(1)), true);
  }
};

TEST(FragmentStore, VerifiesInAnyOrderAndRefusesForgeries) {
  Fixture fx;
  auto out = fx.frames(3, 2500);  // 3 frames x 3 fragments + 1 manifest
  ASSERT_EQ(out.size(), 10u);
  FragmentStore store(fx.group, fx.verifier, fx.config);
  std::vector<Seq> newly;
  const TimePoint t = at(seconds(2));
  // Data before its manifest waits.
  EXPECT_EQ(store.offer(t, out[3].seq, out[3].content, newly), Offer::pending);
  EXPECT_TRUE(newly.empty());
  // An altered copy of the same number waits beside it (and loses).
  Bytes forged = out[3].content;
  forged.back() ^= 1;
  EXPECT_EQ(store.offer(t, out[3].seq, forged, newly), Offer::pending);
  // A manifest with a bad signature is refused.
  Bytes bad_manifest = out[0].content;
  bad_manifest.back() ^= 1;
  EXPECT_EQ(store.offer(t, out[0].seq, bad_manifest, newly), Offer::forged);
  // The genuine manifest verifies itself and the waiting genuine data.
  EXPECT_EQ(store.offer(t, out[0].seq, out[0].content, newly), Offer::stored);
  EXPECT_EQ(newly, (std::vector<Seq>{out[0].seq, out[3].seq}));
  EXPECT_EQ(*store.get(out[3].seq), out[3].content);
  EXPECT_EQ(store.unverified(), 0u);
  // After the manifest: altered data is refused at once, genuine kept, copies are duplicates.
  Bytes forged2 = out[4].content;
  forged2[forged2.size() / 2] ^= 0x10;
  EXPECT_EQ(store.offer(t, out[4].seq, forged2, newly), Offer::forged);
  EXPECT_EQ(store.offer(t, out[4].seq, out[4].content, newly), Offer::stored);
  EXPECT_EQ(store.offer(t, out[4].seq, out[4].content, newly), Offer::duplicate);
  // Genuine content moved to another number names another manifest (one
  // that does not exist): it never verifies.
  EXPECT_NE(store.offer(t, out[6].seq, out[5].content, newly), Offer::stored);
  EXPECT_EQ(store.get(out[6].seq), nullptr);
  // Another publisher's manifest for the same group does not verify.
  PublisherKeys other = publisher_keys_from_seed(seed_of(2));
  Ed25519Authenticator other_signer(other);
  PublisherFeed other_feed(fx.group, other_signer, fx.config);
  MediaFrame f;
  f.payload.assign(10, 1);
  ASSERT_TRUE(other_feed.publish(t, f));
  auto other_out = other_feed.take(t, true);
  FragmentStore fresh(fx.group, fx.verifier, fx.config);
  EXPECT_EQ(fresh.offer(t, other_out[0].seq, other_out[0].content, newly), Offer::forged);
}

TEST(FragmentStore, HoldsNoMoreThanItsBounds) {
  Fixture fx;
  fx.config.max_fragments = 64;
  fx.config.max_unverified = 8;
  PublisherFeed feed(fx.group, fx.signer, fx.config);
  for (int i = 0; i < 100; ++i) {
    MediaFrame f;
    f.payload.assign(3000, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(feed.publish(at(milliseconds(i)), f));
  }
  auto out = feed.take(at(seconds(1)), true);
  ASSERT_GT(out.size(), 300u);
  FragmentStore store(fx.group, fx.verifier, fx.config);
  std::vector<Seq> newly;
  // Data without manifests: at most max_unverified wait.
  std::size_t pending = 0;
  for (const auto& o : out) {
    auto p = parse_content(o.content);
    if (p && std::holds_alternative<DataContent>(*p) && store.offer(at(seconds(2)), o.seq, o.content, newly) == Offer::pending)
      ++pending;
  }
  EXPECT_EQ(pending, 8u);
  EXPECT_EQ(store.unverified(), 8u);
  for (const auto& o : out) store.offer(at(seconds(2)), o.seq, o.content, newly);
  EXPECT_LE(store.size(), 64u);
  EXPECT_EQ(store.newest(), out.back().seq);
  // The window's duration.
  store.expire(at(seconds(2)) + fx.config.window + seconds(1));
  EXPECT_EQ(store.size(), 0u);
}

// The runs a map advertises under its old holes (group_messages.hpp): every
// held number below the point, as runs highest first, checked against
// holds() number by number.
TEST(FragmentStore, HeldRunsBelowListsRunsHighestFirst) {
  Fixture fx;
  auto out = fx.frames(60, 100);
  FragmentStore store(fx.group, fx.verifier, fx.config);
  std::vector<Seq> newly;
  int data = 0;
  for (const auto& o : out) {  // lose data fragments 10, 11, 20 and 30 (manifests all arrive)
    auto p = parse_content(o.content);
    const bool is_data = p && std::holds_alternative<DataContent>(*p);
    if (is_data && (++data == 10 || data == 11 || data == 20 || data == 30)) continue;
    store.offer(at(seconds(1)), o.seq, o.content, newly);
  }
  const Seq below = store.newest() - 5;
  std::vector<std::pair<Seq, Seq>> expected;
  for (Seq s = below - 1; s >= 1; --s) {
    if (!store.holds(s)) continue;
    if (!expected.empty() && expected.back().first == s + 1)
      expected.back().first = s;
    else
      expected.emplace_back(s, s);
  }
  ASSERT_GE(expected.size(), 4u) << "the holes split what is held into runs";
  EXPECT_EQ(store.held_runs_below(below, 8), expected);
  EXPECT_EQ(store.held_runs_below(below, 2), (std::vector<std::pair<Seq, Seq>>{expected[0], expected[1]}));
  EXPECT_TRUE(store.held_runs_below(1, 8).empty());
}

}  // namespace
}  // namespace rtmfp::group
