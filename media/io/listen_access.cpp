// See listen_access.hpp.
#include "media/io/listen_access.hpp"

#include <algorithm>
#include <optional>

namespace rtmfp::media::io {

namespace {

// Compares without an early exit on the first differing byte.
bool same_token(std::string_view a, std::string_view b) {
  unsigned char d = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return d == 0;
}

// Value of `name` in "a=1&b=2" (nullopt when absent).
std::optional<std::string_view> param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = kv.find('=');
    if (kv.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> ListenAccess::authorize(bool publish, std::string_view app, std::string_view name) const {
  const auto q = name.find('?');
  const std::string_view base = name.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : name.substr(q + 1);
  std::string key = std::string(app) + "/" + std::string(base);
  if (!streams.empty() && std::find(streams.begin(), streams.end(), key) == streams.end())
    return fail(Errc::refused, "stream '" + key + "' is not served here");
  if (publish && !allow_publish) return fail(Errc::refused, "publishing is not allowed here");
  if (!publish && !allow_play) return fail(Errc::refused, "playing is not allowed here");
  const std::string& want = publish ? publish_token : play_token;
  if (!want.empty()) {
    auto got = param(query, "key");
    if (!got || !same_token(*got, want)) return fail(Errc::refused, "missing or wrong ?key= for '" + key + "'");
  }
  return key;
}

Result<std::string> parse_listen_key(std::string_view key_with_query, ListenAccess& a) {
  const auto q = key_with_query.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view{} : key_with_query.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = kv.find('=');
    const std::string_view k = kv.substr(0, eq), v = eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
    if (k == "publish_key" && !v.empty())
      a.publish_token = std::string(v);
    else if (k == "play_key" && !v.empty())
      a.play_token = std::string(v);
    else
      return fail(Errc::invalid_argument,
                  "listen URL: unknown or empty option '" + std::string(kv) + "' (publish_key=TOKEN, play_key=TOKEN)");
  }
  return std::string(key_with_query.substr(0, q));
}

}  // namespace rtmfp::media::io
