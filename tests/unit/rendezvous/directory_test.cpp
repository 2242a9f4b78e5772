// The shared peer directory's core (rendezvous/core/directory.hpp, issue 12
// §4): what it publishes, refreshes and removes, how it resolves a peer
// registered at another instance into a Redirect (RFC 7016 §3.5.1.4), and
// its bounds; and the entry codec's bounds checks.
#include "rendezvous/core/directory.hpp"

#include <gtest/gtest.h>

namespace rtmfp::rendezvous {
namespace {

PeerId pid(std::uint8_t n) {
  PeerId p{};
  p.fill(n);
  return p;
}
const SipKey kKey{};
const SocketAddress kA = SocketAddress::ipv4(10, 0, 0, 1, 1935);
const SocketAddress kB = SocketAddress::ipv4(10, 0, 0, 2, 1935);
const SocketAddress kB6 = *SocketAddress::parse("[2001:db8::2]:1935");

DirectoryConfig config(std::vector<SocketAddress> instance) {
  DirectoryConfig c;
  c.instance = std::move(instance);
  return c;
}

UnmatchedIHello ihello(SocketAddress from, std::uint8_t tag = 1) {
  UnmatchedIHello u;
  u.profile = ProfileKind::modern;
  u.tag = Bytes(16, tag);
  u.from = from;
  return u;
}

std::vector<DirectoryCommand> drain(Directory& d) {
  std::vector<DirectoryCommand> out;
  while (auto c = d.poll_command()) out.push_back(std::move(*c));
  return out;
}

Bytes entry_at(const std::vector<SocketAddress>& instance, ProfileKind profile = ProfileKind::modern) {
  DirectoryEntry e;
  e.instance = instance;
  e.profile = profile;
  e.reflexive = SocketAddress::ipv4(203, 0, 113, 5, 40000);
  return *encode_directory_entry(e);
}

TEST(DirectoryEntryCodec, RoundTripsEveryField) {
  DirectoryEntry e;
  e.instance = {kB, kB6};
  e.profile = ProfileKind::flash;
  e.reflexive = SocketAddress::ipv4(203, 0, 113, 5, 40000);
  e.host_addresses = {SocketAddress::ipv4(192, 168, 1, 5, 5000), *SocketAddress::parse("[2001:db8::5]:5000")};
  e.nat = NatProfile{NatBehaviour::endpoint_independent, NatBehaviour::address_and_port_dependent};
  auto b = encode_directory_entry(e);
  ASSERT_TRUE(b);
  EXPECT_LE(b->size(), kMaxDirectoryEntrySize);
  auto back = decode_directory_entry(*b);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
}

TEST(DirectoryEntryCodec, RefusesEveryTruncationTrailingBytesAndOutOfRangeCounts) {
  DirectoryEntry e;
  e.instance = {kB};
  e.reflexive = kA;
  e.host_addresses = {kA};
  e.nat = NatProfile{NatBehaviour::endpoint_independent, NatBehaviour::endpoint_independent};
  Bytes b = *encode_directory_entry(e);
  for (std::size_t n = 0; n < b.size(); ++n) EXPECT_FALSE(decode_directory_entry(ByteView(b.data(), n))) << n;
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_FALSE(decode_directory_entry(longer));
  Bytes bad = b;
  bad[0] = 2;  // version
  EXPECT_FALSE(decode_directory_entry(bad));
  bad = b;
  bad[2] = 0;  // no instance address
  EXPECT_FALSE(decode_directory_entry(bad));
  bad = b;
  bad[2] = 200;  // more instance addresses than allowed
  EXPECT_FALSE(decode_directory_entry(bad));
  bad = b;
  bad[3] = 5;  // address family
  EXPECT_FALSE(decode_directory_entry(bad));
  bad = b;
  bad[b.size() - 1] = 9;  // NAT behaviour out of range
  EXPECT_FALSE(decode_directory_entry(bad));
  EXPECT_FALSE(decode_directory_entry(Bytes(kMaxDirectoryEntrySize + 1, 1)));
  DirectoryEntry none;
  EXPECT_FALSE(encode_directory_entry(none));  // no instance address
}

TEST(Directory, PublishesARegistrationAtOnceAfterTheSettleDelayAndEveryRefresh) {
  Directory d(config({kA}), kKey);
  Registry reg(kKey);
  ASSERT_TRUE(reg.add(at(seconds(0)), 1, pid(1), ProfileKind::modern, SocketAddress::ipv4(203, 0, 113, 1, 4000)));
  d.local_registered(at(seconds(0)), *reg.find(pid(1)));
  auto c = drain(d);
  ASSERT_EQ(c.size(), 1u);
  auto* p = std::get_if<DirectoryPublish>(&c[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->peer, pid(1));
  EXPECT_EQ(p->ttl, d.config().ttl);
  auto e = decode_directory_entry(p->value);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->instance, std::vector<SocketAddress>{kA});
  EXPECT_FALSE(e->nat);
  // The host addresses and NAT class arrive later: the settle refresh has them.
  ASSERT_TRUE(reg.set_host_addresses(1, {SocketAddress::ipv4(192, 168, 1, 2, 5000)}));
  reg.set_nat(1, NatProfile{NatBehaviour::endpoint_independent, NatBehaviour::endpoint_independent});
  ASSERT_EQ(d.next_deadline(), at(seconds(1)));
  d.on_deadline(at(seconds(1)), reg);
  c = drain(d);
  ASSERT_EQ(c.size(), 1u);
  e = decode_directory_entry(std::get<DirectoryPublish>(c[0]).value);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host_addresses.size(), 1u);
  EXPECT_TRUE(e->nat);
  ASSERT_EQ(d.next_deadline(), at(seconds(11)));
  d.on_deadline(at(seconds(11)), reg);
  EXPECT_EQ(drain(d).size(), 1u);
  EXPECT_LT(d.config().refresh, d.config().ttl);
}

TEST(Directory, RemovesExactlyWhatItPublishedAndStopsRefreshing) {
  Directory d(config({kA}), kKey);
  Registry reg(kKey);
  ASSERT_TRUE(reg.add(at(seconds(0)), 1, pid(1), ProfileKind::modern, kB));
  d.local_registered(at(seconds(0)), *reg.find(pid(1)));
  auto published = std::get<DirectoryPublish>(drain(d)[0]).value;
  reg.remove_session(1);
  d.local_removed(at(milliseconds(500)), pid(1));
  auto c = drain(d);
  ASSERT_EQ(c.size(), 1u);
  auto* r = std::get_if<DirectoryRemove>(&c[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, published);  // compare-and-delete: another instance's newer entry survives
  d.on_deadline(at(seconds(20)), reg);
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.published_count(), 0u);
}

TEST(Directory, APeerAtAnotherInstanceIsRedirectedThereAfterOneLookup) {
  Directory d(config({kA}), kKey);
  const auto initiator = SocketAddress::ipv4(198, 51, 100, 7, 6000);
  EXPECT_FALSE(d.resolve(at(seconds(0)), ihello(initiator, 1), pid(9)));
  EXPECT_FALSE(d.resolve(at(seconds(0)), ihello(initiator, 2), pid(9)));  // waits on the same lookup
  auto c = drain(d);
  ASSERT_EQ(c.size(), 1u);
  ASSERT_EQ(std::get<DirectoryLookup>(c[0]).peer, pid(9));
  auto redirects = d.on_lookup_result(at(milliseconds(10)), {pid(9), true, entry_at({kB6, kB})});
  ASSERT_EQ(redirects.size(), 2u);
  // Same family as the initiator first (§3.5.1.4: where the target may be found).
  ASSERT_EQ(redirects[0].addresses.size(), 2u);
  EXPECT_EQ(redirects[0].addresses[0].address, kB);
  EXPECT_EQ(redirects[0].addresses[1].address, kB6);
  EXPECT_EQ(redirects[1].ihello.tag, Bytes(16, 2));
  // The next IHello is answered from the cache, without a lookup.
  auto cached = d.resolve(at(seconds(1)), ihello(initiator, 3), pid(9));
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->front().address, kB);
  EXPECT_TRUE(drain(d).empty());
  EXPECT_EQ(d.stats().cache_hits, 1u);
  // Past the cache lifetime it asks again (the peer may have moved).
  EXPECT_FALSE(d.resolve(at(seconds(5)), ihello(initiator, 4), pid(9)));
  EXPECT_EQ(drain(d).size(), 1u);
}

TEST(Directory, UnknownStaleOwnMalformedAndFailedLookupsStaySilent) {
  Directory d(config({kA}), kKey);
  const auto from = SocketAddress::ipv4(198, 51, 100, 7, 6000);
  for (std::uint8_t n = 1; n <= 4; ++n) EXPECT_FALSE(d.resolve(at(seconds(0)), ihello(from, n), pid(n)));
  EXPECT_EQ(drain(d).size(), 4u);
  EXPECT_TRUE(d.on_lookup_result(at(seconds(0)), {pid(1), true, std::nullopt}).empty());       // no entry
  EXPECT_TRUE(d.on_lookup_result(at(seconds(0)), {pid(2), true, entry_at({kA})}).empty());     // ours: stale
  EXPECT_TRUE(d.on_lookup_result(at(seconds(0)), {pid(3), true, Bytes{1, 2, 3}}).empty());     // malformed
  EXPECT_TRUE(d.on_lookup_result(at(seconds(0)), {pid(4), false, std::nullopt}).empty());      // store failed
  EXPECT_EQ(d.stats().not_found, 3u);
  EXPECT_EQ(d.stats().malformed, 1u);
  EXPECT_EQ(d.stats().lookup_failures, 1u);
  // A negative answer is remembered briefly; a failure is not.
  EXPECT_FALSE(d.resolve(at(milliseconds(500)), ihello(from, 9), pid(1)));
  EXPECT_FALSE(d.resolve(at(milliseconds(500)), ihello(from, 9), pid(4)));
  EXPECT_EQ(drain(d).size(), 1u);
}

TEST(Directory, ALookupTheStoreNeverAnswersTimesOut) {
  Directory d(config({kA}), kKey);
  Registry reg(kKey);
  EXPECT_FALSE(d.resolve(at(seconds(0)), ihello(kB), pid(3)));
  EXPECT_EQ(d.pending_lookups(), 1u);
  ASSERT_EQ(d.next_deadline(), at(limits::kDirectoryLookupTimeout));
  d.on_deadline(at(limits::kDirectoryLookupTimeout), reg);
  EXPECT_EQ(d.pending_lookups(), 0u);
  EXPECT_EQ(d.stats().lookup_failures, 1u);
  // A late answer finds nothing waiting.
  EXPECT_TRUE(d.on_lookup_result(at(seconds(3)), {pid(3), true, entry_at({kB})}).empty());
}

TEST(Directory, OneSourceCannotMakeItHammerTheStore) {
  Directory d(config({kA}), kKey);
  const auto attacker = SocketAddress::ipv4(198, 51, 100, 66, 6000);
  for (int i = 0; i < 1000; ++i) {
    PeerId p{};
    p[0] = static_cast<std::uint8_t>(i);
    p[1] = static_cast<std::uint8_t>(i >> 8);
    (void)d.resolve(at(seconds(0)), ihello(attacker), p);
  }
  EXPECT_EQ(drain(d).size(), static_cast<std::size_t>(limits::kLookupSourceBurst));
  EXPECT_EQ(d.stats().lookups_refused, 1000u - static_cast<std::size_t>(limits::kLookupSourceBurst));
  // Another source is unaffected.
  (void)d.resolve(at(seconds(0)), ihello(SocketAddress::ipv4(198, 51, 100, 67, 6000)), pid(200));
  EXPECT_EQ(drain(d).size(), 1u);
}

TEST(Directory, PendingLookupsAndWaitingIHellosAreBounded) {
  Directory d(config({kA}), kKey);
  for (std::size_t i = 0; i < limits::kMaxPendingLookups + 10; ++i) {
    PeerId p{};
    p[0] = static_cast<std::uint8_t>(i);
    p[1] = static_cast<std::uint8_t>(i >> 8);
    // Distinct sources, so only the in-flight bound applies.
    (void)d.resolve(at(seconds(0)), ihello(SocketAddress::ipv4(10, 1, static_cast<std::uint8_t>(i >> 8),
                                                             static_cast<std::uint8_t>(i), 7)),
                    p);
  }
  EXPECT_EQ(d.pending_lookups(), limits::kMaxPendingLookups);
  EXPECT_EQ(d.stats().lookups_refused, 10u);
  Directory e(config({kA}), kKey);
  for (int i = 0; i < 50; ++i)
    (void)e.resolve(at(seconds(0)), ihello(SocketAddress::ipv4(10, 2, 0, static_cast<std::uint8_t>(i), 7)), pid(1));
  EXPECT_EQ(e.on_lookup_result(at(seconds(0)), {pid(1), true, entry_at({kB})}).size(), limits::kMaxWaitingPerLookup);
}

TEST(Directory, AProfileMismatchIsNotRedirected) {
  Directory d(config({kA}), kKey);
  (void)d.resolve(at(seconds(0)), ihello(kB), pid(1));
  EXPECT_TRUE(d.on_lookup_result(at(seconds(0)), {pid(1), true, entry_at({kB}, ProfileKind::flash)}).empty());
}

}  // namespace
}  // namespace rtmfp::rendezvous
