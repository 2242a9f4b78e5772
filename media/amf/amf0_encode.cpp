// AMF0 encoder (amf0_spec_121207.txt §2, §3.1). See amf0.hpp.
#include <bit>
#include <limits>
#include <string>

#include "media/amf/amf0.hpp"
#include "media/amf/amf3.hpp"

namespace rtmfp::media::amf::amf0 {
namespace {

constexpr std::size_t kMaxEncodeDepth = 256;

void put_marker(ByteWriter& w, Marker m) { w.u8(static_cast<std::uint8_t>(m)); }

void put_double(ByteWriter& w, double d) { w.u64(std::bit_cast<std::uint64_t>(d)); }

// §1.3.1 UTF-8 (U16 length) for property names and short strings.
Result<void> put_utf8(ByteWriter& w, std::string_view s, const char* what) {
  if (s.size() > 0xFFFF) return fail(Errc::invalid_argument, std::string(what) + " longer than 65535 bytes");
  w.u16(static_cast<std::uint16_t>(s.size()));
  w.bytes(as_bytes(s));
  return {};
}

// §2.14 UTF-8-long (U32 length).
Result<void> put_utf8_long(ByteWriter& w, std::string_view s, const char* what) {
  if (s.size() > std::numeric_limits<std::uint32_t>::max())
    return fail(Errc::invalid_argument, std::string(what) + " longer than 4 GiB");
  w.u32(static_cast<std::uint32_t>(s.size()));
  w.bytes(as_bytes(s));
  return {};
}

Result<void> put_value(ByteWriter& w, const Value& v, std::size_t depth);

Result<void> put_properties(ByteWriter& w, const std::vector<Property>& props, std::size_t depth) {
  for (const auto& p : props) {
    if (p.key.empty()) return fail(Errc::invalid_argument, "AMF0 cannot encode an empty property name");
    if (auto r = put_utf8(w, p.key, "property name"); !r) return r;
    if (auto r = put_value(w, p.value, depth + 1); !r) return r;
  }
  w.u16(0);  // UTF-8-empty
  put_marker(w, Marker::object_end);
  return {};
}

Result<void> put_avmplus(ByteWriter& w, const Value& v) {
  put_marker(w, Marker::avmplus_object);
  return amf3::encode_to(v, w.buffer(), &amf3::ExternalizableRegistry::flex());
}

Result<void> put_value(ByteWriter& w, const Value& v, std::size_t depth) {
  if (depth > kMaxEncodeDepth) return fail(Errc::invalid_argument, "value nested too deeply to encode");
  switch (v.type()) {
    case Type::undefined: put_marker(w, Marker::undefined); return {};
    case Type::null: put_marker(w, Marker::null); return {};
    case Type::unsupported: put_marker(w, Marker::unsupported); return {};
    case Type::boolean:
      put_marker(w, Marker::boolean);
      w.u8(*v.as_bool() ? 1 : 0);
      return {};
    case Type::number:
    case Type::integer:  // AMF0 has one numeric type (§2.2)
      put_marker(w, Marker::number);
      put_double(w, *v.as_number());
      return {};
    case Type::string: {
      std::string_view s = *v.as_string();
      if (s.size() > 0xFFFF) {  // §2.14
        put_marker(w, Marker::long_string);
        return put_utf8_long(w, s, "string");
      }
      put_marker(w, Marker::string);
      return put_utf8(w, s, "string");
    }
    case Type::xml_document:  // §2.17
      put_marker(w, Marker::xml_document);
      return put_utf8_long(w, *v.as_string(), "xml-document");
    case Type::date:  // §2.13: time-zone written as 0
      put_marker(w, Marker::date);
      put_double(w, *v.as_date());
      w.u16(0);
      return {};
    case Type::object: {
      const Object& o = *v.as_object();
      if (o.externalizable) return put_avmplus(w, v);
      if (o.class_name.empty()) {
        put_marker(w, Marker::object);
      } else {  // §2.18
        put_marker(w, Marker::typed_object);
        if (auto r = put_utf8(w, o.class_name, "class name"); !r) return r;
      }
      return put_properties(w, o.members, depth);
    }
    case Type::ecma_array:
    case Type::array: {
      const Array& a = *v.as_array();
      if (v.type() == Type::array && a.assoc.empty()) {  // §2.12
        if (a.dense.size() > std::numeric_limits<std::uint32_t>::max())
          return fail(Errc::invalid_argument, "strict array too long");
        put_marker(w, Marker::strict_array);
        w.u32(static_cast<std::uint32_t>(a.dense.size()));
        for (const auto& item : a.dense)
          if (auto r = put_value(w, item, depth + 1); !r) return r;
        return {};
      }
      // §2.10: ordinal indices become string keys.
      std::size_t count = a.dense.size() + a.assoc.size();
      if (count > std::numeric_limits<std::uint32_t>::max()) return fail(Errc::invalid_argument, "ECMA array too long");
      put_marker(w, Marker::ecma_array);
      w.u32(static_cast<std::uint32_t>(count));
      for (std::size_t i = 0; i < a.dense.size(); ++i) {
        if (auto r = put_utf8(w, std::to_string(i), "key"); !r) return r;
        if (auto r = put_value(w, a.dense[i], depth + 1); !r) return r;
      }
      return put_properties(w, a.assoc, depth);
    }
    case Type::xml:
    case Type::byte_array:
    case Type::vector:
    case Type::dictionary:
      return put_avmplus(w, v);  // §3.1: AMF3-only types
  }
  return fail(Errc::invalid_argument, "unknown value type");
}

}  // namespace

Result<void> encode_to(const Value& v, Bytes& out) {
  ByteWriter w(out);
  std::size_t start = out.size();
  auto r = put_value(w, v, 0);
  if (!r) out.resize(start);
  return r;
}

Result<Bytes> encode(const Value& v) {
  Bytes out;
  if (auto r = encode_to(v, out); !r) return std::unexpected(r.error());
  return out;
}

Result<Bytes> encode_all(std::span<const Value> values) {
  Bytes out;
  for (const auto& v : values)
    if (auto r = encode_to(v, out); !r) return std::unexpected(r.error());
  return out;
}

Result<Bytes> encode_all(std::initializer_list<Value> values) {
  return encode_all(std::span<const Value>(values.begin(), values.size()));
}

Result<void> encode_avmplus_to(const Value& v, Bytes& out) {
  ByteWriter w(out);
  std::size_t start = out.size();
  auto r = put_avmplus(w, v);
  if (!r) out.resize(start);
  return r;
}

}  // namespace rtmfp::media::amf::amf0
