// Certificates, peer IDs, identity persistence, EPD selection, glare and
// override, and rejection of malformed certificates/EPDs/keying components.
#include "modern_test_util.hpp"
#include "rtmfp/crypto/modern/certificate.hpp"
#include "rtmfp/crypto/modern/keying_component.hpp"

namespace rtmfp::crypto::modern_test {
namespace {

TEST(ModernIdentity, PersistedSeedRestoresPeerIdAndCertificate) {
  auto a = make_profile(1, "host.example");
  const Bytes seed = a->export_identity();
  ASSERT_EQ(seed.size(), 32u);
  SeededRandom other(999);
  ModernConfig cfg;
  cfg.identity = seed;
  cfg.hostname = "host.example";
  auto b = ModernProfile::create(cfg, other);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->local_peer_id(), a->local_peer_id());
  EXPECT_TRUE(std::ranges::equal((*b)->local_certificate(), a->local_certificate()));
  EXPECT_EQ((*b)->kind(), ProfileKind::modern);
  cfg.identity = Bytes(31, 1);
  auto bad = ModernProfile::create(cfg, other);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  cfg.identity.reset();
  cfg.hostname = std::string(201, 'h');
  EXPECT_FALSE(ModernProfile::create(cfg, other));
}

TEST(ModernIdentity, CertificateLayoutAndPeerId) {
  auto p = make_profile(1, "h");
  const ByteView c = p->local_certificate();
  ASSERT_EQ(c.size(), 3u + 34u + 3u + 2u);
  EXPECT_EQ(Bytes(c.begin(), c.begin() + 5), (Bytes{0x02, 0x4d, 0x01, 0x21, 0x45}));
  EXPECT_EQ(Bytes(c.begin() + 37, c.end()), (Bytes{0x02, 0x00, 'h', 0x01, 0x0a}));
  auto id = p->peer_id(c);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, p->local_peer_id());
  // Bytes after a Marker are outside the canonical section: same peer ID.
  Bytes extended(c.begin(), c.end());
  extended.insert(extended.end(), {0x00, 0x03, 0x7e, 0x01, 0x02});
  auto id2 = p->peer_id(extended);
  ASSERT_TRUE(id2);
  EXPECT_EQ(*id2, *id);
  EXPECT_TRUE(p->certificate_authentic(c));
}

TEST(ModernIdentity, MalformedCertificatesRejected) {
  auto p = make_profile(1);
  const Bytes good(p->local_certificate().begin(), p->local_certificate().end());
  std::vector<Bytes> bad;
  bad.push_back({});
  bad.push_back({0x02, 0x4d, 0x02});                                  // wrong version, no key
  bad.push_back(Bytes(good.begin() + 3, good.end()));                 // no version
  bad.push_back(Bytes(good.begin(), good.begin() + 3));               // no key
  bad.push_back(Bytes(good.begin(), good.end() - 1));                 // truncated option
  Bytes dup_key = good;
  dup_key.insert(dup_key.end(), good.begin() + 3, good.begin() + 37);
  bad.push_back(dup_key);
  Bytes short_key = {0x02, 0x4d, 0x01, 0x20, 0x45};
  short_key.resize(short_key.size() + 31, 0x11);
  bad.push_back(short_key);
  Bytes small_order = {0x02, 0x4d, 0x01, 0x21, 0x45};
  small_order.resize(small_order.size() + 32, 0);  // identity-ish point: not a valid key
  small_order[5] = 1;
  bad.push_back(small_order);
  Bytes huge_len = {0x02, 0x4d, 0x01, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x45};
  bad.push_back(huge_len);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(p->certificate_authentic(bad[i])) << i;
    EXPECT_FALSE(p->peer_id(bad[i])) << i;
    EXPECT_FALSE(p->canonical_epd(bad[i])) << i;
    SeededRandom rng(1);
    EXPECT_FALSE(p->begin_initiator(bad[i], rng)) << i;
  }
}

TEST(ModernEpd, FingerprintSelection) {
  auto server = make_profile(1, "srv");
  auto other = make_profile(2, "srv");
  EpdRequest req;
  req.peer_id = server->local_peer_id();
  req.hostname = "not-srv";  // fingerprint decides when present
  auto epd = server->make_epd(req);
  ASSERT_TRUE(epd);
  EXPECT_TRUE(server->epd_selects_local(*epd));
  EXPECT_FALSE(other->epd_selects_local(*epd));
  EXPECT_TRUE(other->epd_selects_certificate(*epd, server->local_certificate()));
  EXPECT_FALSE(server->epd_selects_certificate(*epd, other->local_certificate()));
  auto info = server->describe_epd(*epd);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->peer_id, server->local_peer_id());
  EXPECT_EQ(info->hostname, "not-srv");
  // Canonical EPD: 0x21 0x0f + peer ID, and it selects.
  auto canon = server->canonical_epd(server->local_certificate());
  ASSERT_TRUE(canon);
  ASSERT_EQ(canon->size(), 34u);
  EXPECT_EQ((*canon)[0], 0x21);
  EXPECT_EQ((*canon)[1], 0x0f);
  EXPECT_TRUE(server->epd_selects_local(*canon));
}

TEST(ModernEpd, HostnameAndAncillarySelection) {
  auto named = make_profile(1, "srv.example");
  auto anon = make_profile(2);
  auto epd = [&](std::string host, std::string uri) {
    EpdRequest r;
    r.hostname = std::move(host);
    r.uri = std::move(uri);
    return *named->make_epd(r);
  };
  EXPECT_TRUE(named->epd_selects_local(epd("srv.example", "")));
  EXPECT_FALSE(named->epd_selects_local(epd("other", "")));
  EXPECT_FALSE(anon->epd_selects_local(epd("srv.example", "")));
  EXPECT_TRUE(named->epd_selects_local(epd("", "rtmfp://x/app")));
  EXPECT_TRUE(anon->epd_selects_local(epd("", "rtmfp://x/app")));  // responder certs accept ancillary data
  EXPECT_TRUE(named->epd_selects_local(epd("srv.example", "rtmfp://x/app")));
  EXPECT_FALSE(named->epd_selects_local(epd("other", "rtmfp://x/app")));
  // An initiator certificate does not accept ancillary data.
  SeededRandom rng(5);
  auto ih = named->begin_initiator(anon->local_certificate(), rng);
  ASSERT_TRUE(ih);
  EXPECT_FALSE(named->epd_selects_certificate(epd("", "rtmfp://x/app"), (*ih)->certificate()));
  // None of the three: selects nothing; empty request is an error.
  EXPECT_FALSE(named->epd_selects_local(Bytes{0x03, 0x7e, 0x01, 0x02}));
  EXPECT_FALSE(named->epd_selects_local(Bytes{}));
  EXPECT_FALSE(named->make_epd(EpdRequest{}));
  // The URI loses userinfo and fragment.
  auto info = named->describe_epd(epd("", "rtmfp://user:pw@x:1935/app?q#frag"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->uri, "rtmfp://x:1935/app?q");
}

TEST(ModernEpd, MalformedEpdsRejected) {
  auto p = make_profile(1);
  Bytes fp33 = {0x22, 0x0f};
  fp33.resize(35, 1);
  Bytes twice = {0x02, 0x00, 'a', 0x02, 0x00, 'a'};
  for (const Bytes& e : {fp33, twice, Bytes{0x05, 0x0a, 'x'}, Bytes{0x00}, Bytes{0x81}}) {
    EXPECT_FALSE(p->describe_epd(e));
    EXPECT_FALSE(p->epd_selects_local(e));
  }
}

TEST(ModernGlare, OrderingAndOverride) {
  auto p = make_profile(1);
  const Bytes a = {0x02, 0x4d, 0x01, 0x21, 0x45, 0x10};
  const Bytes b = {0x02, 0x4d, 0x01, 0x21, 0x45, 0x90};
  const Bytes prefix = {0x02, 0x4d, 0x01};
  EXPECT_TRUE(p->near_prevails(a, b));
  EXPECT_FALSE(p->near_prevails(b, a));
  EXPECT_TRUE(p->near_prevails(a, a));
  EXPECT_TRUE(p->near_prevails(prefix, a));
  EXPECT_FALSE(p->near_prevails(a, prefix));
  EXPECT_TRUE(p->overrides(a, a));
  EXPECT_FALSE(p->overrides(a, b));
  EXPECT_FALSE(p->overrides(prefix, a));
}

TEST(ModernKeying, MalformedComponentsRejected) {
  using modern::parse_keying_component;
  modern::KeyingComponent c;
  c.ephemeral_key.fill(9);
  c.nonce.fill(7);
  const Bytes good = modern::build_keying_component(c);
  ASSERT_TRUE(parse_keying_component(good, "SKIC"));
  EXPECT_FALSE(parse_keying_component(Bytes(good.begin() + 3, good.end()), "SKIC"));  // no version
  EXPECT_FALSE(parse_keying_component(Bytes(good.begin(), good.begin() + 37), "SKIC"));  // no nonce
  Bytes dup = good;
  dup.insert(dup.end(), good.begin() + 37, good.end());
  EXPECT_FALSE(parse_keying_component(dup, "SKIC"));
  Bytes marker = good;
  marker.push_back(0);
  EXPECT_FALSE(parse_keying_component(marker, "SKIC"));
  Bytes unknown = good;
  unknown.insert(unknown.end(), {0x02, 0x7e, 0x00});
  EXPECT_TRUE(parse_keying_component(unknown, "SKIC")) << "unknown options are ignored";
  auto err = parse_keying_component(Bytes{0x02, 0x4d, 0x07}, "SKRC");
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().detail.find("SKRC"), std::string::npos);
}

}  // namespace
}  // namespace rtmfp::crypto::modern_test
