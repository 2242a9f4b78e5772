#include "rendezvous/core/directory_entry.hpp"

namespace rtmfp::rendezvous {

namespace {

void put_address(Bytes& out, const SocketAddress& a) {
  out.push_back(a.v6 ? 6 : 4);
  out.insert(out.end(), a.ip.begin(), a.ip.begin() + (a.v6 ? 16 : 4));
  out.push_back(static_cast<std::uint8_t>(a.port >> 8));
  out.push_back(static_cast<std::uint8_t>(a.port & 0xff));
}

// A bounds-checked cursor: every read fails once past the end.
struct Reader {
  ByteView b;
  std::size_t at = 0;
  bool ok = true;
  std::uint8_t u8() {
    if (!ok || at >= b.size()) {
      ok = false;
      return 0;
    }
    return b[at++];
  }
  bool take(std::uint8_t* dst, std::size_t n) {
    if (!ok || b.size() - at < n) return ok = false;
    for (std::size_t i = 0; i < n; ++i) dst[i] = b[at + i];
    at += n;
    return true;
  }
  std::optional<SocketAddress> address() {
    SocketAddress a;
    const std::uint8_t family = u8();
    if (family != 4 && family != 6) {
      ok = false;
      return std::nullopt;
    }
    a.v6 = family == 6;
    if (!take(a.ip.data(), a.v6 ? 16 : 4)) return std::nullopt;
    const std::uint8_t hi = u8(), lo = u8();
    if (!ok) return std::nullopt;
    a.port = static_cast<std::uint16_t>(hi << 8 | lo);
    return a;
  }
};

bool valid_behaviour(std::uint8_t v) { return v <= static_cast<std::uint8_t>(NatBehaviour::address_and_port_dependent); }

}  // namespace

Result<Bytes> encode_directory_entry(const DirectoryEntry& e) {
  if (e.instance.empty() || e.instance.size() > kMaxInstanceAddresses)
    return fail(Errc::malformed, "a directory entry names 1 to 4 instance addresses");
  if (e.host_addresses.size() > limits::kMaxHostAddresses)
    return fail(Errc::malformed, "too many host addresses for a directory entry");
  Bytes out;
  out.reserve(kMaxDirectoryEntrySize);
  out.push_back(kDirectoryEntryVersion);
  out.push_back(e.profile == ProfileKind::flash ? 1 : 0);
  out.push_back(static_cast<std::uint8_t>(e.instance.size()));
  for (const auto& a : e.instance) put_address(out, a);
  put_address(out, e.reflexive);
  out.push_back(static_cast<std::uint8_t>(e.host_addresses.size()));
  for (const auto& a : e.host_addresses) put_address(out, a);
  out.push_back(e.nat ? 1 : 0);
  if (e.nat) {
    out.push_back(static_cast<std::uint8_t>(e.nat->mapping));
    out.push_back(static_cast<std::uint8_t>(e.nat->filtering));
  }
  return out;
}

std::optional<DirectoryEntry> decode_directory_entry(ByteView b) {
  if (b.size() > kMaxDirectoryEntrySize) return std::nullopt;
  Reader r{b};
  DirectoryEntry e;
  if (r.u8() != kDirectoryEntryVersion) return std::nullopt;
  const std::uint8_t profile = r.u8();
  if (profile > 1) return std::nullopt;
  e.profile = profile == 1 ? ProfileKind::flash : ProfileKind::modern;
  const std::uint8_t n_instance = r.u8();
  if (!r.ok || n_instance == 0 || n_instance > kMaxInstanceAddresses) return std::nullopt;
  for (std::uint8_t i = 0; i < n_instance; ++i) {
    auto a = r.address();
    if (!a) return std::nullopt;
    e.instance.push_back(*a);
  }
  auto reflexive = r.address();
  if (!reflexive) return std::nullopt;
  e.reflexive = *reflexive;
  const std::uint8_t n_host = r.u8();
  if (!r.ok || n_host > limits::kMaxHostAddresses) return std::nullopt;
  for (std::uint8_t i = 0; i < n_host; ++i) {
    auto a = r.address();
    if (!a) return std::nullopt;
    e.host_addresses.push_back(*a);
  }
  const std::uint8_t nat = r.u8();
  if (!r.ok || nat > 1) return std::nullopt;
  if (nat) {
    const std::uint8_t m = r.u8(), f = r.u8();
    if (!r.ok || !valid_behaviour(m) || !valid_behaviour(f)) return std::nullopt;
    e.nat = NatProfile{static_cast<NatBehaviour>(m), static_cast<NatBehaviour>(f)};
  }
  if (!r.ok || r.at != b.size()) return std::nullopt;
  return e;
}

}  // namespace rtmfp::rendezvous
