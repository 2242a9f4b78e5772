// Back-pressure between the relay's thread and a listen server's thread:
// the relay may run at most `limit` bytes ahead of what the server thread has
// taken. The writer blocks on a condition variable (no polling) and the
// server thread releases bytes as it consumes them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace rtmfp::media::io {

class HandOverGate {
 public:
  explicit HandOverGate(std::size_t limit) : limit_(limit) {}
  // Waits until fewer than `limit` bytes are outstanding, then counts n more.
  // False if that did not happen by `deadline`.
  bool acquire(std::size_t n, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lk(mu_);
    if (!cv_.wait_until(lk, deadline, [&] { return outstanding_ <= limit_; })) return false;
    outstanding_ += n;
    return true;
  }
  void release(std::size_t n) {
    {
      std::lock_guard lk(mu_);
      outstanding_ -= n;
    }
    cv_.notify_all();
  }
  std::size_t outstanding() const {
    std::lock_guard lk(mu_);
    return outstanding_;
  }

 private:
  const std::size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t outstanding_ = 0;
};

}  // namespace rtmfp::media::io
