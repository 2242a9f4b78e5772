// The 2014 Flash Player handshake capture (rfc-vectors/rfc7425, APNIC-Labs/
// rtmfp-probe, BSD-style licence): decrypt IHello, RHello, IIKeying and
// RIKeying with the Default Session Key (RFC 7425 §4.1, §4.7) and check every
// value listed in the vectors README; then feed the captured IHello and
// IIKeying to our responder.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "flash_test_util.hpp"
#include "rtmfp/core/random.hpp"
#include "rtmfp/core/wire/packet.hpp"
#include "rtmfp/crypto/flash/certificate.hpp"
#include "rtmfp/crypto/flash/checksum.hpp"
#include "rtmfp/crypto/flash/dh_group.hpp"
#include "rtmfp/crypto/flash/flash_profile.hpp"
#include "rtmfp/crypto/flash/keying_component.hpp"
#include "rtmfp/crypto/flash/options.hpp"

using namespace rtmfp;
using namespace rtmfp::crypto;
using namespace rtmfp::crypto::flash;
using namespace flash_test;

namespace {

Bytes colon_hex(const std::string& s) {
  std::string h;
  for (char c : s)
    if (c != ':') h.push_back(c);
  return hex(h);
}

// Each packet: a "<4 bytes> ... ssid" line, then the next colon-hex line of
// more than 8 bytes (optionally prefixed "encrypted = ") is its body.
std::vector<Bytes> load_capture() {
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/rfc7425/flash-player-handshake-2014.txt");
  std::vector<Bytes> out;
  const std::regex ssid_re(R"(^([0-9a-f]{2}(:[0-9a-f]{2}){3})\s.*ssid)");
  const std::regex body_re(R"(^(encrypted = )?([0-9a-f]{2}(:[0-9a-f]{2}){8,})\s*$)");
  std::string line;
  std::optional<Bytes> ssid;
  while (std::getline(in, line) && out.size() < 4) {
    std::smatch m;
    if (std::regex_search(line, m, ssid_re)) {
      ssid = colon_hex(m[1]);
    } else if (ssid && std::regex_match(line, m, body_re)) {
      out.push_back(cat(*ssid, colon_hex(m[2])));
      ssid.reset();
    }
  }
  return out;
}

struct Chunk {
  std::uint8_t type = 0;
  Bytes payload;
  std::uint8_t flags = 0;
  std::uint16_t timestamp = 0;
};

// Opens with the default cipher, checks the checksum independently and the
// 0xff padding, and parses the one chunk (RFC 7016 §2.2.4, §2.3).
Chunk open_packet(PacketCipher& cipher, const Bytes& datagram) {
  Chunk c;
  const ByteView body = ByteView(datagram).subspan(4);
  const Bytes pt = ref_aes_cbc(false, kDefaultSessionKey, body);
  EXPECT_EQ(flash_checksum(ByteView(pt).subspan(2)), (pt[0] << 8) | pt[1]);
  auto plain = cipher.open(body);
  EXPECT_TRUE(plain) << (plain ? "" : plain.error().message());
  if (!plain) return c;
  EXPECT_EQ(*plain, Bytes(pt.begin() + 2, pt.end()));
  ByteReader r(*plain);
  c.flags = r.u8();
  if (c.flags & 0x08) c.timestamp = r.u16();
  if (c.flags & 0x04) r.u16();
  c.type = r.u8();
  const std::uint16_t len = r.u16();
  ByteView p = r.take(len);
  EXPECT_TRUE(r.ok());
  c.payload.assign(p.begin(), p.end());
  for (std::uint8_t b : r.rest()) EXPECT_EQ(b, 0xff);  // §4.7.2 padding
  return c;
}

Bytes take_vlu_field(ByteReader& r) {
  const std::uint64_t n = read_vlu(r);
  ByteView v = r.take(static_cast<std::size_t>(n));
  return Bytes(v.begin(), v.end());
}

class FlashCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    packets_ = load_capture();
    ASSERT_EQ(packets_.size(), 4u);
    cipher_ = FlashPacketCipher::make_default();
    for (auto& p : packets_) chunks_.push_back(open_packet(*cipher_, p));
  }
  std::vector<Bytes> packets_;
  std::unique_ptr<FlashPacketCipher> cipher_;
  std::vector<Chunk> chunks_;
};

}  // namespace

TEST_F(FlashCapture, SessionIdsChunkTypesAndFraming) {
  const std::uint32_t expect_ids[] = {0, 0, 0, 0x02000000};
  const std::uint8_t expect_types[] = {0x30, 0x70, 0x38, 0x78};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(wire::unscramble_session_id(packets_[i]), expect_ids[i]) << i;
    EXPECT_EQ(chunks_[i].type, expect_types[i]) << i;
    EXPECT_EQ(chunks_[i].flags, 0x0b) << i;  // TS, mode 3 (startup)
    EXPECT_EQ((packets_[i].size() - 4) % 16, 0u);
  }
  EXPECT_EQ(chunks_[0].timestamp, 0x132d);
}

TEST_F(FlashCapture, DemuxRuleClaimsEveryPacket) {
  SeededRandom rng(1);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  for (const auto& d : packets_) EXPECT_TRUE((*p)->claims_startup_packet(ByteView(d).subspan(4)));
  EXPECT_FALSE((*p)->claims_startup_packet(ByteView(packets_[0]).subspan(4, 47)));
  EXPECT_FALSE((*p)->claims_startup_packet({}));
  // Any modified byte breaks the checksum.
  Bytes bad(packets_[0].begin() + 4, packets_[0].end());
  bad[20] ^= 1;
  EXPECT_FALSE((*p)->default_cipher().open(bad));
}

TEST_F(FlashCapture, IHelloEpdSelectsOurResponder) {
  ByteReader r(chunks_[0].payload);
  const Bytes epd = take_vlu_field(r);
  const ByteView tag = r.rest();
  EXPECT_EQ(tag.size(), 16u);
  SeededRandom rng(2);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  auto info = (*p)->describe_epd(epd);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->uri, "rtmfp://cc.rtmfp.net");
  EXPECT_FALSE(info->peer_id);
  EXPECT_TRUE((*p)->epd_selects_local(epd));
  // Our EPD for the same URI is byte-identical to Flash Player's.
  EXPECT_EQ((*p)->make_epd(EpdRequest{"rtmfp://cc.rtmfp.net", {}, {}}), epd);
}

TEST_F(FlashCapture, RHelloCertificate) {
  ByteReader r(chunks_[1].payload);
  const Bytes tag = take_vlu_field(r);
  const Bytes cookie = take_vlu_field(r);
  const ByteView cert = r.rest();
  ASSERT_TRUE(r.ok());
  ByteReader ih(chunks_[0].payload);
  take_vlu_field(ih);
  const ByteView ihello_tag = ih.rest();
  EXPECT_EQ(tag, Bytes(ihello_tag.begin(), ihello_tag.end()));  // tag echo
  EXPECT_EQ(cookie.size(), 64u);
  auto c = parse_certificate(cert);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->accepts_ancillary_data);
  EXPECT_EQ(c->ephemeral_groups, (std::vector<std::uint64_t>{2, 5, 14}));
  EXPECT_FALSE(c->uses_static_keys());
  EXPECT_EQ(to_hex(cert.first(4)), "010a410e");
  EXPECT_EQ(cert.size(), 2u + 66u + 9u);  // 64 bytes of extra randomness
  EXPECT_EQ(c->canonical_length, cert.size());
  SeededRandom rng(3);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  EXPECT_TRUE((*p)->epd_selects_certificate((*p)->make_epd({"rtmfp://cc.rtmfp.net", {}, {}}).value(), cert));
  auto id = (*p)->peer_id(cert);
  ASSERT_TRUE(id);
  const Digest d = sha256(cert);
  EXPECT_EQ(Bytes(id->begin(), id->end()), Bytes(d.begin(), d.end()));
  // Our initiator accepts the AMS certificate and picks its strongest group.
  auto ini = (*p)->begin_initiator(cert, rng);
  ASSERT_TRUE(ini);
  auto skic = parse_keying_component((*ini)->skic(), "SKIC");
  ASSERT_TRUE(skic);
  EXPECT_EQ(skic->group_select, 14u);
}

TEST_F(FlashCapture, IIKeyingAndRIKeying) {
  ByteReader r(chunks_[2].payload);
  EXPECT_EQ(r.u32(), 0x02000000u);  // initiator session ID
  const Bytes cookie = take_vlu_field(r);
  const Bytes cert = take_vlu_field(r);
  const Bytes skic = take_vlu_field(r);
  const std::size_t signed_len = r.position();
  const ByteView signature = r.rest();
  ASSERT_TRUE(r.ok());
  ByteReader rh(chunks_[1].payload);
  take_vlu_field(rh);
  EXPECT_EQ(take_vlu_field(rh), cookie);  // cookie echo
  EXPECT_EQ(to_hex(signature), "58");     // "X" (§4.3.5)

  auto c = parse_certificate(cert);  // a static DH group-2 key only (§4.3.3.5)
  ASSERT_TRUE(c);
  ASSERT_EQ(c->static_keys.size(), 1u);
  EXPECT_EQ(c->static_keys[0].group, 2u);
  EXPECT_EQ(c->static_keys[0].public_key.size(), 128u);
  EXPECT_EQ(to_hex(ByteView(cert).first(4)), "8102" "1d02");
  EXPECT_TRUE(check_public_key(2, c->static_keys[0].public_key));

  auto k = parse_keying_component(skic, "SKIC");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->group_select, 2u);
  ASSERT_TRUE(k->extra_randomness);
  EXPECT_EQ(k->extra_randomness->size(), 64u);
  ASSERT_TRUE(k->hmac && k->sseq);
  EXPECT_TRUE(k->hmac->send_on_request);
  EXPECT_FALSE(k->hmac->send_always || k->hmac->request);
  EXPECT_EQ(k->hmac->hmac_length, 10u);
  EXPECT_TRUE(k->sseq->send_on_request);
  EXPECT_FALSE(k->sseq->send_always || k->sseq->request);
  EXPECT_FALSE(k->ephemeral_key);
  EXPECT_EQ(to_hex(ByteView(skic).last(7)), "031a020a021e02");

  // RIKeying.
  ByteReader ri(chunks_[3].payload);
  EXPECT_EQ(ri.u32(), 0x45020000u);  // responder session ID
  const Bytes skrc = take_vlu_field(ri);
  const ByteView rsig = ri.rest();
  ASSERT_TRUE(ri.ok());
  EXPECT_EQ(skrc.size(), 139u);
  EXPECT_EQ(to_hex(rsig), "58");
  auto s = parse_keying_component(skrc, "SKRC");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->hmac && s->sseq && s->ephemeral_key);
  EXPECT_FALSE(s->hmac->send_always || s->hmac->send_on_request || s->hmac->request);
  EXPECT_EQ(s->hmac->hmac_length, 0u);
  EXPECT_FALSE(s->sseq->send_always || s->sseq->send_on_request || s->sseq->request);
  EXPECT_EQ(s->ephemeral_key->group, 2u);
  EXPECT_TRUE(check_public_key(2, s->ephemeral_key->public_key));

  // The negotiation AMS and Flash reached: checksum both ways, no SSEQ.
  auto send = negotiate_send(*s, *k);
  auto recv = negotiate_receive(*s, *k, CheckPolicy{}, CheckPolicy{});
  ASSERT_TRUE(send && recv);
  EXPECT_FALSE(send->hmac || send->sseq || recv->hmac || recv->sseq);

  // Our responder accepts the captured IIKeying (static initiator, §4.6.1.3)
  // and answers with an ephemeral group-2 key.
  SeededRandom rng(4);
  auto p = FlashProfile::create(FlashConfig{}, rng);
  ASSERT_TRUE(p);
  const ByteView signed_part = ByteView(chunks_[2].payload).first(signed_len);
  auto resp = (*p)->begin_responder(signed_part, cert, skic, signature, rng);
  ASSERT_TRUE(resp) << resp.error().message();
  auto ours = parse_keying_component((*resp)->skrc(), "SKRC");
  ASSERT_TRUE(ours && ours->ephemeral_key);
  EXPECT_EQ(ours->ephemeral_key->group, 2u);
  EXPECT_TRUE(check_public_key(2, ours->ephemeral_key->public_key));
  EXPECT_EQ((*resp)->sign(hex("45020000")), hex("58"));
  auto keys = (*resp)->keys();
  ASSERT_TRUE(keys);
  const auto& cfg = dynamic_cast<const FlashPacketCipher&>(*keys->cipher).config();
  // Flash Player offers HMAC and SSEQ "send on request" and requests
  // neither; our default requests both (RFC 7425 §4.6.4, §4.6.6), so it
  // protects its packets and we send the checksum.
  EXPECT_TRUE(cfg.recv.hmac && cfg.recv.sseq);
  EXPECT_EQ(cfg.recv.hmac_length, 10u);
  EXPECT_FALSE(cfg.send.hmac || cfg.send.sseq);
  // A corrupted captured key (below 2^24) is refused.
  Bytes bad_cert = cert;
  std::fill(bad_cert.begin() + 4, bad_cert.end() - 3, 0);
  EXPECT_FALSE((*p)->begin_responder(signed_part, bad_cert, skic, signature, rng));
}

namespace {
std::map<std::string, Bytes> load_worked_example() {
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/rfc7425/default-key-worked-example.txt");
  std::map<std::string, Bytes> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = hex(line.substr(colon + 1));
  }
  return out;
}
}  // namespace

TEST(FlashWorkedExample, SealReproducesExactWireBytes) {
  auto v = load_worked_example();
  ASSERT_EQ(v["plain"].size(), 89u);
  ASSERT_EQ(v["datagram"].size(), 100u);
  auto cipher = FlashPacketCipher::make_default();
  const Bytes sealed = cipher->seal(v["plain"]);
  EXPECT_EQ(wire::scramble_datagram(0, sealed), v["datagram"]);
  EXPECT_EQ(cat(hex("00000000"), sealed).size(), 100u);
  EXPECT_EQ(wire::unscramble_session_id(v["datagram"]), 0u);
  const Bytes pt = ref_aes_cbc(false, kDefaultSessionKey, ByteView(v["datagram"]).subspan(4));
  EXPECT_EQ(Bytes(pt.begin(), pt.begin() + 2), v["checksum"]);
  auto opened = cipher->open(ByteView(v["datagram"]).subspan(4));
  ASSERT_TRUE(opened);
  EXPECT_EQ(Bytes(opened->begin(), opened->begin() + 89), v["plain"]);
}
