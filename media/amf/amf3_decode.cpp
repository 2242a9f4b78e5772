// AMF3 decoder (amf3_spec_121207.txt §1.3.1, §2.2, §3; Vector/Dictionary from
// the 2013 revision, see amf3.hpp). No exceptions; every read bounds checked;
// nesting, table sizes and total output bounded by DecodeLimits.
#include <bit>
#include <string>

#include "media/amf/amf3.hpp"
#include "media/amf/cost.hpp"

namespace rtmfp::media::amf::amf3 {

struct Decoder::Impl {
  Decoder& d;
  ByteReader& r;

  std::string at() const { return " at offset " + std::to_string(r.position()); }
  Result<void> charge(std::size_t bytes) { return detail::charge(*d.budget_used_, bytes, d.limits_.max_budget); }
  // A charge for a table's own copy: not part of the decoded tree, so not
  // charged again when a reference copies an object containing it.
  Result<void> charge_table(std::size_t bytes) {
    if (auto c = charge(bytes); !c) return c;
    d.table_charged_ += bytes;
    return {};
  }
  struct Mark {
    std::size_t used, table;
  };
  Mark mark() const { return {*d.budget_used_, d.table_charged_}; }

  // §1.3.1: 1-4 bytes; the first three carry 7 bits + continuation flag, the
  // fourth carries 8 bits.
  Result<std::uint32_t> u29(const char* what) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      if (r.remaining() == 0) return fail(Errc::truncated, std::string(what) + " (U29) truncated" + at());
      std::uint8_t b = r.u8();
      if (i == 3) return (v << 8) | b;
      v = (v << 7) | (b & 0x7F);
      if (!(b & 0x80)) return v;
    }
    return v;  // unreachable
  }

  // §1.3.2 UTF-8-vr: U29S-ref (low bit 0) or U29S-value (low bit 1) + bytes.
  // The empty string is never sent by reference nor added to the table.
  Result<std::string> string(const char* what) {
    std::size_t pos = r.position();
    auto h = u29(what);
    if (!h) return std::unexpected(h.error());
    if ((*h & 1) == 0) {
      std::uint32_t idx = *h >> 1;
      if (idx >= d.strings_.size())
        return fail(Errc::malformed, std::string(what) + ": string reference " + std::to_string(idx) +
                                         " out of range (table has " + std::to_string(d.strings_.size()) +
                                         ") at offset " + std::to_string(pos));
      if (auto c = charge(detail::string_heap(d.strings_[idx].size())); !c) return std::unexpected(c.error());
      return d.strings_[idx];
    }
    std::uint32_t len = *h >> 1;
    if (len > r.remaining())
      return fail(Errc::truncated, std::string(what) + " declares " + std::to_string(len) + " bytes but only " +
                                       std::to_string(r.remaining()) + " remain (offset " + std::to_string(pos) + ")");
    if (auto c = charge(detail::string_heap(len)); !c) return std::unexpected(c.error());
    std::string s(as_chars(r.take(len)));
    if (!s.empty()) {
      if (d.strings_.size() >= d.limits_.max_table_entries)
        return fail(Errc::limit_exceeded, "AMF3 string table full" + at());
      if (auto c = charge_table(detail::kStringCost + detail::string_heap(s.size())); !c)  // the table's copy
        return std::unexpected(c.error());
      d.strings_.push_back(s);
    }
    return s;
  }

  Result<std::size_t> reserve_object() {
    if (d.objects_.size() >= d.limits_.max_table_entries)
      return fail(Errc::limit_exceeded, "AMF3 object table full" + at());
    d.objects_.emplace_back();
    d.object_cost_.push_back(0);
    d.object_done_.push_back(false);
    return d.objects_.size() - 1;
  }

  Result<Value> finish_object(std::size_t slot, Value v, Mark before) {
    // The tree's cost: everything charged since `before` except table copies
    // (charging those again made nested objects cost 2^depth times their size).
    std::size_t cost = (*d.budget_used_ - before.used) - (d.table_charged_ - before.table);
    // The table's copy: the tree, its node and the cost/done entries.
    if (auto c = charge_table(cost + detail::kValueCost + sizeof(std::size_t) + 1); !c) return std::unexpected(c.error());
    d.objects_[slot] = v;
    d.object_cost_[slot] = cost;
    d.object_done_[slot] = true;
    return v;
  }

  // Resolves U29O-ref (low bit 0) for any complex type; returns nullopt if an
  // inline value follows (header returned through `header`).
  Result<std::optional<Value>> maybe_ref(std::uint32_t h, std::size_t pos) {
    if (h & 1) return std::optional<Value>{};
    std::uint32_t idx = h >> 1;
    if (idx >= d.objects_.size())
      return fail(Errc::malformed, "object reference " + std::to_string(idx) + " out of range (table has " +
                                       std::to_string(d.objects_.size()) + ") at offset " + std::to_string(pos));
    if (!d.object_done_[idx])
      return fail(Errc::unsupported, "cyclic reference to object " + std::to_string(idx) + " not supported at offset " +
                                         std::to_string(pos));
    if (auto c = charge(d.object_cost_[idx]); !c) return std::unexpected(c.error());
    return std::optional<Value>{d.objects_[idx]};
  }

  Result<double> read_double(const char* what) {
    std::uint64_t bits = r.u64();
    if (!r.ok()) return fail(Errc::truncated, std::string(what) + " truncated" + at());
    return std::bit_cast<double>(bits);
  }

  // xml-doc (§3.9), xml (§3.13), byte array (§3.14): U29 length<<1|1 + bytes.
  Result<Value> blob(Type t, const char* what) {
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29(what);
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());
    std::uint32_t len = *h >> 1;
    if (len > r.remaining())
      return fail(Errc::truncated, std::string(what) + " declares " + std::to_string(len) + " bytes but only " +
                                       std::to_string(r.remaining()) + " remain (offset " + std::to_string(pos) + ")");
    if (auto c = charge(len + 1); !c) return std::unexpected(c.error());
    ByteView b = r.take(len);
    Value v = t == Type::byte_array ? Value::byte_array(Bytes(b.begin(), b.end()))
              : t == Type::xml      ? Value::xml(std::string(as_chars(b)))
                                    : Value::xml_document(std::string(as_chars(b)));
    return finish_object(*slot, std::move(v), before);
  }

  Result<Value> date() {  // §3.10
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29("date");
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());
    auto ms = read_double("date");
    if (!ms) return std::unexpected(ms.error());
    return finish_object(*slot, Value::date(*ms), before);
  }

  // Reads "name value" pairs until the empty name (§3.11 assoc, §3.12 dynamic).
  Result<void> pairs(std::vector<Property>& out, const char* what) {
    for (;;) {
      auto key = string(what);
      if (!key) return std::unexpected(key.error());
      if (key->empty()) return {};
      if (auto c = charge(sizeof(Property)); !c) return std::unexpected(c.error());  // its slot
      auto v = d.read_value();
      if (!v) return std::unexpected(v.error());
      out.push_back(Property{std::move(*key), std::move(*v)});
    }
  }

  Result<void> check_count(std::uint64_t count, std::uint64_t min_item_bytes, const char* what) {
    if (count * min_item_bytes > r.remaining())
      return fail(Errc::truncated, std::string(what) + " declares " + std::to_string(count) + " items but only " +
                                       std::to_string(r.remaining()) + " bytes remain" + at());
    return {};
  }

  Result<Value> array() {  // §3.11
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29("array");
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());
    std::uint32_t dense = *h >> 1;
    Array a;
    if (auto p = pairs(a.assoc, "array key"); !p) return std::unexpected(p.error());
    if (auto c = check_count(dense, 1, "array"); !c) return std::unexpected(c.error());
    // Exactly `dense` slots, charged before they are allocated.
    if (auto c = charge(std::size_t{dense} * sizeof(Value)); !c) return std::unexpected(c.error());
    a.dense.reserve(dense);
    for (std::uint32_t i = 0; i < dense; ++i) {
      auto v = d.read_value();
      if (!v) return std::unexpected(v.error());
      a.dense.push_back(std::move(*v));
    }
    return finish_object(*slot, Value(std::move(a), Type::array), before);
  }

  Result<Value> object() {  // §3.12
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29("object");
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());

    const Trait* tp = nullptr;
    if ((*h & 3) == 1) {  // U29O-traits-ref: shared, not copied (review P2)
      std::uint32_t idx = *h >> 2;
      if (idx >= d.traits_.size())
        return fail(Errc::malformed, "traits reference " + std::to_string(idx) + " out of range (table has " +
                                         std::to_string(d.traits_.size()) + ") at offset " + std::to_string(pos));
      tp = &d.traits_[idx];
      // Each sealed member needs at least one byte of value.
      if (auto c = check_count(tp->sealed.size(), 1, "traits"); !c) return std::unexpected(c.error());
    } else {
      Trait trait;
      trait.externalizable = (*h & 7) == 7;  // U29O-traits-ext
      trait.dynamic = !trait.externalizable && ((*h >> 3) & 1);
      std::uint32_t sealed = trait.externalizable ? 0 : (*h >> 4);
      auto name = string("class name");
      if (!name) return std::unexpected(name.error());
      trait.class_name = std::move(*name);
      if (auto c = check_count(sealed, 1, "traits"); !c) return std::unexpected(c.error());
      if (auto c = charge_table(sizeof(Trait) + detail::string_heap(trait.class_name.size())); !c)
        return std::unexpected(c.error());
      // The trait's name slots (heap parts are charged by string()).
      if (auto c = charge_table(std::size_t{sealed} * detail::kStringCost); !c) return std::unexpected(c.error());
      trait.sealed.reserve(sealed);
      for (std::uint32_t i = 0; i < sealed; ++i) {
        auto s = string("sealed member name");
        if (!s) return std::unexpected(s.error());
        trait.sealed.push_back(std::move(*s));
      }
      if (d.traits_.size() >= d.limits_.max_table_entries)
        return fail(Errc::limit_exceeded, "AMF3 traits table full" + at());
      d.traits_.push_back(std::move(trait));
      tp = &d.traits_.back();
    }
    const Trait& trait = *tp;
    if (auto c = charge(detail::string_heap(trait.class_name.size())); !c) return std::unexpected(c.error());

    Object o;
    o.class_name = trait.class_name;
    o.dynamic = trait.dynamic;
    o.externalizable = trait.externalizable;
    if (trait.externalizable) {
      const ExternalizableRegistry::Handler* handler = d.registry_ ? d.registry_->find(trait.class_name) : nullptr;
      if (!handler || !handler->read)
        return fail(Errc::unsupported, "externalizable class " + trait.class_name + " not supported (offset " +
                                           std::to_string(pos) + ")");
      if (auto rr = handler->read(d, o); !rr) return std::unexpected(rr.error());
      return finish_object(*slot, Value(std::move(o)), before);
    }
    o.sealed_count = trait.sealed.size();
    // The sealed members' slots, charged before they are allocated.
    if (auto c = charge(trait.sealed.size() * sizeof(Property)); !c) return std::unexpected(c.error());
    o.members.reserve(trait.sealed.size());
    for (const auto& name : trait.sealed) {
      if (auto c = charge(detail::string_heap(name.size())); !c) return std::unexpected(c.error());
      auto v = d.read_value();
      if (!v) return std::unexpected(v.error());
      o.members.push_back(Property{name, std::move(*v)});
    }
    if (trait.dynamic)
      if (auto p = pairs(o.members, "dynamic member name"); !p) return std::unexpected(p.error());
    return finish_object(*slot, Value(std::move(o)), before);
  }

  // 2013 revision §3.15 Vector (see amf3.hpp for the layout).
  Result<Value> vector(VectorKind kind) {
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29("vector");
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());
    std::uint32_t count = *h >> 1;
    Vector v;
    v.kind = kind;
    std::uint8_t fixed = r.u8();
    if (!r.ok()) return fail(Errc::truncated, "vector fixed flag truncated" + at());
    v.fixed = fixed != 0;
    std::uint64_t item_bytes = kind == VectorKind::float64 ? 8 : kind == VectorKind::object ? 1 : 4;
    if (kind == VectorKind::object) {
      auto tn = string("vector type name");
      if (!tn) return std::unexpected(tn.error());
      v.type_name = std::move(*tn);
    }
    if (auto c = check_count(count, item_bytes, "vector"); !c) return std::unexpected(c.error());
    if (auto c = charge(std::size_t{count} * sizeof(Value)); !c) return std::unexpected(c.error());
    v.items.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (kind == VectorKind::object) {
        auto item = d.read_value();
        if (!item) return std::unexpected(item.error());
        v.items.push_back(std::move(*item));
        continue;
      }
      if (kind == VectorKind::int32) v.items.emplace_back(static_cast<double>(static_cast<std::int32_t>(r.u32())));
      else if (kind == VectorKind::uint32) v.items.emplace_back(static_cast<double>(r.u32()));
      else v.items.emplace_back(std::bit_cast<double>(r.u64()));
    }
    return finish_object(*slot, Value(std::move(v)), before);
  }

  // 2013 revision §3.16 Dictionary.
  Result<Value> dictionary() {
    std::size_t pos = r.position();
    Mark before = mark();
    auto h = u29("dictionary");
    if (!h) return std::unexpected(h.error());
    auto ref = maybe_ref(*h, pos);
    if (!ref) return std::unexpected(ref.error());
    if (*ref) return std::move(**ref);
    auto slot = reserve_object();
    if (!slot) return std::unexpected(slot.error());
    std::uint32_t count = *h >> 1;
    Dictionary dict;
    std::uint8_t weak = r.u8();
    if (!r.ok()) return fail(Errc::truncated, "dictionary weak-keys flag truncated" + at());
    dict.weak_keys = weak != 0;
    if (auto c = check_count(count, 2, "dictionary"); !c) return std::unexpected(c.error());
    if (auto c = charge(std::size_t{count} * sizeof(DictEntry)); !c) return std::unexpected(c.error());
    dict.entries.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      auto k = d.read_value();
      if (!k) return std::unexpected(k.error());
      auto v = d.read_value();
      if (!v) return std::unexpected(v.error());
      dict.entries.push_back(DictEntry{std::move(*k), std::move(*v)});
    }
    return finish_object(*slot, Value(std::move(dict)), before);
  }

  Result<Value> value_body() {
    std::size_t pos = r.position();
    if (r.remaining() == 0) return fail(Errc::truncated, "missing AMF3 type marker" + at());
    std::uint8_t m = r.u8();
    switch (static_cast<Marker>(m)) {
      case Marker::undefined: return Value();
      case Marker::null: return Value(nullptr);
      case Marker::false_: return Value(false);
      case Marker::true_: return Value(true);
      case Marker::integer: {  // §3.6: sign-extend 29 bits
        auto v = u29("integer");
        if (!v) return std::unexpected(v.error());
        std::int32_t i = static_cast<std::int32_t>(*v);
        if (i & 0x10000000) i -= 0x20000000;
        return Value::integer(i);
      }
      case Marker::double_: {
        auto v = read_double("double");
        if (!v) return std::unexpected(v.error());
        return Value(*v);
      }
      case Marker::string: {
        auto s = string("string");
        if (!s) return std::unexpected(s.error());
        return Value(std::move(*s));
      }
      case Marker::xml_document: return blob(Type::xml_document, "xml-document");
      case Marker::date: return date();
      case Marker::array: return array();
      case Marker::object: return object();
      case Marker::xml: return blob(Type::xml, "xml");
      case Marker::byte_array: return blob(Type::byte_array, "byte array");
      case Marker::vector_int: return vector(VectorKind::int32);
      case Marker::vector_uint: return vector(VectorKind::uint32);
      case Marker::vector_double: return vector(VectorKind::float64);
      case Marker::vector_object: return vector(VectorKind::object);
      case Marker::dictionary: return dictionary();
    }
    return fail(Errc::unsupported, "unsupported AMF3 type marker " + std::to_string(m) + " at offset " + std::to_string(pos));
  }
};

Decoder::Decoder(ByteView data, DecodeLimits limits, const ExternalizableRegistry* registry)
    : own_reader_(data), reader_(&own_reader_), limits_(detail::effective_limits(limits, data.size())),
      registry_(registry), budget_used_(&own_budget_) {}

Decoder::Decoder(ByteReader& shared, DecodeLimits limits, std::size_t depth, std::size_t* budget_used,
                 const ExternalizableRegistry* registry)
    : own_reader_(ByteView{}), reader_(&shared), limits_(limits), registry_(registry), depth_(depth),
      budget_used_(budget_used) {}

Result<Value> Decoder::read_value() {
  if (depth_ >= limits_.max_depth)
    return fail(Errc::limit_exceeded, "AMF3 nesting deeper than " + std::to_string(limits_.max_depth) + " at offset " +
                                          std::to_string(reader_->position()));
  ++depth_;
  Impl impl{*this, *reader_};
  auto v = impl.value_body();
  --depth_;
  return v;
}

Result<Value> Decoder::next() {
  if (error_) return std::unexpected(*error_);
  // A value's own node is charged by the container holding it; a top-level
  // value is held by the caller.
  if (auto c = detail::charge(*budget_used_, detail::kValueCost, limits_.max_budget); !c) {
    error_ = c.error();
    return std::unexpected(*error_);
  }
  auto v = read_value();
  if (!v) error_ = v.error();
  return v;
}

Result<std::uint32_t> Decoder::read_u29() {
  Impl impl{*this, *reader_};
  return impl.u29("U29");
}

Result<Value> decode(ByteView data, const DecodeLimits& limits, const ExternalizableRegistry* registry) {
  Decoder dec(data, limits, registry);
  auto v = dec.next();
  if (!v) return v;
  if (!dec.done())
    return fail(Errc::malformed, std::to_string(data.size() - dec.position()) + " trailing bytes after the AMF3 value at offset " +
                                     std::to_string(dec.position()));
  return v;
}

Result<std::vector<Value>> decode_all(ByteView data, const DecodeLimits& limits, const ExternalizableRegistry* registry) {
  Decoder dec(data, limits, registry);
  std::vector<Value> out;
  while (!dec.done()) {
    auto v = dec.next();
    if (!v) return std::unexpected(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace rtmfp::media::amf::amf3
