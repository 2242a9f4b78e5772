// AMF3 encoder (amf3_spec_121207.txt §1.3.1, §2.2, §3; Vector/Dictionary from
// the 2013 revision, see amf3.hpp). Strings and traits are sent by reference
// after their first occurrence, as Flash Player does; complex objects are
// always written inline.
#include <bit>
#include <cmath>
#include <string>

#include "media/amf/amf3.hpp"

namespace rtmfp::media::amf::amf3 {
namespace {
constexpr std::size_t kMaxEncodeDepth = 256;
constexpr std::size_t kMaxTableEntries = 1u << 20;
constexpr std::uint32_t kMaxLength = (1u << 28) - 1;  // U29 with a flag bit
}  // namespace

struct Encoder::Impl {
  Encoder& e;
  ByteWriter w{e.out_};

  void marker(Marker m) { w.u8(static_cast<std::uint8_t>(m)); }

  // §1.3.2 UTF-8-vr with the string reference table.
  Result<void> string(std::string_view s) {
    if (s.empty()) {
      w.u8(0x01);  // UTF-8-empty
      return {};
    }
    if (auto it = e.strings_.find(std::string(s)); it != e.strings_.end()) return e.write_u29(it->second << 1);
    if (s.size() > kMaxLength) return fail(Errc::invalid_argument, "string longer than 2^28-1 bytes for AMF3");
    if (e.strings_.size() < kMaxTableEntries)
      e.strings_.emplace(std::string(s), static_cast<std::uint32_t>(e.strings_.size()));
    if (auto r = e.write_u29((static_cast<std::uint32_t>(s.size()) << 1) | 1); !r) return r;
    w.bytes(as_bytes(s));
    return {};
  }

  // Length-prefixed body of xml-doc, xml and byte array (never by reference).
  Result<void> blob(Marker m, ByteView b) {
    if (b.size() > kMaxLength) return fail(Errc::invalid_argument, "AMF3 byte payload longer than 2^28-1");
    marker(m);
    ++e.object_count_;
    if (auto r = e.write_u29((static_cast<std::uint32_t>(b.size()) << 1) | 1); !r) return r;
    w.bytes(b);
    return {};
  }

  Result<void> count_header(std::size_t n, const char* what) {
    if (n > kMaxLength) return fail(Errc::invalid_argument, std::string(what) + " has too many items for AMF3");
    return e.write_u29((static_cast<std::uint32_t>(n) << 1) | 1);
  }

  Result<void> pairs(const std::vector<Property>& props, std::size_t from, const char* what) {
    for (std::size_t i = from; i < props.size(); ++i) {
      if (props[i].key.empty())
        return fail(Errc::invalid_argument, std::string("AMF3 cannot encode an empty ") + what);
      if (auto r = string(props[i].key); !r) return r;
      if (auto r = e.write(props[i].value); !r) return r;
    }
    w.u8(0x01);  // empty string ends the list
    return {};
  }

  // §3.12 traits, by reference when the same traits were written before.
  Result<void> traits(const Object& o) {
    std::string key = o.class_name;
    key += '\0';
    key += o.externalizable ? 'e' : (o.dynamic ? 'd' : 's');
    for (std::size_t i = 0; i < o.sealed_count; ++i) {
      key += '\0';
      key += o.members[i].key;
    }
    if (auto it = e.traits_.find(key); it != e.traits_.end()) return e.write_u29((it->second << 2) | 1);
    if (e.traits_.size() < kMaxTableEntries) e.traits_.emplace(std::move(key), static_cast<std::uint32_t>(e.traits_.size()));
    if (o.externalizable) {
      if (auto r = e.write_u29(0x07); !r) return r;
      return string(o.class_name);
    }
    if (o.sealed_count > ((1u << 25) - 1)) return fail(Errc::invalid_argument, "too many sealed members for AMF3");
    std::uint32_t h = (static_cast<std::uint32_t>(o.sealed_count) << 4) | (o.dynamic ? 0x08 : 0) | 0x03;
    if (auto r = e.write_u29(h); !r) return r;
    if (auto r = string(o.class_name); !r) return r;
    for (std::size_t i = 0; i < o.sealed_count; ++i)
      if (auto r = string(o.members[i].key); !r) return r;
    return {};
  }

  Result<void> object(const Object& o) {
    if (o.sealed_count > o.members.size())
      return fail(Errc::invalid_argument, "object sealed_count exceeds its member count");
    if (!o.dynamic && !o.externalizable && o.members.size() > o.sealed_count)
      return fail(Errc::invalid_argument, "non-dynamic object has members beyond its sealed members");
    const ExternalizableRegistry::Handler* handler = nullptr;
    if (o.externalizable) {
      handler = e.registry_ ? e.registry_->find(o.class_name) : nullptr;
      if (!handler || !handler->write)
        return fail(Errc::unsupported, "externalizable class " + o.class_name + " not supported");
    }
    marker(Marker::object);
    ++e.object_count_;
    if (auto r = traits(o); !r) return r;
    if (handler) return handler->write(e, o);
    for (std::size_t i = 0; i < o.sealed_count; ++i)
      if (auto r = e.write(o.members[i].value); !r) return r;
    if (o.dynamic) return pairs(o.members, o.sealed_count, "dynamic member name");
    return {};
  }

  Result<void> array(const Array& a) {  // §3.11
    marker(Marker::array);
    ++e.object_count_;
    if (auto r = count_header(a.dense.size(), "array"); !r) return r;
    if (auto r = pairs(a.assoc, 0, "array key"); !r) return r;
    for (const auto& item : a.dense)
      if (auto r = e.write(item); !r) return r;
    return {};
  }

  Result<void> vector(const Vector& v) {  // 2013 revision §3.15
    w.u8(static_cast<std::uint8_t>(v.kind));
    ++e.object_count_;
    if (auto r = count_header(v.items.size(), "vector"); !r) return r;
    w.u8(v.fixed ? 1 : 0);
    if (v.kind == VectorKind::object) {
      if (auto r = string(v.type_name); !r) return r;  // "*" for untyped, as given
      for (const auto& item : v.items)
        if (auto r = e.write(item); !r) return r;
      return {};
    }
    for (const auto& item : v.items) {
      auto n = item.as_number();
      if (!n) return fail(Errc::invalid_argument, "numeric vector item is not a number");
      if (v.kind == VectorKind::float64) {
        w.u64(std::bit_cast<std::uint64_t>(*n));
        continue;
      }
      double lo = v.kind == VectorKind::int32 ? -2147483648.0 : 0.0;
      double hi = v.kind == VectorKind::int32 ? 2147483647.0 : 4294967295.0;
      if (!(*n >= lo && *n <= hi) || std::trunc(*n) != *n)
        return fail(Errc::invalid_argument, "vector item out of range for its integer kind");
      w.u32(v.kind == VectorKind::int32 ? static_cast<std::uint32_t>(static_cast<std::int32_t>(*n))
                                        : static_cast<std::uint32_t>(*n));
    }
    return {};
  }

  Result<void> dictionary(const Dictionary& d) {  // 2013 revision §3.16
    marker(Marker::dictionary);
    ++e.object_count_;
    if (auto r = count_header(d.entries.size(), "dictionary"); !r) return r;
    w.u8(d.weak_keys ? 1 : 0);
    for (const auto& entry : d.entries) {
      if (auto r = e.write(entry.key); !r) return r;
      if (auto r = e.write(entry.value); !r) return r;
    }
    return {};
  }

  Result<void> value(const Value& v) {
    switch (v.type()) {
      case Type::undefined:
      case Type::unsupported: marker(Marker::undefined); return {};
      case Type::null: marker(Marker::null); return {};
      case Type::boolean: marker(*v.as_bool() ? Marker::true_ : Marker::false_); return {};
      case Type::integer: {
        std::int32_t i = *v.as_integer();
        if (i >= kIntegerMin && i <= kIntegerMax) {  // §3.6
          marker(Marker::integer);
          return e.write_u29(static_cast<std::uint32_t>(i) & kU29Max);
        }
        marker(Marker::double_);  // §3.7
        w.u64(std::bit_cast<std::uint64_t>(static_cast<double>(i)));
        return {};
      }
      case Type::number:
        marker(Marker::double_);
        w.u64(std::bit_cast<std::uint64_t>(*v.as_number()));
        return {};
      case Type::string: marker(Marker::string); return string(*v.as_string());
      case Type::xml_document: return blob(Marker::xml_document, as_bytes(*v.as_string()));
      case Type::xml: return blob(Marker::xml, as_bytes(*v.as_string()));
      case Type::byte_array: return blob(Marker::byte_array, *v.as_bytes());
      case Type::date:  // §3.10: U29D-value = 1 then DOUBLE
        marker(Marker::date);
        ++e.object_count_;
        w.u8(0x01);
        w.u64(std::bit_cast<std::uint64_t>(*v.as_date()));
        return {};
      case Type::object: return object(*v.as_object());
      case Type::ecma_array:
      case Type::array: return array(*v.as_array());
      case Type::vector: return vector(*v.as_vector());
      case Type::dictionary: return dictionary(*v.as_dictionary());
    }
    return fail(Errc::invalid_argument, "unknown value type");
  }
};

Encoder::Encoder(Bytes& out, const ExternalizableRegistry* registry) : out_(out), registry_(registry) {}

Result<void> Encoder::write(const Value& v) {
  if (depth_ >= kMaxEncodeDepth) return fail(Errc::invalid_argument, "value nested too deeply to encode");
  ++depth_;
  Impl impl{*this};
  auto r = impl.value(v);
  --depth_;
  return r;
}

// §1.3.1: 0x00-0x7F one byte; up to 0x3FFF two; up to 0x1FFFFF three; else
// four, the last carrying 8 bits.
Result<void> Encoder::write_u29(std::uint32_t v) {
  if (v > kU29Max) return fail(Errc::invalid_argument, "U29 value " + std::to_string(v) + " exceeds 2^29-1");
  if (v < 0x80) {
    out_.push_back(static_cast<std::uint8_t>(v));
  } else if (v < 0x4000) {
    out_.push_back(static_cast<std::uint8_t>((v >> 7) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(v & 0x7F));
  } else if (v < 0x200000) {
    out_.push_back(static_cast<std::uint8_t>((v >> 14) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(((v >> 7) & 0x7F) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(v & 0x7F));
  } else {
    out_.push_back(static_cast<std::uint8_t>((v >> 22) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(((v >> 15) & 0x7F) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(((v >> 8) & 0x7F) | 0x80));
    out_.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  return {};
}

Result<void> encode_to(const Value& v, Bytes& out, const ExternalizableRegistry* registry) {
  std::size_t start = out.size();
  Encoder enc(out, registry);
  auto r = enc.write(v);
  if (!r) out.resize(start);
  return r;
}

Result<Bytes> encode(const Value& v, const ExternalizableRegistry* registry) {
  Bytes out;
  if (auto r = encode_to(v, out, registry); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace rtmfp::media::amf::amf3
