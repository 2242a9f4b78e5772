// AMF3 codec tests: byte-exact vectors (rfc-vectors/amf3), U29 edges,
// string/object/trait references, externalizable handlers, Vector and
// Dictionary, round trips of every type.
#include "media/amf/amf3.hpp"

#include <gtest/gtest.h>

#include "tests/unit/amf/amf_test_util.hpp"

using namespace rtmfp;
using namespace rtmfp::media::amf;
using amf_test::hex;
using amf_test::load_vector;

namespace {

Value foo(int a) {
  Object o;
  o.class_name = "Foo";
  o.dynamic = false;
  o.sealed_count = 1;
  o.members = {{"a", Value::integer(a)}};
  return Value(o);
}

Value array_collection(Value source) {
  Object o;
  o.class_name = "flex.messaging.io.ArrayCollection";
  o.externalizable = true;
  o.dynamic = false;
  o.members = {{"source", std::move(source)}};
  return Value(o);
}

struct Vec {
  std::string file;
  Value value;
};

std::vector<Vec> vectors() {
  std::vector<Vec> v;
  for (int i : {0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, -1, -268435456}) {
    std::string name = "amf3/integer_" + (i < 0 ? "neg" + std::to_string(-static_cast<long>(i)) : std::to_string(i)) + ".hex";
    v.push_back({name, Value::integer(i)});
  }
  Array mixed;
  mixed.dense = {Value::integer(1), Value(true)};
  mixed.assoc = {{"k", nullptr}};
  Vector vi;
  vi.kind = VectorKind::int32;
  vi.items = {Value(1), Value(-1)};
  Dictionary d;
  d.entries = {{Value("k"), Value::integer(1)}};
  v.push_back({"amf3/double.hex", Value(1.5)});
  v.push_back({"amf3/string_refs.hex", Value::array({"a", "a", ""})});
  v.push_back({"amf3/dynamic_object.hex", Value::object({{"app", "live"}})});
  v.push_back({"amf3/traits_ref.hex", Value::array({foo(1), foo(2)})});
  v.push_back({"amf3/date.hex", Value::date(1234567890123.0)});
  v.push_back({"amf3/array_mixed.hex", Value(mixed)});
  v.push_back({"amf3/xml_document.hex", Value::xml_document("<a/>")});
  v.push_back({"amf3/xml.hex", Value::xml("<a/>")});
  v.push_back({"amf3/byte_array.hex", Value::byte_array({1, 2, 3})});
  v.push_back({"amf3/array_collection.hex", array_collection(Value::array({Value::integer(1)}))});
  v.push_back({"amf3/vector_int.hex", Value(vi)});
  v.push_back({"amf3/dictionary.hex", Value(d)});
  return v;
}

}  // namespace

TEST(Amf3, VectorsEncodeAndDecodeByteExact) {
  const auto& flex = amf3::ExternalizableRegistry::flex();
  for (const auto& v : vectors()) {
    SCOPED_TRACE(v.file);
    Bytes wire = load_vector(v.file);
    auto enc = amf3::encode(v.value, &flex);
    ASSERT_TRUE(enc) << enc.error().message();
    EXPECT_EQ(to_hex(*enc), to_hex(wire));
    auto dec = amf3::decode(wire, {}, &flex);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(*dec, v.value) << dec->to_string() << " vs " << v.value.to_string();
  }
}

TEST(Amf3, IntegerOutsideU29BecomesDouble) {
  auto enc = amf3::encode(Value::integer(1 << 28));
  ASSERT_TRUE(enc);
  EXPECT_EQ((*enc)[0], 0x05);
  auto dec = amf3::decode(*enc);
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->as_number(), static_cast<double>(1 << 28));
}

TEST(Amf3, ObjectReferenceDecodes) {
  auto v = amf3::decode(load_vector("amf3/object_ref.hex"));
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0], Value::object({}));
  EXPECT_EQ((*v)[1], (*v)[0]);
}

TEST(Amf3, StringReferenceUsedForKeysAndValues) {
  // {a: "a"} twice: second object uses traits ref, key and value by string ref
  Value o = Value::object({{"a", "a"}});
  auto enc = amf3::encode(Value::array({o, o}));
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_hex(*enc), "090501" "0a0b01" "0361" "0600" "01" "0a01" "00" "0600" "01");
  auto dec = amf3::decode(*enc);
  ASSERT_TRUE(dec) << dec.error().message();
  EXPECT_EQ(*dec, Value::array({o, o}));
}

TEST(Amf3, DateAndByteArrayReferences) {
  // [date, bytes, ref 1 (date), ref 2 (bytes)]; the array is index 0
  Bytes wire = hex("0909 01 0801 3ff0000000000000 0c0504 05 0802 0c04");
  auto v = amf3::decode(wire);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 4u);
  EXPECT_EQ((*v)[2], Value::date(1.0));
  EXPECT_EQ((*v)[3], Value::byte_array({4, 5}));
}

TEST(Amf3, TraitsReferenceKeepsSealedNamesAndDynamicMembers) {
  Object o;
  o.class_name = "Dyn";
  o.dynamic = true;
  o.sealed_count = 1;
  o.members = {{"s", Value::integer(1)}, {"d", Value("x")}};
  Value v(o);
  auto enc = amf3::encode(Value::array({v, v}));
  ASSERT_TRUE(enc);
  auto dec = amf3::decode(*enc);
  ASSERT_TRUE(dec) << dec.error().message();
  EXPECT_EQ((*dec)[1], v);
  EXPECT_EQ((*dec)[1].as_object()->sealed_count, 1u);
}

TEST(Amf3, ExternalizableWithoutHandlerIsCleanError) {
  Bytes wire = load_vector("amf3/array_collection.hex");
  auto v = amf3::decode(wire);  // no registry
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::unsupported);
  EXPECT_NE(v.error().detail.find("externalizable class flex.messaging.io.ArrayCollection not supported"),
            std::string::npos)
      << v.error().detail;
  auto e = amf3::encode(array_collection(Value::array({})));
  ASSERT_FALSE(e);
}

TEST(Amf3, CustomExternalizableHandler) {
  amf3::ExternalizableRegistry reg;
  reg.add(
      "my.Point",
      [](amf3::Decoder& d, Object& o) -> Result<void> {
        ByteReader& r = d.reader();
        std::uint16_t x = r.u16();
        if (!r.ok()) return fail(Errc::truncated, "point");
        o.members.push_back({"x", Value(x)});
        return {};
      },
      [](amf3::Encoder& e, const Object& o) -> Result<void> {
        ByteWriter w(e.out());
        w.u16(static_cast<std::uint16_t>(*o.members[0].value.as_number()));
        return {};
      });
  Object p;
  p.class_name = "my.Point";
  p.externalizable = true;
  p.dynamic = false;
  p.members = {{"x", Value(300)}};
  auto enc = amf3::encode(Value::array({Value(p), Value(p)}), &reg);
  ASSERT_TRUE(enc) << enc.error().message();
  auto dec = amf3::decode(*enc, {}, &reg);
  ASSERT_TRUE(dec) << dec.error().message();
  EXPECT_EQ((*dec)[1], Value(p));
}

TEST(Amf3, RoundTripEveryType) {
  Vector vu;
  vu.kind = VectorKind::uint32;
  vu.fixed = true;
  vu.items = {Value(0), Value(4294967295.0)};
  Vector vd;
  vd.kind = VectorKind::float64;
  vd.items = {Value(0.5)};
  Vector vo;
  vo.kind = VectorKind::object;
  vo.type_name = "Foo";
  vo.items = {foo(3), Value(nullptr)};
  Dictionary d;
  d.weak_keys = true;
  d.entries = {{Value::object({{"k", 1}}), Value("obj-key")}};
  std::vector<Value> values{Value(),
                            nullptr,
                            true,
                            false,
                            Value::integer(-5),
                            2.25,
                            "s",
                            Value::xml_document("<d/>"),
                            Value::date(0),
                            Value::array({1, "x", Value::array({})}),
                            Value::ecma_array({{"only", "assoc"}}),
                            Value::object({{"n", Value::object({{"deep", Value::integer(1)}})}}),
                            Value::typed_object("T", {{"a", 1}}),
                            Value::xml("<x/>"),
                            Value::byte_array({}),
                            Value(vu),
                            Value(vd),
                            Value(vo),
                            Value(d)};
  Bytes out;
  amf3::Encoder enc(out);
  for (const auto& v : values) ASSERT_TRUE(enc.write(v));
  auto dec = amf3::decode_all(out);
  ASSERT_TRUE(dec) << dec.error().message();
  ASSERT_EQ(dec->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    Value expect = values[i];
    if (expect.type() == Type::ecma_array) expect = Value(*expect.as_array(), Type::array);  // AMF3 has one array
    EXPECT_EQ((*dec)[i], expect) << i << ": " << (*dec)[i].to_string();
  }
}

TEST(Amf3, EncoderRejectsUnrepresentable) {
  EXPECT_FALSE(amf3::encode(Value::object({{"", 1}})));  // empty key terminates the list
  Object sealed;
  sealed.dynamic = false;
  sealed.members = {{"x", 1}};
  EXPECT_FALSE(amf3::encode(Value(sealed)));  // member beyond sealed_count in a non-dynamic object
  Vector vi;
  vi.kind = VectorKind::int32;
  vi.items = {Value(1.5)};
  EXPECT_FALSE(amf3::encode(Value(vi)));
  Bytes out;
  amf3::Encoder e(out);
  EXPECT_FALSE(e.write_u29(1u << 29));
}
