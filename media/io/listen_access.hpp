// Access control of the listen endpoints (review S3): which APP/STREAM keys a
// client may publish or play, and an optional token per direction.
//
// Token syntax: the stream name carries it as a query parameter `key`, e.g.
// OBS "Server rtmp://relay/live, Stream Key  stream?key=SECRET", or ffmpeg
// "rtmp://relay/live/stream?key=SECRET". The registry key is APP/STREAM
// without the query, so a publisher and its players may use different tokens.
// Other query parameters are ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

struct ListenAccess {
  std::vector<std::string> streams;  // APP/STREAM served (empty: any key)
  bool allow_publish = true;
  bool allow_play = true;
  std::string publish_token;  // non-empty: publishers must send ?key=publish_token
  std::string play_token;     // non-empty: players must send ?key=play_token

  // The registry key for (publish or play, app, stream name as sent), or
  // Errc::refused with a reason.
  Result<std::string> authorize(bool publish, std::string_view app, std::string_view name) const;
};

// "live/stream?publish_key=A&play_key=B" (the APP/STREAM of a listen URL):
// the key without the query, tokens in `a`. Unknown parameters are an error.
Result<std::string> parse_listen_key(std::string_view key_with_query, ListenAccess& a);

}  // namespace rtmfp::media::io
