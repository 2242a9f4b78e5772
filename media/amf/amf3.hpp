// AMF3 codec (amf3_spec_121207.txt §1.3.1 U29, §2.2 reference tables, §3).
// Sans-I/O, no exceptions.
//
// Decoding: undefined, null, false, true, integer (U29, sign-extended from 29
// bits, §3.6), double, string, xml-doc, date, array (assoc + dense), object
// (sealed members, dynamic members, traits references), xml, byte array.
// Strings, complex objects and traits may be references (§2.2); the three
// tables live in one Decoder (one AMF3 context). A reference to an object
// that is still being decoded (a cycle) is rejected: the value model is a tree.
//
// Externalizable objects (U29O-traits-ext, §3.12) carry a class-specific
// body: decoded only if a handler for the class is registered in an
// ExternalizableRegistry, otherwise the error is
//   unsupported: externalizable class <name> not supported
// ExternalizableRegistry::flex() has flex.messaging.io.ArrayCollection and
// flex.messaging.io.ObjectProxy (body: one AMF3 value), represented as an
// Object with externalizable = true and one member "source" (ArrayCollection)
// or "object" (ObjectProxy).
//
// Vector (0x0D int, 0x0E uint, 0x0F double, 0x10 object) and Dictionary
// (0x11) are NOT in the 2006 text in specs/. They are implemented from the
// January 2013 revision of the AMF3 spec ("AMF 3 Specification", Adobe,
// amf3-file-format-spec.pdf §3.15 Vector, §3.16 Dictionary, cited by the
// RTMP errata [AMF3] reference), from the implementer's knowledge of it:
//   vector-type = vector-marker (U29O-ref | (U29V-value fixed-vector
//                 [object-type-name] *items))
//   U29V-value  = U29 with low bit 1, remaining bits = item count
//   fixed-vector = U8 (0 or 1); int/uint items = 4-byte big-endian,
//   double items = DOUBLE, object vector: UTF-8-vr type name then value-types
//   dictionary-type = dictionary-marker (U29O-ref | (U29Dict-value weak-keys
//                 *(entry-key entry-value)))  with U29Dict-value = count<<1|1,
//   weak-keys = U8, keys and values = value-type.
// Both are complex objects occupying object-table slots.
//
// Encoding: strings (non-empty) and traits use reference tables as Flash
// does; complex objects are always written inline (but still occupy
// object-table indices as the format requires). An integer outside the
// 29-bit range and every number are written as a double.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "media/amf/amf_value.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::amf::amf3 {

// §3.1 type markers (+ 2013 revision 0x0D-0x11).
enum class Marker : std::uint8_t {
  undefined = 0x00,
  null = 0x01,
  false_ = 0x02,
  true_ = 0x03,
  integer = 0x04,
  double_ = 0x05,
  string = 0x06,
  xml_document = 0x07,
  date = 0x08,
  array = 0x09,
  object = 0x0A,
  xml = 0x0B,
  byte_array = 0x0C,
  vector_int = 0x0D,
  vector_uint = 0x0E,
  vector_double = 0x0F,
  vector_object = 0x10,
  dictionary = 0x11,
};

inline constexpr std::int32_t kIntegerMin = -(1 << 28);
inline constexpr std::int32_t kIntegerMax = (1 << 28) - 1;
inline constexpr std::uint32_t kU29Max = (1u << 29) - 1;

class Decoder;
class Encoder;

// Handlers for externalizable classes (§3.12 U29O-traits-ext).
class ExternalizableRegistry {
 public:
  // Reads the class-specific body from the decoder (use Decoder::read_value()
  // or Decoder::reader()) and fills `obj` (class_name and externalizable are
  // already set).
  using ReadFn = std::function<Result<void>(Decoder&, Object& obj)>;
  // Writes the class-specific body for `obj` (after traits and class name).
  using WriteFn = std::function<Result<void>(Encoder&, const Object& obj)>;
  struct Handler {
    ReadFn read;
    WriteFn write;
  };

  void add(std::string class_name, ReadFn read, WriteFn write);
  const Handler* find(std::string_view class_name) const;

  // A registry with flex.messaging.io.ArrayCollection and ObjectProxy.
  static const ExternalizableRegistry& flex();

 private:
  std::map<std::string, Handler, std::less<>> handlers_;
};

// One AMF3 context: reads a sequence of values sharing reference tables.
class Decoder {
 public:
  explicit Decoder(ByteView data, DecodeLimits limits = {},
                   const ExternalizableRegistry* registry = nullptr);
  // Decodes the next top-level value. Errors are sticky (tables may be
  // half-built).
  Result<Value> next();
  bool done() const { return reader_->empty(); }
  std::size_t position() const { return reader_->position(); }

  // For externalizable handlers: decode a nested value (depth-checked) and
  // access the raw reader. read_u29() reads a §1.3.1 U29.
  Result<Value> read_value();
  Result<std::uint32_t> read_u29();
  ByteReader& reader() { return *reader_; }

  // Internal: decoding over another codec's reader (AMF0 avmplus switch),
  // sharing its depth and budget accounting.
  Decoder(ByteReader& shared, DecodeLimits limits, std::size_t depth, std::size_t* budget_used,
          const ExternalizableRegistry* registry);
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

 private:
  struct Trait {
    std::string class_name;
    bool dynamic = false;
    bool externalizable = false;
    std::vector<std::string> sealed;
  };
  struct Impl;
  friend struct Impl;

  ByteReader own_reader_;
  ByteReader* reader_;
  DecodeLimits limits_;
  const ExternalizableRegistry* registry_;
  std::size_t depth_ = 0;
  std::size_t own_budget_ = 0;
  std::size_t* budget_used_;
  std::vector<std::string> strings_;
  std::vector<Value> objects_;
  std::vector<std::size_t> object_cost_;
  std::vector<bool> object_done_;
  std::deque<Trait> traits_;  // deque: references stay valid while nested objects add traits
  std::size_t table_charged_ = 0;  // part of the budget charged for table copies (not tree copies)
  std::optional<Error> error_;
};

// One AMF3 encoding context (string and traits tables as Flash keeps them).
class Encoder {
 public:
  explicit Encoder(Bytes& out, const ExternalizableRegistry* registry = nullptr);
  Result<void> write(const Value& v);
  // §1.3.1: fails for values > 2^29-1.
  Result<void> write_u29(std::uint32_t v);
  Bytes& out() { return out_; }

 private:
  struct Impl;
  friend struct Impl;
  Bytes& out_;
  const ExternalizableRegistry* registry_;
  std::size_t depth_ = 0;
  std::size_t object_count_ = 0;
  std::unordered_map<std::string, std::uint32_t> strings_;
  std::unordered_map<std::string, std::uint32_t> traits_;  // key: serialised trait
};

// Exactly one value; trailing bytes are an error.
Result<Value> decode(ByteView data, const DecodeLimits& limits = {},
                     const ExternalizableRegistry* registry = nullptr);
// All values of the buffer, one context.
Result<std::vector<Value>> decode_all(ByteView data, const DecodeLimits& limits = {},
                                      const ExternalizableRegistry* registry = nullptr);
Result<void> encode_to(const Value& v, Bytes& out, const ExternalizableRegistry* registry = nullptr);
Result<Bytes> encode(const Value& v, const ExternalizableRegistry* registry = nullptr);

}  // namespace rtmfp::media::amf::amf3
