// See publisher_capture.hpp.
#include "media/io/publisher_capture.hpp"

namespace rtmfp::media::io {

void PublisherCapture::deliver(const rtmp::Message& m) {
  std::lock_guard lk(mu_);
  if (overflow_) return;
  bytes_ += m.payload.size();
  if (bytes_ > kMaxBacklog) overflow_ = true;
  q_.push_back(m);
  cv_.notify_all();
}

void PublisherCapture::publisher_started() {
  std::lock_guard lk(mu_);
  started_ = true;
  cv_.notify_all();
}

void PublisherCapture::publisher_stopped() {
  std::lock_guard lk(mu_);
  if (started_) stopped_ = true;
  cv_.notify_all();
}

Result<std::optional<rtmp::Message>> PublisherCapture::next(std::chrono::milliseconds io_timeout,
                                                            std::string_view scheme, const std::string& key) {
  std::unique_lock lk(mu_);
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    if (overflow_)
      return fail(Errc::io_error, std::string(scheme) + ": the relay destination is too slow (over " +
                                      std::to_string(kMaxBacklog >> 20) + " MiB queued)");
    if (!q_.empty()) {
      rtmp::Message m = std::move(q_.front());
      q_.pop_front();
      bytes_ -= m.payload.size();
      return m;
    }
    if (stopped_) return std::optional<rtmp::Message>{};
    cv_.wait_for(lk, std::chrono::milliseconds(200));
    if (!started_) {
      last = std::chrono::steady_clock::now();  // waiting for a publisher has no limit
    } else if (q_.empty() && !stopped_ && std::chrono::steady_clock::now() - last > io_timeout) {
      return fail(Errc::timeout, std::string(scheme) + ": no media from the publisher of '" + key + "' for " +
                                     std::to_string(io_timeout.count()) + " ms");
    }
  }
}

}  // namespace rtmfp::media::io
