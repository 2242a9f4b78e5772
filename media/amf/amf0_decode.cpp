// AMF0 decoder (amf0_spec_121207.txt §2, §3.1). See amf0.hpp.
#include <bit>
#include <string>

#include "media/amf/amf0.hpp"
#include "media/amf/amf3.hpp"
#include "media/amf/cost.hpp"

namespace rtmfp::media::amf::amf0 {

struct Decoder::Impl {
  Decoder& d;
  ByteReader& r;  // the whole input, or the range of a referenced object
  std::size_t depth = 0;
  bool replay = false;        // decoding a referenced object's range again
  std::size_t next_slot = 0;  // replay: the table index of the next complex value

  std::string at() const { return " at offset " + std::to_string(r.position()); }

  Result<void> charge(std::size_t units) {
    return detail::charge(d.budget_used_, units, d.limits_.max_budget);
  }

  // §1.3.1 UTF-8 / §2.4: U16 length + bytes. (§2.14 long: U32.)
  Result<std::string> read_utf8(bool long_form, const char* what) {
    std::size_t pos = r.position();
    std::uint32_t len = long_form ? r.u32() : r.u16();
    if (!r.ok())
      return fail(Errc::truncated, std::string(what) + " length truncated at offset " + std::to_string(pos));
    if (len > r.remaining())
      return fail(Errc::truncated, std::string(what) + " declares " + std::to_string(len) + " bytes but only " +
                                       std::to_string(r.remaining()) + " remain (offset " +
                                       std::to_string(pos) + ")");
    if (auto c = charge(detail::string_heap(len)); !c) return std::unexpected(c.error());
    ByteView b = r.take(len);
    return std::string(as_chars(b));
  }

  Result<double> read_double(const char* what) {
    std::uint64_t bits = r.u64();
    if (!r.ok()) return fail(Errc::truncated, std::string(what) + " truncated" + at());
    return std::bit_cast<double>(bits);
  }

  // §2.5 object-property list, terminated by UTF-8-empty + object-end-marker.
  Result<void> read_properties(std::vector<Property>& out, const char* what) {
    for (;;) {
      auto key = read_utf8(false, "property name");
      if (!key) return std::unexpected(key.error());
      if (key->empty()) {
        if (r.remaining() == 0) return fail(Errc::truncated, std::string(what) + " missing object-end marker" + at());
        std::size_t pos = r.position();
        std::uint8_t m = r.u8();
        if (m != static_cast<std::uint8_t>(Marker::object_end))
          return fail(Errc::malformed, std::string(what) + ": empty property name not followed by object-end (marker " +
                                           std::to_string(m) + " at offset " + std::to_string(pos) + ")");
        return {};
      }
      if (auto c = charge(sizeof(Property)); !c) return std::unexpected(c.error());  // its slot
      auto v = read_value();
      if (!v) return std::unexpected(v.error());
      out.push_back(Property{std::move(*key), std::move(*v)});
    }
  }

  // Reserves an object-table slot (§2.9: complex objects are indexed in the
  // order they are first encountered). `begin` is the offset of its marker.
  Result<std::size_t> reserve_slot(std::size_t begin) {
    if (replay) return next_slot++;  // the slots of a replayed range exist already
    if (d.spans_.size() >= d.limits_.max_table_entries || d.spans_.size() >= 65536)
      return fail(Errc::limit_exceeded, "too many complex objects for the AMF0 reference table" + at());
    d.spans_.push_back(Span{begin, 0, false});
    return d.spans_.size() - 1;
  }

  Result<Value> finish_slot(std::size_t slot, Value v) {
    if (!replay) {
      d.spans_[slot].end = r.position();
      d.spans_[slot].complete = true;
    }
    return v;
  }

  // §2.9 reference: decode the referenced object's bytes again. Every value
  // that makes is charged, so reference bombs end at the budget; the depth
  // limit applies to the copy as it does to the original.
  Result<Value> resolve(std::uint16_t idx, std::size_t pos) {
    if (idx >= d.spans_.size())
      return fail(Errc::malformed, "reference " + std::to_string(idx) + " out of range (table has " +
                                       std::to_string(d.spans_.size()) + " objects) at offset " + std::to_string(pos));
    if (!d.spans_[idx].complete)
      return fail(Errc::unsupported, "cyclic reference to object " + std::to_string(idx) + " not supported at offset " +
                                         std::to_string(pos));
    const Span& s = d.spans_[idx];
    ByteReader sub_reader(d.data_.subspan(s.begin, s.end - s.begin));
    Impl sub{d, sub_reader, depth - 1, true, idx};  // the copy sits where the reference was
    return sub.read_value();
  }

  Result<Value> read_value() {
    if (depth >= d.limits_.max_depth)
      return fail(Errc::limit_exceeded, "AMF0 nesting deeper than " + std::to_string(d.limits_.max_depth) + at());
    ++depth;
    auto v = read_value_inner();
    --depth;
    return v;
  }

  Result<Value> read_value_inner() {
    std::size_t pos = r.position();
    if (r.remaining() == 0) return fail(Errc::truncated, "missing AMF0 type marker" + at());
    std::uint8_t m = r.u8();
    switch (static_cast<Marker>(m)) {
      case Marker::number: {
        auto n = read_double("number");
        if (!n) return std::unexpected(n.error());
        return Value(*n);
      }
      case Marker::boolean: {
        std::uint8_t b = r.u8();
        if (!r.ok()) return fail(Errc::truncated, "boolean truncated" + at());
        return Value(b != 0);
      }
      case Marker::string:
      case Marker::long_string: {
        auto s = read_utf8(m == static_cast<std::uint8_t>(Marker::long_string), "string");
        if (!s) return std::unexpected(s.error());
        return Value(std::move(*s));
      }
      case Marker::xml_document: {  // §2.17: U32 length like a long string
        auto s = read_utf8(true, "xml-document");
        if (!s) return std::unexpected(s.error());
        return Value::xml_document(std::move(*s));
      }
      case Marker::object:
      case Marker::typed_object: {
        auto slot = reserve_slot(pos);
        if (!slot) return std::unexpected(slot.error());
        Object o;
        if (m == static_cast<std::uint8_t>(Marker::typed_object)) {  // §2.18
          auto name = read_utf8(false, "typed-object class name");
          if (!name) return std::unexpected(name.error());
          o.class_name = std::move(*name);
        }
        if (auto r = read_properties(o.members, "object"); !r) return std::unexpected(r.error());
        return finish_slot(*slot, Value(std::move(o)));
      }
      case Marker::ecma_array: {  // §2.10: the count is only a hint
        auto slot = reserve_slot(pos);
        if (!slot) return std::unexpected(slot.error());
        (void)r.u32();
        if (!r.ok()) return fail(Errc::truncated, "ECMA array count truncated" + at());
        Array a;
        if (auto r = read_properties(a.assoc, "ECMA array"); !r) return std::unexpected(r.error());
        return finish_slot(*slot, Value(std::move(a), Type::ecma_array));
      }
      case Marker::strict_array: {  // §2.12
        auto slot = reserve_slot(pos);
        if (!slot) return std::unexpected(slot.error());
        std::uint32_t count = r.u32();
        if (!r.ok()) return fail(Errc::truncated, "strict array count truncated" + at());
        if (count > r.remaining())  // every value takes at least one byte
          return fail(Errc::truncated, "strict array declares " + std::to_string(count) + " items but only " +
                                           std::to_string(r.remaining()) + " bytes remain" + at());
        Array a;
        // Exactly `count` slots: charged before they are allocated (a count
        // the budget cannot pay for fails here, before any allocation).
        if (auto c = charge(std::size_t{count} * sizeof(Value)); !c) return std::unexpected(c.error());
        a.dense.reserve(count);
        for (std::uint32_t i = 0; i < count; ++i) {
          auto v = read_value();
          if (!v) return std::unexpected(v.error());
          a.dense.push_back(std::move(*v));
        }
        return finish_slot(*slot, Value(std::move(a), Type::array));
      }
      case Marker::date: {  // §2.13: time-zone S16 is reserved, ignored
        auto ms = read_double("date");
        if (!ms) return std::unexpected(ms.error());
        (void)r.u16();
        if (!r.ok()) return fail(Errc::truncated, "date time-zone truncated" + at());
        return Value::date(*ms);
      }
      case Marker::null: return Value(nullptr);
      case Marker::undefined: return Value();
      case Marker::unsupported: return Value::unsupported();
      case Marker::reference: {  // §2.9
        std::uint16_t idx = r.u16();
        if (!r.ok()) return fail(Errc::truncated, "reference index truncated" + at());
        return resolve(idx, pos);
      }
      case Marker::avmplus_object: {  // §3.1: the next value is AMF3
        amf3::Decoder sub(r, d.limits_, depth, &d.budget_used_, &amf3::ExternalizableRegistry::flex());
        return sub.read_value();
      }
      case Marker::movieclip:
        return fail(Errc::unsupported, "AMF0 movieclip marker 0x04 is reserved (§2.6) at offset " + std::to_string(pos));
      case Marker::recordset:
        return fail(Errc::unsupported, "AMF0 recordset marker 0x0E is reserved (§2.16) at offset " + std::to_string(pos));
      case Marker::object_end:
        return fail(Errc::malformed, "unexpected AMF0 object-end marker at offset " + std::to_string(pos));
    }
    return fail(Errc::malformed, "unknown AMF0 type marker " + std::to_string(m) + " at offset " + std::to_string(pos));
  }
};

Decoder::Decoder(ByteView data, DecodeLimits limits)
    : data_(data), reader_(data), limits_(detail::effective_limits(limits, data.size())) {}

Result<Value> Decoder::next() {
  if (error_) return std::unexpected(*error_);
  Impl impl{*this, reader_};
  // A value's own node is charged by the container holding it; a top-level
  // value is held by the caller.
  if (auto c = detail::charge(budget_used_, detail::kValueCost, limits_.max_budget); !c) {
    error_ = c.error();
    return std::unexpected(*error_);
  }
  auto v = impl.read_value();
  if (!v) error_ = v.error();
  return v;
}

Result<Value> decode(ByteView data, const DecodeLimits& limits) {
  Decoder dec(data, limits);
  auto v = dec.next();
  if (!v) return v;
  if (!dec.done())
    return fail(Errc::malformed, std::to_string(data.size() - dec.position()) + " trailing bytes after the AMF0 value at offset " +
                                     std::to_string(dec.position()));
  return v;
}

Result<std::vector<Value>> decode_all(ByteView data, const DecodeLimits& limits) {
  Decoder dec(data, limits);
  std::vector<Value> out;
  while (!dec.done()) {
    auto v = dec.next();
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace rtmfp::media::amf::amf0
