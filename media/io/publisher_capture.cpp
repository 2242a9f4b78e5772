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
  if (!started_) ++publishers_;
  started_ = true;
  stopped_ = false;
  cv_.notify_all();
}

void PublisherCapture::publisher_stopped() {
  std::lock_guard lk(mu_);
  if (started_) stopped_ = true;
  cv_.notify_all();
}

void PublisherCapture::publisher_lost() {
  std::lock_guard lk(mu_);
  if (!started_) return;
  started_ = false;
  q_.emplace_back(std::nullopt);  // reported in order, after what it sent
  cv_.notify_all();
}

void PublisherCapture::interrupt() {
  std::lock_guard lk(mu_);
  interrupted_ = true;
  cv_.notify_all();
}

std::uint64_t PublisherCapture::publishers() const {
  std::lock_guard lk(mu_);
  return publishers_;
}

Result<std::optional<rtmp::Message>> PublisherCapture::next(std::chrono::milliseconds io_timeout,
                                                            std::string_view scheme, const std::string& key) {
  using clock = std::chrono::steady_clock;
  std::unique_lock lk(mu_);
  auto deadline = clock::now() + io_timeout;
  for (;;) {
    if (interrupted_) return std::optional<rtmp::Message>{};
    if (overflow_)
      return fail(Errc::io_error, std::string(scheme) + ": the relay destination is too slow (over " +
                                      std::to_string(kMaxBacklog >> 20) + " MiB queued)");
    if (!q_.empty()) {
      std::optional<rtmp::Message> m = std::move(q_.front());
      q_.pop_front();
      if (!m)  // everything the lost publisher sent was handed out; the next may follow
        return fail(Errc::closed, std::string(scheme) + ": the publisher of '" + key +
                                      "' went away without ending the stream");
      bytes_ -= m->payload.size();
      return m;
    }
    if (stopped_) return std::optional<rtmp::Message>{};
    if (!started_) {
      cv_.wait(lk);  // waiting for a publisher has no limit
      deadline = clock::now() + io_timeout;
      continue;
    }
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && q_.empty() && !stopped_ && started_ &&
        !interrupted_ && !overflow_) {
      // Silent: reported (retriable); the server drops a silent publisher
      // itself, and the capture keeps taking what this one may still send.
      return fail(Errc::timeout, std::string(scheme) + ": no media from the publisher of '" + key + "' for " +
                                     std::to_string(io_timeout.count()) + " ms");
    }
    if (!q_.empty()) deadline = clock::now() + io_timeout;
  }
}

}  // namespace rtmfp::media::io
