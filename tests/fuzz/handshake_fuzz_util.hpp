// Helpers shared by the two cryptography-profile fuzz targets
// (flash_handshake_parse.cpp, modern_handshake_parse.cpp). Header only: the
// CMake glob makes a fuzz target of every .cpp here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/core/wire/vlu.hpp"
#include "rtmfp/crypto/common/epd.hpp"

namespace rtmfp::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// VLU length + bytes; on a short input, everything that is left.
inline ByteView field(ByteReader& r) {
  const std::uint64_t n = wire::read_vlu(r);
  if (!r.ok() || n > r.remaining()) return r.ok() ? r.rest() : ByteView{};
  return r.take(static_cast<std::size_t>(n));
}

// `opened` is `plain` followed by fewer than 16 bytes of 0xff padding.
inline bool padded_copy_of(ByteView opened, ByteView plain) {
  if (opened.size() < plain.size() || opened.size() - plain.size() >= 16) return false;
  return std::equal(plain.begin(), plain.end(), opened.begin()) &&
         std::all_of(opened.begin() + static_cast<std::ptrdiff_t>(plain.size()), opened.end(),
                     [](std::uint8_t b) { return b == 0xff; });
}

inline bool same_epd(const crypto::ParsedEpd& a, const crypto::ParsedEpd& b) {
  return a.required_hostname == b.required_hostname && a.ancillary_data == b.ancillary_data &&
         a.fingerprint == b.fingerprint;
}

// The EPD invariants of both profiles (RFC 7425 §4.4, modern WIRE.md §4):
// parse_epd and the profile's describe_epd agree; a Marker appended is
// ignored (flash) or rejected (modern); rebuilt option by option the EPD
// parses the same; build_epd from the parsed fields sends the URI stripped
// of userinfo and fragment, and stripping is idempotent.
template <class Parse, class Build>
void check_epd(ByteView epd, Parse parse_epd, Build build_epd, const CryptoProfile& profile,
               crypto::EpdMarkers markers) {
  auto e = parse_epd(epd);
  auto info = profile.describe_epd(epd);
  check(info.has_value() == e.has_value());
  const bool selects = profile.epd_selects_local(epd);
  if (!e) {
    check(!selects && !e.error().message().empty());
    return;
  }
  check(info->uri == e->ancillary_data.value_or("") && info->peer_id == e->fingerprint &&
        info->hostname == e->required_hostname.value_or(""));
  Bytes with_marker(epd.begin(), epd.end());
  with_marker.push_back(0x00);
  auto m = parse_epd(with_marker);
  if (markers == crypto::EpdMarkers::ignored)
    check(m && same_epd(*e, *m));
  else
    check(!m);
  Bytes out;
  ByteWriter w(out);
  if (e->required_hostname) wire::write_option(w, 0x00, as_bytes(*e->required_hostname));
  if (e->ancillary_data) wire::write_option(w, 0x0a, as_bytes(*e->ancillary_data));
  if (e->fingerprint) wire::write_option(w, 0x0f, *e->fingerprint);
  auto r = parse_epd(out);
  check(r && same_epd(*e, *r));
  const std::string uri = e->ancillary_data.value_or("");
  const std::string stripped = crypto::strip_uri_for_epd(uri);
  check(stripped.size() <= uri.size() && crypto::strip_uri_for_epd(stripped) == stripped);
  const std::string hostname = e->required_hostname.value_or("");
  auto built = build_epd(EpdRequest{uri, e->fingerprint, hostname});
  check(built.has_value() == (!uri.empty() || e->fingerprint || !hostname.empty()));
  if (built) {
    auto b = parse_epd(*built);
    check(b && b->fingerprint == e->fingerprint);
    check(b->ancillary_data == (uri.empty() ? std::nullopt : std::optional<std::string>(stripped)));
    check(b->required_hostname == (hostname.empty() ? std::nullopt : e->required_hostname));
  }
}

}  // namespace rtmfp::fuzz
