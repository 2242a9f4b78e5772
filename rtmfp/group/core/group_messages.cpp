#include "rtmfp/group/core/group_messages.hpp"

#include <algorithm>

#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::group {

const char* message_type_name(MessageType t) {
  switch (t) {
#define X(name, code, what) \
  case MessageType::name:   \
    return #name;
#include "rtmfp/group/core/group_messages.def"
#undef X
  }
  return "unknown";
}

Seq FragmentMap::described_from() const {
  if (held_from != 0) return held_from;
  const Seq bits = bitmap.size() * 8;
  return newest >= bits ? newest - bits + 1 : 1;
}

bool FragmentMap::holds(Seq s) const {
  if (newest == 0 || s == 0 || s > newest) return false;
  const Seq back = newest - s;
  if (back < bitmap.size() * 8) return (bitmap[back / 8] >> (7 - back % 8)) & 1u;
  if (held_from != 0 && s >= held_from) return true;
  for (const auto& [low, high] : older)
    if (s >= low && s <= high) return true;
  return false;
}

namespace {

template <class T>
Result<Message> ok_if(ByteReader& r, T&& v, const char* what) {
  if (!r.ok()) return fail(Errc::truncated, what);
  if (!r.empty()) return fail(Errc::malformed, std::string(what) + ": trailing bytes");
  return Message(std::forward<T>(v));
}

void read_id(ByteReader& r, std::array<std::uint8_t, 32>& id) {
  const ByteView b = r.take(32);
  if (b.size() == 32) std::copy(b.begin(), b.end(), id.begin());
}

}  // namespace

Result<Message> decode_message(ByteView in) {
  ByteReader r(in);
  const std::uint8_t type = r.u8();
  if (!r.ok()) return fail(Errc::truncated, "empty group message");
  switch (static_cast<MessageType>(type)) {
    case MessageType::hello: {
      Hello h;
      const std::uint8_t version = r.u8();
      read_id(r, h.group_id);
      const std::uint8_t flags = r.u8();
      if (r.ok() && version != kProtocolVersion) return fail(Errc::unsupported, "group hello version");
      h.publisher = (flags & 0x01) != 0;
      return ok_if(r, std::move(h), "hello");
    }
    case MessageType::members: {
      Members m;
      const std::size_t n = r.u8();
      if (n > kMaxMembersPerMessage) return fail(Errc::malformed, "members: too many");
      m.ids.resize(n);
      for (auto& id : m.ids) read_id(r, id);
      return ok_if(r, std::move(m), "members");
    }
    case MessageType::fragment_map: {
      FragmentMap f;
      f.newest = wire::read_vlu(r);
      f.join_point = wire::read_vlu(r);
      f.held_from = wire::read_vlu(r);
      for (auto& d : f.depth) d = r.u8();
      f.load = r.u8();
      const std::size_t bits = r.u16();
      if (r.ok() && (bits > kMaxMapBits || bits % 8 != 0)) return fail(Errc::malformed, "fragment map: bit count");
      const ByteView b = r.take(bits / 8);
      f.bitmap.assign(b.begin(), b.end());
      if (r.ok() && (f.join_point > f.newest || f.held_from > f.newest))
        return fail(Errc::malformed, "fragment map: join point or held range after newest");
      const std::size_t runs = r.u8();
      if (r.ok() && runs > kMaxMapRuns) return fail(Errc::malformed, "fragment map: too many older runs");
      Seq base = f.newest == 0 ? 1 : f.described_from();
      for (std::size_t i = 0; i < runs && r.ok(); ++i) {
        const Seq gap = wire::read_vlu(r), length = wire::read_vlu(r);
        if (!r.ok()) break;
        // top = base - 1 - gap >= 1, and length numbers down from it stay >= 1.
        if (length == 0 || base < 2 || gap > base - 2 || length > base - 1 - gap)
          return fail(Errc::malformed, "fragment map: older run out of range");
        const Seq high = base - 1 - gap;
        f.older.emplace_back(high - length + 1, high);
        base = high - length + 1;
      }
      return ok_if(r, std::move(f), "fragment map");
    }
    case MessageType::subscribe:
      return ok_if(r, Subscribe{r.u8()}, "subscribe");
    case MessageType::subscribe_reply:
      return ok_if(r, SubscribeReply{r.u8()}, "subscribe reply");
    case MessageType::request: {
      Request q;
      const std::size_t n = r.u8();
      if (n == 0 || n > kMaxRequestSeqs) return fail(Errc::malformed, "request: count");
      q.seqs.resize(n);
      for (auto& s : q.seqs) {
        s = wire::read_vlu(r);
        if (r.ok() && s == 0) return fail(Errc::malformed, "request: fragment 0");
      }
      return ok_if(r, std::move(q), "request");
    }
    case MessageType::fragment: {
      FragmentMessage f;
      f.seq = wire::read_vlu(r);
      f.previous = wire::read_vlu(r);
      const ByteView c = r.rest();
      if (!r.ok()) return fail(Errc::truncated, "fragment");
      if (f.seq == 0) return fail(Errc::malformed, "fragment: number 0");
      if (f.previous != 0 && (f.previous >= f.seq || push_class(f.previous) != push_class(f.seq)))
        return fail(Errc::malformed, "fragment: previous push not an earlier fragment of its class");
      if (c.empty() || c.size() > kMaxFragmentContent) return fail(Errc::malformed, "fragment: content size");
      f.content.assign(c.begin(), c.end());
      return Message(std::move(f));
    }
    case MessageType::goodbye: {
      const std::uint8_t reason = r.u8();
      if (r.ok() && reason > static_cast<std::uint8_t>(GoodbyeReason::misbehaving))
        return fail(Errc::malformed, "goodbye: reason");
      return ok_if(r, Goodbye{static_cast<GoodbyeReason>(reason)}, "goodbye");
    }
  }
  return fail(Errc::unsupported, "group message type " + std::to_string(type));
}

Bytes encode_message(const Message& m) {
  Bytes out;
  ByteWriter w(out);
  // No std::visit: it may throw (valueless variant), and the core does not.
  auto put = [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Hello>) {
          w.u8(static_cast<std::uint8_t>(MessageType::hello));
          w.u8(kProtocolVersion);
          w.bytes(v.group_id);
          w.u8(v.publisher ? 0x01 : 0x00);
        } else if constexpr (std::is_same_v<T, Members>) {
          w.u8(static_cast<std::uint8_t>(MessageType::members));
          const std::size_t n = std::min(v.ids.size(), kMaxMembersPerMessage);
          w.u8(static_cast<std::uint8_t>(n));
          for (std::size_t i = 0; i < n; ++i) w.bytes(v.ids[i]);
        } else if constexpr (std::is_same_v<T, FragmentMap>) {
          w.u8(static_cast<std::uint8_t>(MessageType::fragment_map));
          wire::write_vlu(w, v.newest);
          wire::write_vlu(w, std::min(v.join_point, v.newest));
          wire::write_vlu(w, std::min(v.held_from, v.newest));
          for (auto d : v.depth) w.u8(d);
          w.u8(v.load);
          const std::size_t bytes = std::min(v.bitmap.size(), kMaxMapBits / 8);
          w.u16(static_cast<std::uint16_t>(bytes * 8));
          w.bytes(ByteView(v.bitmap.data(), bytes));
          // Older runs, each strictly below what came before; the first
          // that is not ends the list.
          Seq base = v.newest == 0 ? 1 : v.described_from();
          std::size_t n = 0;
          while (n < v.older.size() && n < kMaxMapRuns && v.older[n].first >= 1 &&
                 v.older[n].first <= v.older[n].second && v.older[n].second < base) {
            base = v.older[n].first;
            ++n;
          }
          w.u8(static_cast<std::uint8_t>(n));
          base = v.newest == 0 ? 1 : v.described_from();
          for (std::size_t i = 0; i < n; ++i) {
            const auto [low, high] = v.older[i];
            wire::write_vlu(w, base - 1 - high);
            wire::write_vlu(w, high - low + 1);
            base = low;
          }
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          w.u8(static_cast<std::uint8_t>(MessageType::subscribe));
          w.u8(v.mask);
        } else if constexpr (std::is_same_v<T, SubscribeReply>) {
          w.u8(static_cast<std::uint8_t>(MessageType::subscribe_reply));
          w.u8(v.mask);
        } else if constexpr (std::is_same_v<T, Request>) {
          w.u8(static_cast<std::uint8_t>(MessageType::request));
          const std::size_t n = std::min(v.seqs.size(), kMaxRequestSeqs);
          w.u8(static_cast<std::uint8_t>(n));
          for (std::size_t i = 0; i < n; ++i) wire::write_vlu(w, v.seqs[i]);
        } else if constexpr (std::is_same_v<T, FragmentMessage>) {
          w.u8(static_cast<std::uint8_t>(MessageType::fragment));
          wire::write_vlu(w, v.seq);
          wire::write_vlu(w, v.previous);
          w.bytes(v.content);
        } else if constexpr (std::is_same_v<T, Goodbye>) {
          w.u8(static_cast<std::uint8_t>(MessageType::goodbye));
          w.u8(static_cast<std::uint8_t>(v.reason));
        }
  };
  if (auto* v = std::get_if<Hello>(&m)) put(*v);
  else if (auto* v = std::get_if<Members>(&m)) put(*v);
  else if (auto* v = std::get_if<FragmentMap>(&m)) put(*v);
  else if (auto* v = std::get_if<Subscribe>(&m)) put(*v);
  else if (auto* v = std::get_if<SubscribeReply>(&m)) put(*v);
  else if (auto* v = std::get_if<Request>(&m)) put(*v);
  else if (auto* v = std::get_if<FragmentMessage>(&m)) put(*v);
  else if (auto* v = std::get_if<Goodbye>(&m)) put(*v);
  return out;
}

}  // namespace rtmfp::group
