// Per-message delivery receipt shared between the application and the
// sending flow (RFC 7016 §3.6.2: messages may be abandoned by the user or
// by deadline). Idea after rtmfp-cpp's WriteReceipt; written from scratch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "rtmfp/core/time.hpp"

namespace rtmfp::flow {

enum class ReceiptStatus : std::uint8_t { pending, delivered, abandoned };

class WriteReceipt {
 public:
  WriteReceipt(std::optional<TimePoint> start_by, std::optional<TimePoint> finish_by)
      : start_by_(start_by), finish_by_(finish_by) {}
  ReceiptStatus status() const { return status_; }
  bool started() const { return started_; }
  // User abandon (§3.6.2): takes effect at the sender's next pass (the
  // sender is told through a shared counter so it need not poll receipts).
  void abandon() {
    if (status_ != ReceiptStatus::pending) return;
    status_ = ReceiptStatus::abandoned;
    if (abandon_signal_) ++*abandon_signal_;
  }
  std::optional<TimePoint> start_by() const { return start_by_; }
  std::optional<TimePoint> finish_by() const { return finish_by_; }

  // Sender side.
  void set_abandon_signal(std::shared_ptr<std::uint64_t> s) { abandon_signal_ = std::move(s); }
  void mark_abandoned() {  // by the sender (deadline, exception): no signal needed
    if (status_ == ReceiptStatus::pending) status_ = ReceiptStatus::abandoned;
  }
  void mark_started() { started_ = true; }
  void mark_delivered() {
    if (status_ == ReceiptStatus::pending) status_ = ReceiptStatus::delivered;
  }
  std::uint32_t outstanding_fragments = 0;

 private:
  std::optional<TimePoint> start_by_;
  std::optional<TimePoint> finish_by_;
  ReceiptStatus status_ = ReceiptStatus::pending;
  bool started_ = false;
  std::shared_ptr<std::uint64_t> abandon_signal_;
};

}  // namespace rtmfp::flow
