// RFC 5769 test vectors for the STUN codec, MESSAGE-INTEGRITY (short- and
// long-term keys) and FINGERPRINT.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "rendezvous/turn/core/stun_integrity.hpp"
#include "rendezvous/turn/core/stun_message.hpp"

namespace rtmfp::turn {
namespace {

struct Vector {
  Bytes bytes;
  std::map<std::string, std::string> fields;
};

Vector load(const std::string& name) {
  std::ifstream in(std::string(RTMFP_SOURCE_DIR) + "/rfc-vectors/rfc5769/" + name);
  EXPECT_TRUE(in) << name;
  Vector v;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (key == "hex") {
      std::istringstream hs(value);
      std::string h;
      while (hs >> h) v.bytes.push_back(static_cast<std::uint8_t>(std::stoul(h, nullptr, 16)));
    } else {
      v.fields[key] = value;
    }
  }
  return v;
}

TEST(StunVectors, SampleRequestIntegrityAndFingerprint) {
  Vector v = load("sample_request.vec");
  auto m = parse_stun(v.bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->method(), StunMethod::binding);
  EXPECT_EQ(m->cls(), StunClass::request);
  ASSERT_TRUE(m->integrity_at && m->fingerprint_at);
  EXPECT_TRUE(fingerprint_ok(*m));
  EXPECT_TRUE(integrity_ok(*m, as_bytes(v.fields["password"])));
  EXPECT_FALSE(integrity_ok(*m, as_bytes("wrong")));
  const StunAttribute* u = m->find(StunAttr::username);
  ASSERT_TRUE(u);
  EXPECT_EQ(std::string(u->value.begin(), u->value.end()), "evtj:h6vY");
  // One flipped bit anywhere before the fingerprint fails it.
  Bytes bad = v.bytes;
  bad[30] ^= 1;
  auto mb = parse_stun(bad);
  ASSERT_TRUE(mb);
  EXPECT_FALSE(fingerprint_ok(*mb));
  EXPECT_FALSE(integrity_ok(*mb, as_bytes(v.fields["password"])));
}

TEST(StunVectors, SampleIpv4ResponseXorMappedAddress) {
  Vector v = load("sample_ipv4_response.vec");
  auto m = parse_stun(v.bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->cls(), StunClass::success);
  EXPECT_TRUE(fingerprint_ok(*m));
  EXPECT_TRUE(integrity_ok(*m, as_bytes(v.fields["password"])));
  const StunAttribute* x = m->find(StunAttr::xor_mapped_address);
  ASSERT_TRUE(x);
  auto a = decode_xor_address(x->value, m->transaction);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), v.fields["mapped"]);
  // Our encoder gives the same bytes back.
  Bytes enc;
  encode_xor_address(enc, *a, m->transaction);
  EXPECT_EQ(enc, Bytes(x->value.begin(), x->value.end()));
}

TEST(StunVectors, LongTermCredentialKey) {
  Vector v = load("sample_long_term_request.vec");
  auto m = parse_stun(v.bytes);
  ASSERT_TRUE(m) << m.error().message();
  const StunAttribute* u = m->find(StunAttr::username);
  ASSERT_TRUE(u);
  const std::string user(u->value.begin(), u->value.end());
  auto key = long_term_key(user, v.fields["realm"], v.fields["password"]);
  EXPECT_TRUE(integrity_ok(*m, key));
  EXPECT_FALSE(integrity_ok(*m, long_term_key(user, v.fields["realm"], "TheMatrix")));
}

TEST(StunVectors, BuilderReproducesSampleRequest) {
  // The builder, fed the sample's attributes, yields the sample's bytes
  // (its MESSAGE-INTEGRITY and FINGERPRINT included).
  Vector v = load("sample_request.vec");
  TransactionId tid{};
  std::copy_n(v.bytes.begin() + 8, 12, tid.begin());
  StunBuilder b(0x0001, tid);
  b.add(StunAttr::software, std::string_view("STUN test client"));
  const std::uint8_t prio[] = {0x6e, 0x00, 0x01, 0xff};
  b.add(static_cast<StunAttr>(0x0024), ByteView(prio));
  const std::uint8_t tie[] = {0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36};
  b.add(static_cast<StunAttr>(0x8029), ByteView(tie));
  b.add(StunAttr::username, std::string_view("evtj:h6vY"));
  Bytes out = std::move(b).finish(as_bytes(v.fields["password"]), true);
  // The sample pads USERNAME with spaces, we pad with zeros (both allowed,
  // RFC 8489 §14), so the bytes agree up to that padding (offset 73), and
  // our MESSAGE-INTEGRITY and FINGERPRINT check.
  ASSERT_EQ(out.size(), v.bytes.size());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 73), Bytes(v.bytes.begin(), v.bytes.begin() + 73));
  auto m = parse_stun(out);
  ASSERT_TRUE(m);
  EXPECT_TRUE(integrity_ok(*m, as_bytes(v.fields["password"])));
  EXPECT_TRUE(fingerprint_ok(*m));
}

TEST(StunCodec, RejectsMalformed) {
  Vector v = load("sample_request.vec");
  Bytes b = v.bytes;
  EXPECT_FALSE(parse_stun(ByteView(b).first(19)));
  b[4] ^= 1;  // cookie
  EXPECT_FALSE(parse_stun(b));
  b = v.bytes;
  b[3] = 0x5c;  // length past the datagram
  EXPECT_FALSE(parse_stun(b));
  b = v.bytes;
  b[0] = 0x40;  // ChannelData's bits
  EXPECT_FALSE(parse_stun(b));
  b = v.bytes;
  b.push_back(0);  // datagram longer than the message
  EXPECT_FALSE(parse_stun(b));
  b = v.bytes;
  b[22] = 0xff;  // SOFTWARE's length runs past the end
  EXPECT_FALSE(parse_stun(b));
}

TEST(StunCodec, MessageTypesInterleaveMethodAndClass) {
  EXPECT_EQ(message_type(StunMethod::refresh, StunClass::success), 0x0104);
  EXPECT_EQ(message_type(StunMethod::channel_bind, StunClass::error), 0x0119);
  EXPECT_EQ(method_of(0x0119), StunMethod::channel_bind);
  EXPECT_EQ(class_of(0x0119), StunClass::error);
  EXPECT_EQ(message_type(StunMethod::create_permission, StunClass::request), 0x0008);
}

TEST(StunCodec, ErrorCodeAndXorIpv6) {
  const std::uint8_t e[] = {0, 0, 4, 38, 'S', 't', 'a', 'l', 'e'};
  auto err = decode_error_code(e);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, 438);
  EXPECT_EQ(err->reason, "Stale");
  TransactionId tid{};
  for (int i = 0; i < 12; ++i) tid[i] = static_cast<std::uint8_t>(i * 17);
  auto a6 = SocketAddress::parse("[2001:db8::5]:4242");
  ASSERT_TRUE(a6);
  Bytes enc;
  encode_xor_address(enc, *a6, tid);
  EXPECT_EQ(enc.size(), 20u);
  EXPECT_EQ(decode_xor_address(enc, tid), a6);
}

}  // namespace
}  // namespace rtmfp::turn
