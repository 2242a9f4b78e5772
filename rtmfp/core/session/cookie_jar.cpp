#include "rtmfp/core/session/cookie_jar.hpp"

#include "rtmfp/core/params.hpp"

namespace rtmfp {
namespace {

constexpr std::uint8_t kCookieVersion = 1;
constexpr std::size_t kBodySize = 14;  // version..nonce

void put_u64(Bytes& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
std::uint64_t get_u64(ByteView b) {
  std::uint64_t v = 0;
  for (auto c : b) v = v << 8 | c;
  return v;
}
Bytes with_address(ByteView body, const SocketAddress& a) {
  Bytes m(body.begin(), body.end());
  m.push_back(a.v6 ? 6 : 4);
  m.insert(m.end(), a.ip.begin(), a.ip.begin() + (a.v6 ? 16 : 4));
  m.push_back(static_cast<std::uint8_t>(a.port >> 8));
  m.push_back(static_cast<std::uint8_t>(a.port));
  return m;
}

}  // namespace

std::uint32_t CookieJar::seconds_since_epoch(TimePoint now) const {
  auto d = std::chrono::duration_cast<std::chrono::seconds>(now - *epoch_).count();
  return d < 0 ? 0 : static_cast<std::uint32_t>(d);
}

void CookieJar::rotate_if_due(TimePoint now) {
  if (!epoch_) {
    epoch_ = now;
  } else if (secrets_[current_].live && now - last_rotation_ < params::kCookieSecretRotation) {
    return;
  }
  current_ = (current_ + 1) % secrets_.size();
  Secret& s = secrets_[current_];
  rng_.fill(s.key);
  s.generation = next_generation_++;
  s.live = true;
  last_rotation_ = now;
}

const CookieJar::Secret* CookieJar::find(std::uint8_t generation) const {
  for (const auto& s : secrets_)
    if (s.live && s.generation == generation) return &s;
  return nullptr;
}

Bytes CookieJar::issue(TimePoint now, const SocketAddress& to) {
  rotate_if_due(now);
  const Secret& s = secrets_[current_];
  Bytes cookie;
  cookie.reserve(kCookieSize);
  cookie.push_back(kCookieVersion);
  cookie.push_back(s.generation);
  std::uint32_t issued = seconds_since_epoch(now);
  for (int sh = 24; sh >= 0; sh -= 8) cookie.push_back(static_cast<std::uint8_t>(issued >> sh));
  put_u64(cookie, rng_.u64());
  ByteView body(cookie.data(), kBodySize);
  std::uint64_t id_mac = siphash24(s.key, body);
  std::uint64_t addr_mac = siphash24(s.key, with_address(body, to));
  put_u64(cookie, id_mac);
  put_u64(cookie, addr_mac);
  return cookie;
}

CookieCheck CookieJar::check(TimePoint now, ByteView cookie, const SocketAddress& from) {
  if (!epoch_ || cookie.size() != kCookieSize || cookie[0] != kCookieVersion) return CookieCheck::invalid;
  rotate_if_due(now);
  const Secret* s = find(cookie[1]);
  if (!s) return CookieCheck::invalid;
  ByteView body = cookie.first(kBodySize);
  if (siphash24(s->key, body) != get_u64(cookie.subspan(kBodySize, 8))) return CookieCheck::invalid;
  std::uint32_t issued = static_cast<std::uint32_t>(get_u64(cookie.subspan(2, 4)));
  std::uint32_t age_now = seconds_since_epoch(now);
  if (issued > age_now ||
      std::chrono::seconds(age_now - issued) > params::kCookieLifetime)
    return CookieCheck::invalid;
  if (siphash24(s->key, with_address(body, from)) != get_u64(cookie.subspan(kBodySize + 8, 8)))
    return CookieCheck::address_mismatch;
  return CookieCheck::valid;
}

}  // namespace rtmfp
