// The AMF value model: constructors, accessors, equality and rendering.
#include "media/amf/amf_value.hpp"

#include <cmath>
#include <cstdio>

namespace rtmfp::media::amf {

const char* type_name(Type t) {
  switch (t) {
    case Type::undefined: return "undefined";
    case Type::null: return "null";
    case Type::unsupported: return "unsupported";
    case Type::boolean: return "boolean";
    case Type::number: return "number";
    case Type::integer: return "integer";
    case Type::string: return "string";
    case Type::xml_document: return "xml-document";
    case Type::xml: return "xml";
    case Type::date: return "date";
    case Type::object: return "object";
    case Type::ecma_array: return "ecma-array";
    case Type::array: return "array";
    case Type::byte_array: return "byte-array";
    case Type::vector: return "vector";
    case Type::dictionary: return "dictionary";
  }
  return "?";
}

Value::Value() = default;
Value::Value(std::nullptr_t) : type_(Type::null) {}
Value::Value(bool b) : type_(Type::boolean), data_(b) {}
Value::Value(double d) : type_(Type::number), data_(d) {}
Value::Value(const char* s) : type_(Type::string), data_(std::string(s ? s : "")) {}
Value::Value(std::string s) : type_(Type::string), data_(std::move(s)) {}
Value::Value(std::string_view s) : type_(Type::string), data_(std::string(s)) {}
Value::Value(Object o) : type_(Type::object), data_(std::move(o)) {}
Value::Value(Array a, Type t)
    : type_(t == Type::ecma_array ? Type::ecma_array : Type::array), data_(std::move(a)) {}
Value::Value(Vector v) : type_(Type::vector), data_(std::move(v)) {}
Value::Value(Dictionary d) : type_(Type::dictionary), data_(std::move(d)) {}
Value::Value(Type t, Storage s) : type_(t), data_(std::move(s)) {}

Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;

Value Value::undefined() { return Value(); }
Value Value::null() { return Value(nullptr); }
Value Value::unsupported() { return Value(Type::unsupported, std::monostate{}); }
Value Value::integer(std::int32_t v) { return Value(Type::integer, v); }
Value Value::number(double v) { return Value(v); }
Value Value::string(std::string s) { return Value(std::move(s)); }
Value Value::xml_document(std::string text) { return Value(Type::xml_document, std::move(text)); }
Value Value::xml(std::string text) { return Value(Type::xml, std::move(text)); }
Value Value::date(double ms) { return Value(Type::date, ms); }
Value Value::object(std::initializer_list<Property> members) {
  return object(std::vector<Property>(members));
}
Value Value::object(std::vector<Property> members) {
  Object o;
  o.members = std::move(members);
  return Value(std::move(o));
}
Value Value::typed_object(std::string class_name, std::vector<Property> members) {
  Object o;
  o.class_name = std::move(class_name);
  o.members = std::move(members);
  return Value(std::move(o));
}
Value Value::ecma_array(std::initializer_list<Property> entries) {
  return ecma_array(std::vector<Property>(entries));
}
Value Value::ecma_array(std::vector<Property> entries) {
  Array a;
  a.assoc = std::move(entries);
  return Value(std::move(a), Type::ecma_array);
}
Value Value::array(std::initializer_list<Value> items) { return array(std::vector<Value>(items)); }
Value Value::array(std::vector<Value> items) {
  Array a;
  a.dense = std::move(items);
  return Value(std::move(a), Type::array);
}
Value Value::byte_array(Bytes bytes) { return Value(Type::byte_array, std::move(bytes)); }

std::optional<bool> Value::as_bool() const {
  if (type_ != Type::boolean) return std::nullopt;
  return std::get<bool>(data_);
}
std::optional<double> Value::as_number() const {
  if (type_ == Type::number) return std::get<double>(data_);
  if (type_ == Type::integer) return static_cast<double>(std::get<std::int32_t>(data_));
  return std::nullopt;
}
std::optional<std::int32_t> Value::as_integer() const {
  if (type_ == Type::integer) return std::get<std::int32_t>(data_);
  if (type_ == Type::number) {
    double d = std::get<double>(data_);
    if (d >= -2147483648.0 && d <= 2147483647.0 && std::trunc(d) == d) return static_cast<std::int32_t>(d);
  }
  return std::nullopt;
}
std::optional<std::string_view> Value::as_string() const {
  if (type_ == Type::string || type_ == Type::xml_document || type_ == Type::xml)
    return std::string_view(std::get<std::string>(data_));
  return std::nullopt;
}
std::optional<double> Value::as_date() const {
  if (type_ != Type::date) return std::nullopt;
  return std::get<double>(data_);
}
const Bytes* Value::as_bytes() const { return std::get_if<Bytes>(&data_); }
const Object* Value::as_object() const { return std::get_if<Object>(&data_); }
Object* Value::as_object() { return std::get_if<Object>(&data_); }
const Array* Value::as_array() const { return std::get_if<Array>(&data_); }
Array* Value::as_array() { return std::get_if<Array>(&data_); }
const Vector* Value::as_vector() const { return std::get_if<Vector>(&data_); }
const Dictionary* Value::as_dictionary() const { return std::get_if<Dictionary>(&data_); }

namespace {
const Value* find_in(const std::vector<Property>& props, std::string_view key) {
  for (const auto& p : props)
    if (p.key == key) return &p.value;
  return nullptr;
}
const Value& undefined_value() {
  static const Value v;
  return v;
}
}  // namespace

const Value* Value::get(std::string_view key) const {
  if (auto* o = as_object()) return find_in(o->members, key);
  if (auto* a = as_array()) return find_in(a->assoc, key);
  return nullptr;
}

const Value& Value::operator[](std::string_view key) const {
  const Value* v = get(key);
  return v ? *v : undefined_value();
}

const Value& Value::operator[](std::size_t index) const {
  if (auto* a = as_array(); a && index < a->dense.size()) return a->dense[index];
  if (auto* v = as_vector(); v && index < v->items.size()) return v->items[index];
  return undefined_value();
}

bool Value::set(std::string key, Value v) {
  std::vector<Property>* props = nullptr;
  if (auto* o = as_object()) props = &o->members;
  else if (auto* a = as_array()) props = &a->assoc;
  if (!props) return false;
  for (auto& p : *props) {
    if (p.key == key) {
      p.value = std::move(v);
      return true;
    }
  }
  props->push_back(Property{std::move(key), std::move(v)});
  return true;
}

std::size_t Value::size() const {
  if (auto* a = as_array()) return type_ == Type::ecma_array ? a->assoc.size() : a->dense.size();
  if (auto* o = as_object()) return o->members.size();
  if (auto* v = as_vector()) return v->items.size();
  if (auto* d = as_dictionary()) return d->entries.size();
  if (auto* b = as_bytes()) return b->size();
  if (auto s = as_string()) return s->size();
  return 0;
}

bool operator==(const Object& a, const Object& b) {
  return a.class_name == b.class_name && a.dynamic == b.dynamic &&
         a.externalizable == b.externalizable && a.sealed_count == b.sealed_count &&
         a.members == b.members;
}
bool operator==(const Array& a, const Array& b) { return a.assoc == b.assoc && a.dense == b.dense; }
bool operator==(const Vector& a, const Vector& b) {
  return a.kind == b.kind && a.fixed == b.fixed && a.type_name == b.type_name && a.items == b.items;
}
bool operator==(const Dictionary& a, const Dictionary& b) {
  return a.weak_keys == b.weak_keys && a.entries == b.entries;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  if (a.type_ == Type::number || a.type_ == Type::date) {
    double x = std::get<double>(a.data_), y = std::get<double>(b.data_);
    return (std::isnan(x) && std::isnan(y)) || x == y;
  }
  return a.data_ == b.data_;
}

namespace {
void render(const Value& v, std::string& out, int depth);

void render_props(const std::vector<Property>& props, std::string& out, int depth, bool& first) {
  for (const auto& p : props) {
    if (!first) out += ", ";
    first = false;
    out += p.key;
    out += ": ";
    render(p.value, out, depth + 1);
  }
}

void render_number(double d, std::string& out) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

void render(const Value& v, std::string& out, int depth) {
  if (depth > 32) {
    out += "...";
    return;
  }
  switch (v.type()) {
    case Type::undefined: out += "undefined"; return;
    case Type::null: out += "null"; return;
    case Type::unsupported: out += "unsupported"; return;
    case Type::boolean: out += *v.as_bool() ? "true" : "false"; return;
    case Type::number: render_number(*v.as_number(), out); return;
    case Type::integer: out += std::to_string(*v.as_integer()) + "i"; return;
    case Type::string:
      out += '"';
      out += *v.as_string();
      out += '"';
      return;
    case Type::xml_document: out += "xmldoc(" + std::string(*v.as_string()) + ")"; return;
    case Type::xml: out += "xml(" + std::string(*v.as_string()) + ")"; return;
    case Type::date:
      out += "date(";
      render_number(*v.as_date(), out);
      out += ")";
      return;
    case Type::byte_array: out += "bytes(" + to_hex(*v.as_bytes()) + ")"; return;
    case Type::object: {
      const Object& o = *v.as_object();
      if (!o.class_name.empty()) out += o.class_name + " ";
      out += "{";
      bool first = true;
      render_props(o.members, out, depth, first);
      out += "}";
      return;
    }
    case Type::ecma_array:
    case Type::array: {
      const Array& a = *v.as_array();
      out += v.type() == Type::ecma_array ? "ecma[" : "[";
      bool first = true;
      for (const auto& item : a.dense) {
        if (!first) out += ", ";
        first = false;
        render(item, out, depth + 1);
      }
      render_props(a.assoc, out, depth, first);
      out += "]";
      return;
    }
    case Type::vector: {
      const Vector& vec = *v.as_vector();
      out += "vector<" + std::to_string(static_cast<int>(vec.kind)) + (vec.type_name.empty() ? "" : " " + vec.type_name) + ">[";
      for (std::size_t i = 0; i < vec.items.size(); ++i) {
        if (i) out += ", ";
        render(vec.items[i], out, depth + 1);
      }
      out += "]";
      return;
    }
    case Type::dictionary: {
      out += "dict{";
      bool first = true;
      for (const auto& e : v.as_dictionary()->entries) {
        if (!first) out += ", ";
        first = false;
        render(e.key, out, depth + 1);
        out += " => ";
        render(e.value, out, depth + 1);
      }
      out += "}";
      return;
    }
  }
}
}  // namespace

std::string Value::to_string() const {
  std::string out;
  render(*this, out, 0);
  return out;
}

}  // namespace rtmfp::media::amf
