// AMF0 codec tests: byte-exact vectors (rfc-vectors/amf0), round trips of
// every marker, references, long strings and the avmplus switch.
#include "media/amf/amf0.hpp"

#include <gtest/gtest.h>

#include "media/amf/amf3.hpp"
#include "tests/unit/amf/amf_test_util.hpp"

using namespace rtmfp;
using namespace rtmfp::media::amf;
using amf_test::hex;
using amf_test::load_vector;

namespace {

Value connect_command_object() {
  return Value::object({{"app", "live"},
                        {"flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"},
                        {"swfUrl", "rtmp://localhost/live"},
                        {"tcUrl", "rtmp://localhost/live"},
                        {"fpad", false},
                        {"capabilities", 239},
                        {"audioCodecs", 3575},
                        {"videoCodecs", 252},
                        {"videoFunction", 1},
                        {"objectEncoding", 0}});
}

struct Vec {
  const char* file;
  Value value;
};

std::vector<Vec> vectors() {
  Value shared = Value::object({{"a", 1.0}});
  return {
      {"amf0/number.hex", Value(1.5)},
      {"amf0/boolean.hex", Value(true)},
      {"amf0/string.hex", Value("hello")},
      {"amf0/object.hex", Value::object({{"app", "live"}, {"n", 2}})},
      {"amf0/null.hex", Value(nullptr)},
      {"amf0/undefined.hex", Value()},
      {"amf0/ecma_array.hex", Value::ecma_array({{"duration", 10}, {"width", 640}})},
      {"amf0/strict_array.hex", Value::array({1.0, "x"})},
      {"amf0/date.hex", Value::date(1234567890123.0)},
      {"amf0/unsupported.hex", Value::unsupported()},
      {"amf0/xml_document.hex", Value::xml_document("<a/>")},
      {"amf0/typed_object.hex", Value::typed_object("Foo", {{"x", true}})},
  };
}

}  // namespace

TEST(Amf0, VectorsEncodeAndDecodeByteExact) {
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.file);
    Bytes wire = load_vector(v.file);
    auto enc = amf0::encode(v.value);
    ASSERT_TRUE(enc) << enc.error().message();
    EXPECT_EQ(to_hex(*enc), to_hex(wire));
    auto dec = amf0::decode(wire);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(*dec, v.value) << dec->to_string() << " vs " << v.value.to_string();
  }
}

TEST(Amf0, ConnectCommandVector) {
  Bytes wire = load_vector("amf0/connect_command.hex");
  std::vector<Value> cmd{"connect", 1, connect_command_object()};
  auto enc = amf0::encode_all(cmd);
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(*enc), to_hex(wire));
  auto all = amf0::decode_all(wire);
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].as_string(), "connect");
  EXPECT_EQ((*all)[1].as_number(), 1.0);
  EXPECT_EQ((*all)[2]["app"].as_string(), "live");
  EXPECT_EQ((*all)[2]["tcUrl"].as_string(), "rtmp://localhost/live");
  EXPECT_EQ((*all)[2]["objectEncoding"].as_number(), 0.0);
  EXPECT_TRUE((*all)[2]["missing"].is_undefined());
  EXPECT_EQ((*all)[2].get("missing"), nullptr);
}

TEST(Amf0, ReferenceResolvesToEarlierObject) {
  auto v = amf0::decode(load_vector("amf0/reference.hex"));
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0], Value::object({{"a", 1.0}}));
  EXPECT_EQ((*v)[1], (*v)[0]);
}

TEST(Amf0, ReferenceTableSpansValuesOfOneDecoder) {
  // object, then a reference to it as the second value of the message
  Bytes wire = hex("03 00 01 61 05 00 00 09 07 00 00");
  auto all = amf0::decode_all(wire);
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], (*all)[0]);
}

TEST(Amf0, AvmplusSwitchIsTransparent) {
  auto v = amf0::decode(load_vector("amf0/avmplus.hex"));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, Value::integer(5));
  // AMF3-only types go through the switch when encoded as AMF0.
  Value ba = Value::byte_array({1, 2, 3});
  auto enc = amf0::encode(ba);
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(*enc), "110c07010203");
  auto back = amf0::decode(*enc);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ba);
  Bytes out;
  ASSERT_TRUE(amf0::encode_avmplus_to(Value::object({{"x", 1}}), out));
  EXPECT_EQ(out[0], 0x11);
  auto obj = amf0::decode(out);
  ASSERT_TRUE(obj);
  EXPECT_EQ((*obj)["x"].as_number(), 1.0);
}

TEST(Amf0, LongStringAbove65535) {
  std::string big(70000, 'x');
  auto enc = amf0::encode(Value(big));
  ASSERT_TRUE(enc);
  EXPECT_EQ((*enc)[0], 0x0C);
  EXPECT_EQ(enc->size(), 1u + 4u + big.size());
  auto dec = amf0::decode(*enc);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->as_string(), big);
  // Exactly 65535 still uses the short form.
  auto enc2 = amf0::encode(Value(std::string(65535, 'y')));
  ASSERT_TRUE(enc2);
  EXPECT_EQ((*enc2)[0], 0x02);
}

TEST(Amf0, RoundTripEveryMarker) {
  std::vector<Value> values{
      1.5, -0.0, true, false, "", "str", Value::object({{"a", 1}, {"b", Value::object({{"c", nullptr}})}}),
      nullptr, Value(), Value::ecma_array({{"k", "v"}}), Value::array({1, 2, Value::array({})}),
      Value::date(-1.0), Value(std::string(66000, 'z')), Value::unsupported(), Value::xml_document("<x/>"),
      Value::typed_object("Cls", {{"m", 1}}), Value::byte_array({9, 8}), Value::xml("<e4x/>")};
  auto enc = amf0::encode_all(values);
  ASSERT_TRUE(enc);
  auto dec = amf0::decode_all(*enc);
  ASSERT_TRUE(dec) << dec.error().message();
  ASSERT_EQ(dec->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ((*dec)[i], values[i]) << i << ": " << (*dec)[i].to_string();
}

TEST(Amf0, IntegerAndMixedArraysMapToAmf0Types) {
  auto enc = amf0::encode(Value::integer(7));
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(*enc), "00401c000000000000");
  Array a;
  a.dense = {Value(1)};
  a.assoc = {{"k", Value(2)}};
  auto enc2 = amf0::encode(Value(a));
  ASSERT_TRUE(enc2);
  auto dec = amf0::decode(*enc2);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->type(), Type::ecma_array);
  EXPECT_EQ((*dec)["0"].as_number(), 1.0);
  EXPECT_EQ((*dec)["k"].as_number(), 2.0);
}

TEST(Amf0, EcmaArrayCountIsOnlyAHint) {
  // count says 5 but one entry then the end marker
  auto v = amf0::decode(hex("08 00000005 0001 61 0101 000009"));
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)["a"].as_bool(), true);
}

TEST(Amf0, DateTimeZoneIgnored) {
  auto v = amf0::decode(hex("0b 4000000000000000 ff88"));
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, Value::date(2.0));
}

TEST(Amf0, ValueApiBuildsCommands) {
  Value o = Value::object({{"app", "live"}});
  EXPECT_TRUE(o.set("tcUrl", "rtmp://h/live"));
  EXPECT_TRUE(o.set("app", "vod"));
  EXPECT_EQ(o["app"].as_string(), "vod");
  EXPECT_EQ(o.size(), 2u);
  EXPECT_FALSE(Value(1).set("x", 1));
  EXPECT_EQ(Value(3).as_integer(), 3);
  EXPECT_FALSE(Value(3.5).as_integer());
  EXPECT_FALSE(Value("s").as_number());
  EXPECT_EQ(Value::array({1, 2})[1].as_number(), 2.0);
  EXPECT_TRUE(Value::array({1})[5].is_undefined());
  EXPECT_NE(Value(1), Value::integer(1));
  EXPECT_EQ(Value::object({{"a", 1}}).to_string(), "{a: 1}");
}
