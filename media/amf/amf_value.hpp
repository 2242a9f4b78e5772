// The AMF value model shared by the AMF0 and AMF3 codecs (rtmfp::media::amf).
//
// One tree type, `Value`, with value semantics (copying a Value copies the
// tree). It covers every AMF0 type (amf0_spec_121207 §2) and every AMF3 type
// (amf3_spec_121207 §3), plus the Vector and Dictionary types of the 2013
// AMF3 revision (see amf3.hpp for their source). References on the wire
// (AMF0 §2.9, AMF3 §2.2) are resolved by the decoders into copies; cyclic
// graphs are rejected, and the total size of what a decoder produces is
// bounded by DecodeLimits::max_budget (so "reference bombs" fail cleanly).
//
// Building an RTMP command:
//   using amf::Value;
//   std::vector<Value> cmd{"connect", 1.0,
//       Value::object({{"app", "live"}, {"tcUrl", "rtmp://h/live"}, {"objectEncoding", 0.0}})};
//   auto bytes = amf::amf0::encode_all(cmd);
//
// Reading one:
//   if (auto app = v.get("app"); app && app->is_string()) use(*app->as_string());
//   double tx = cmd[1].as_number().value_or(0);
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "rtmfp/core/bytes.hpp"

namespace rtmfp::media::amf {

class Value;
struct Property;   // key + value (object members, associative array entries)
struct DictEntry;  // key value + value (AMF3 Dictionary)

enum class Type : std::uint8_t {
  undefined,     // AMF0 0x06, AMF3 0x00
  null,          // AMF0 0x05, AMF3 0x01
  unsupported,   // AMF0 0x0D (AMF0 §2.15); written as undefined in AMF3
  boolean,       // AMF0 0x01, AMF3 0x02/0x03
  number,        // double: AMF0 0x00, AMF3 0x05
  integer,       // AMF3 0x04: 29-bit signed (AMF3 §3.6); AMF0 writes it as a number
  string,        // AMF0 0x02/0x0C, AMF3 0x06
  xml_document,  // AMF0 0x0F (§2.17), AMF3 0x07 (§3.9)
  xml,           // AMF3 0x0B (§3.13); AMF0 writes it via the avmplus switch
  date,          // AMF0 0x0B, AMF3 0x08: milliseconds since the epoch (UTC)
  object,        // AMF0 0x03/0x10, AMF3 0x0A
  ecma_array,    // AMF0 0x08 (associative entries only)
  array,         // AMF0 0x0A strict array (dense); AMF3 0x09 (dense + associative)
  byte_array,    // AMF3 0x0C; AMF0 writes it via the avmplus switch
  vector,        // AMF3 (2013) 0x0D-0x10
  dictionary,    // AMF3 (2013) 0x11
};

const char* type_name(Type t);

// AMF3 object (§3.12) / AMF0 anonymous and typed object (§2.5, §2.18).
// `members` is ordered; the first `sealed_count` members are the sealed
// members of the class traits (AMF3), the rest are dynamic members.
// AMF0 objects decode with sealed_count 0 and dynamic true.
struct Object {
  std::string class_name;         // empty = anonymous
  bool dynamic = true;            // AMF3 traits dynamic flag
  bool externalizable = false;    // AMF3 traits-ext; members hold the handler's representation
  std::size_t sealed_count = 0;   // number of leading sealed members (AMF3)
  std::vector<Property> members;
};

// AMF0 ECMA array (associative only), AMF0 strict array (dense only) and the
// AMF3 array (§3.11: dense portion + associative portion).
struct Array {
  std::vector<Property> assoc;
  std::vector<Value> dense;
};

enum class VectorKind : std::uint8_t { int32 = 0x0D, uint32 = 0x0E, float64 = 0x0F, object = 0x10 };

// AMF3 2013 Vector: int/uint items are stored as Type::number values holding
// the exact 32-bit value; object vectors hold any values.
struct Vector {
  VectorKind kind = VectorKind::object;
  bool fixed = false;
  std::string type_name;  // object vectors only: "*" or a class alias
  std::vector<Value> items;
};

struct Dictionary {
  bool weak_keys = false;
  std::vector<DictEntry> entries;
};

class Value {
 public:
  using Storage = std::variant<std::monostate, bool, double, std::int32_t, std::string, Bytes,
                               Object, Array, Vector, Dictionary>;

  Value();                       // undefined
  Value(std::nullptr_t);         // null
  Value(bool b);
  Value(double d);
  // Any other arithmetic type builds a number (AMF0 has no integer type).
  template <class T>
    requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, double>)
  Value(T n) : Value(static_cast<double>(n)) {}
  Value(const char* s);
  Value(std::string s);
  Value(std::string_view s);
  Value(Object o);
  Value(Array a, Type t = Type::array);  // Type::array or Type::ecma_array
  Value(Vector v);
  Value(Dictionary d);

  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;
  ~Value();

  // Named constructors.
  static Value undefined();
  static Value null();
  static Value unsupported();
  static Value integer(std::int32_t v);  // clamped to the 29-bit AMF3 range by the encoder (else double)
  static Value number(double v);
  static Value string(std::string s);
  static Value xml_document(std::string text);
  static Value xml(std::string text);
  static Value date(double ms_since_epoch);
  static Value object(std::initializer_list<Property> members);
  static Value object(std::vector<Property> members);
  static Value typed_object(std::string class_name, std::vector<Property> members);
  static Value ecma_array(std::initializer_list<Property> entries);
  static Value ecma_array(std::vector<Property> entries);
  static Value array(std::initializer_list<Value> items);  // strict / dense array
  static Value array(std::vector<Value> items);
  static Value byte_array(Bytes bytes);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::undefined; }
  bool is_null() const { return type_ == Type::null; }
  bool is_nullish() const { return type_ == Type::null || type_ == Type::undefined; }
  bool is_boolean() const { return type_ == Type::boolean; }
  bool is_number() const { return type_ == Type::number || type_ == Type::integer; }
  bool is_string() const { return type_ == Type::string; }
  bool is_object() const { return type_ == Type::object; }
  bool is_array() const { return type_ == Type::array || type_ == Type::ecma_array; }

  // Accessors: nullopt / nullptr when the value is of another type.
  std::optional<bool> as_bool() const;
  std::optional<double> as_number() const;        // number or integer
  std::optional<std::int32_t> as_integer() const;  // integer, or a number with an exact int32 value
  std::optional<std::string_view> as_string() const;  // string, xml_document, xml
  std::optional<double> as_date() const;
  const Bytes* as_bytes() const;
  const Object* as_object() const;
  Object* as_object();
  const Array* as_array() const;  // array or ecma_array
  Array* as_array();
  const Vector* as_vector() const;
  const Dictionary* as_dictionary() const;

  // Member lookup by key: object members, then array/ECMA-array associative
  // entries. nullptr when absent or not a keyed type.
  const Value* get(std::string_view key) const;
  // Like get(), but returns an undefined Value when absent.
  const Value& operator[](std::string_view key) const;
  // Dense element (array items, vector items); undefined Value when absent.
  const Value& operator[](std::size_t index) const;
  // Sets (replaces or appends) a member of an object or an associative entry
  // of an array. Returns false if this is not an object or array.
  bool set(std::string key, Value v);
  // Dense size of arrays/vectors, member count of objects, entry count otherwise.
  std::size_t size() const;

  // Deep structural equality (NaN == NaN so round-trip tests can compare).
  friend bool operator==(const Value& a, const Value& b);

  // One-line human-readable rendering for logs and test failures.
  std::string to_string() const;

  const Storage& storage() const { return data_; }

 private:
  Value(Type t, Storage s);
  Type type_ = Type::undefined;
  Storage data_;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

struct DictEntry {
  Value key;
  Value value;
  friend bool operator==(const DictEntry&, const DictEntry&) = default;
};

bool operator==(const Object&, const Object&);
bool operator==(const Array&, const Array&);
bool operator==(const Vector&, const Vector&);
bool operator==(const Dictionary&, const Dictionary&);

// Bounds applied by both decoders to hostile input.
struct DecodeLimits {
  // Maximum nesting of complex values (objects, arrays, ...). A value at the
  // top level has depth 1.
  std::size_t max_depth = 64;
  // Budget for the memory a decode produces, in bytes: sizeof(Value) per
  // value, member keys, string/byte-array heap blocks, reference copies and
  // table entries (review P3). Bounds memory and work regardless of
  // reference tricks. A decoder over N input bytes gets
  // min(max_budget, budget_floor + budget_per_input_byte * N).
  std::size_t max_budget = 64u << 20;
  std::size_t budget_floor = 64u << 10;
  // 12: an AMF0 number (9 bytes) becomes an 88-byte Value, so arrays of
  // numbers (onMetaData keyframe indexes) still fit; 1 MiB of anything is
  // charged at most 12 MiB + 64 KiB (property lists may hold up to twice
  // that transiently while their vector grows).
  std::size_t budget_per_input_byte = 12;
  // Maximum entries in each reference table (AMF0 objects; AMF3 strings,
  // objects, traits).
  std::size_t max_table_entries = 1u << 20;
};

}  // namespace rtmfp::media::amf
