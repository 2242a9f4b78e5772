// See reconnect_backoff.hpp.
#include "media/io/reconnect_backoff.hpp"

#include <algorithm>

namespace rtmfp::media::io {

std::optional<std::chrono::milliseconds> ReconnectBackoff::on_failure(clock::time_point now, double u) {
  since_ = now;
  if (++attempts_ > p_.max_attempts) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(delays_.next(u));
}

void ReconnectBackoff::on_progress(clock::time_point now) {
  if (since_ && now - *since_ >= p_.good_period) {
    attempts_ = 0;
    delays_.reset();
    since_.reset();
  }
}

}  // namespace rtmfp::media::io
