// Externalizable class handlers (amf3_spec_121207.txt §3.12 U29O-traits-ext:
// "an indeterminable number of bytes ... The client and server have an
// agreement as to how to read in this information").
//
// Flex's flex.messaging.io.ArrayCollection writes its backing array as one
// AMF3 value (writeExternal: output.writeObject(source)); ObjectProxy writes
// its proxied object the same way. Both are represented as an Object with
// externalizable = true and a single member ("source" / "object").
#include "media/amf/amf3.hpp"

namespace rtmfp::media::amf::amf3 {

void ExternalizableRegistry::add(std::string class_name, ReadFn read, WriteFn write) {
  handlers_[std::move(class_name)] = Handler{std::move(read), std::move(write)};
}

const ExternalizableRegistry::Handler* ExternalizableRegistry::find(std::string_view class_name) const {
  auto it = handlers_.find(class_name);
  return it == handlers_.end() ? nullptr : &it->second;
}

namespace {

ExternalizableRegistry::ReadFn one_value_reader(std::string member) {
  return [member](Decoder& dec, Object& obj) -> Result<void> {
    auto v = dec.read_value();
    if (!v) return std::unexpected(v.error());
    obj.members.push_back(Property{member, std::move(*v)});
    return {};
  };
}

ExternalizableRegistry::WriteFn one_value_writer(std::string member) {
  return [member](Encoder& enc, const Object& obj) -> Result<void> {
    for (const auto& p : obj.members)
      if (p.key == member) return enc.write(p.value);
    return enc.write(Value(nullptr));
  };
}

ExternalizableRegistry make_flex() {
  ExternalizableRegistry reg;
  reg.add("flex.messaging.io.ArrayCollection", one_value_reader("source"), one_value_writer("source"));
  reg.add("flex.messaging.io.ObjectProxy", one_value_reader("object"), one_value_writer("object"));
  return reg;
}

}  // namespace

const ExternalizableRegistry& ExternalizableRegistry::flex() {
  static const ExternalizableRegistry reg = make_flex();
  return reg;
}

}  // namespace rtmfp::media::amf::amf3
