#include "rtmfp/core/flow/send_flow.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::flow {

namespace fp = rtmfp::flow_params;

SendFlow::SendFlow(SendFlowConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.max_fragment == 0) cfg_.max_fragment = 1;
  if (cfg_.return_association) {
    ByteWriter w(return_assoc_vlu_);
    wire::write_vlu(w, *cfg_.return_association);
  }
}

Result<std::shared_ptr<WriteReceipt>> SendFlow::write(ByteView message, TimePoint now,
                                                      std::optional<Duration> start_within,
                                                      std::optional<Duration> finish_within) {
  if (state_ != SendFlowState::F_OPEN) return fail(Errc::bad_state, "flow is not open");
  if (queued_bytes_ + message.size() > cfg_.max_queue_bytes) return fail(Errc::limit_exceeded, "send queue full");
  std::optional<TimePoint> start_by, finish_by;
  if (start_within) start_by = now + *start_within;
  if (finish_within) finish_by = now + *finish_within;
  auto receipt = std::make_shared<WriteReceipt>(start_by, finish_by);
  // §3.6.2.2 fragmentation: FRA whole / begin / middle / end.
  const std::size_t n = message.empty() ? 1 : (message.size() + cfg_.max_fragment - 1) / cfg_.max_fragment;
  for (std::size_t i = 0; i < n; ++i) {
    QueuedFragment e;
    e.seq = next_sn_++;
    const std::size_t off = i * cfg_.max_fragment;
    const std::size_t len = std::min(cfg_.max_fragment, message.size() - std::min(off, message.size()));
    e.data.assign(message.begin() + static_cast<std::ptrdiff_t>(off),
                  message.begin() + static_cast<std::ptrdiff_t>(off + len));
    e.fra = n == 1 ? wire::Fragmentation::whole
            : i == 0 ? wire::Fragmentation::begin
            : i + 1 == n ? wire::Fragmentation::end
                         : wire::Fragmentation::middle;
    e.receipt = receipt;
    queued_bytes_ += len;
    queue_.emplace(e.seq, std::move(e));
  }
  receipt->outstanding_fragments = static_cast<std::uint32_t>(n);
  return receipt;
}

void SendFlow::close(TimePoint now) {
  if (state_ != SendFlowState::F_OPEN) return;
  state_ = SendFlowState::F_CLOSING;
  // §3.6.2.11: the last fragment carries FIN; with nothing queued we queue an
  // empty, abandoned FIN fragment (it still needs to be acknowledged).
  if (!queue_.empty()) {
    queue_.rbegin()->second.final = true;
  } else {
    QueuedFragment e;
    e.seq = next_sn_++;
    e.abandoned = true;
    e.final = true;
    queue_.emplace(e.seq, std::move(e));
  }
  fin_queued_ = true;
  check_complete(now);
}

void SendFlow::abandon_receipt(const std::shared_ptr<WriteReceipt>& r) {
  if (!r) return;
  r->abandon();
  for (auto& [seq, e] : queue_)
    if (e.receipt == r) e.abandoned = true;
}

void SendFlow::on_exception(std::uint64_t code, TimePoint now) {
  // §3.6.2.10: the receiver rejected the flow: abandon all queued messages and close.
  exception_ = code;
  for (auto& [seq, e] : queue_) {
    e.abandoned = true;
    if (e.receipt) e.receipt->abandon();
  }
  close(now);
}

void SendFlow::apply_deadlines(TimePoint now) {
  for (auto& [seq, e] : queue_) {
    if (e.abandoned || !e.receipt) continue;
    auto& r = *e.receipt;
    const bool late_start = r.start_by() && !r.started() && now > *r.start_by();
    const bool late_finish = r.finish_by() && now > *r.finish_by();
    if (r.status() == ReceiptStatus::abandoned || late_start || late_finish) abandon_receipt(e.receipt);
  }
  // Abandoned, not-in-flight entries covered by the FSN need not be sent at all.
  const std::uint64_t fsn = compute_fsn();
  for (auto it = queue_.begin(); it != queue_.end() && it->first <= fsn;) {
    auto& e = it->second;
    if (e.abandoned && !e.in_flight && !e.final) {
      auto next = std::next(it);
      release(it, false);
      it = next;
    } else {
      ++it;
    }
  }
}

std::optional<TimePoint> SendFlow::next_deadline() const {
  std::optional<TimePoint> d = linger_until_;
  for (const auto& [seq, e] : queue_) {
    if (e.abandoned || !e.receipt) continue;
    if (!e.receipt->started()) d = earliest(d, e.receipt->start_by());
    d = earliest(d, e.receipt->finish_by());
  }
  return d;
}

std::uint64_t SendFlow::compute_fsn() const {
  // §3.6.2.3: FSN is the highest sequence number such that it and all below it
  // are acknowledged or abandoned. Acknowledged entries leave the queue.
  for (const auto& [seq, e] : queue_)
    if (!e.abandoned) return seq - 1;
  return next_sn_ - 1;
}

bool SendFlow::has_data_to_send() const {
  for (const auto& [seq, e] : queue_)
    if (!e.in_flight) return true;
  return false;
}

bool SendFlow::needs_buffer_probe() const { return rx_window_ == 0 && has_data_to_send(); }

std::optional<OutgoingFragment> SendFlow::next_fragment(std::size_t max_data) {
  if (state_ == SendFlowState::F_COMPLETE_LINGER || state_ == SendFlowState::F_CLOSED) return std::nullopt;
  for (auto& [seq, e] : queue_) {
    if (e.in_flight) continue;
    const std::size_t len = e.abandoned ? 0 : e.data.size();
    if (len > max_data) return std::nullopt;
    // §3.6.2.9: stay within the advertised receive window (always allow one
    // fragment when nothing is outstanding and the window is open).
    if (rx_window_ == 0) return std::nullopt;
    if (outstanding_bytes_ > 0 && outstanding_bytes_ + len > rx_window_) return std::nullopt;
    OutgoingFragment f;
    f.flow_id = cfg_.flow_id;
    f.seq = seq;
    f.fsn_offset = seq - std::min(compute_fsn(), seq);
    f.flags.fragmentation = e.abandoned ? wire::Fragmentation::whole : e.fra;
    f.flags.abandon = e.abandoned;
    f.flags.final = e.final;
    if (!any_ack_received_) {
      // §3.6.2.3 startup options on every chunk until the flow is acknowledged.
      wire::Option md;
      md.type = wire::kOptionPerFlowMetadata;
      md.value = ByteView(cfg_.metadata);
      f.options.push_back(md);
      if (cfg_.return_association) {
        wire::Option ra;
        ra.type = wire::kOptionReturnFlowAssociation;
        ra.value = ByteView(return_assoc_vlu_);
        f.options.push_back(ra);
      }
    }
    if (len) f.data = ByteView(e.data);
    f.size_estimate = len + 3 + 3 * 9 + cfg_.metadata.size() + 16;
    return f;
  }
  return std::nullopt;
}

void SendFlow::on_fragment_sent(std::uint64_t seq, std::uint64_t tsn, std::size_t transmit_size, TimePoint) {
  auto it = queue_.find(seq);
  if (it == queue_.end() || it->second.in_flight) return;
  auto& e = it->second;
  e.in_flight = true;
  e.ever_sent = true;
  e.tsn = tsn;
  e.nak_count = 0;
  e.transmit_size = transmit_size;
  if (e.abandoned) e.sent_abandoned = true;
  if (e.receipt) e.receipt->mark_started();
  outstanding_bytes_ += transmit_size;
}

void SendFlow::release(std::map<std::uint64_t, QueuedFragment>::iterator it, bool delivered) {
  auto& e = it->second;
  if (e.in_flight) outstanding_bytes_ -= std::min<std::uint64_t>(outstanding_bytes_, e.transmit_size);
  queued_bytes_ -= std::min<std::uint64_t>(queued_bytes_, e.data.size());
  if (e.receipt) {
    if (e.receipt->outstanding_fragments) --e.receipt->outstanding_fragments;
    if (delivered && !e.abandoned && e.receipt->outstanding_fragments == 0) e.receipt->mark_delivered();
  }
  queue_.erase(it);
}

AckResult SendFlow::on_ack(const wire::DataAck& ack, TimePoint now) {
  AckResult r;
  if (state_ == SendFlowState::F_CLOSED) return r;
  any_ack_received_ = true;
  // §3.6.2.9: bufferBlocksAvailable x 1024 (saturating against hostile values).
  rx_window_ = ack.buffer_blocks_available > (UINT64_MAX >> 11) ? (UINT64_MAX >> 1) : ack.buffer_blocks_available * 1024;
  auto take = [&](std::map<std::uint64_t, QueuedFragment>::iterator it) {
    auto& e = it->second;
    if (e.in_flight) {
      r.acked_bytes += e.transmit_size;
      r.max_acked_tsn = std::max(r.max_acked_tsn, e.tsn);
      r.any_acked = true;
    }
    release(it, true);
  };
  // §3.6.2.4: cumulative part, then ranges (cap on ranges bounds work).
  while (!queue_.empty() && queue_.begin()->first <= ack.cumulative_ack) take(queue_.begin());
  std::size_t n = 0;
  for (const auto& range : ack.ranges) {
    if (++n > fp::kMaxAckRanges) break;
    for (auto it = queue_.lower_bound(range.from); it != queue_.end() && it->first <= range.to;) {
      auto next = std::next(it);
      take(it);
      it = next;
    }
  }
  check_complete(now);
  return r;
}

SendFlow::NakResult SendFlow::count_naks(std::uint64_t max_acked_tsn) {
  NakResult r;
  if (max_acked_tsn == 0) return r;
  for (auto& [seq, e] : queue_) {
    if (!e.in_flight || e.tsn >= max_acked_tsn) continue;
    r.any_nak = true;
    if (++e.nak_count >= fp::kNakLossThreshold) {  // §3.6.2.5: 3 NAKs = lost
      e.in_flight = false;
      e.nak_count = 0;
      outstanding_bytes_ -= std::min<std::uint64_t>(outstanding_bytes_, e.transmit_size);
      r.lost_bytes += e.transmit_size;
    }
  }
  return r;
}

std::uint64_t SendFlow::on_timeout() {
  // §3.6.2.6: all IN_FLIGHT fragments are considered lost.
  std::uint64_t lost = 0;
  for (auto& [seq, e] : queue_) {
    if (!e.in_flight) continue;
    e.in_flight = false;
    e.nak_count = 0;
    lost += e.transmit_size;
  }
  outstanding_bytes_ = 0;
  return lost;
}

void SendFlow::check_complete(TimePoint now) {
  if (state_ == SendFlowState::F_CLOSING && fin_queued_ && queue_.empty()) {
    state_ = SendFlowState::F_COMPLETE_LINGER;  // §3.6.2.11
    linger_until_ = now + fp::kSendLinger;
  }
}

void SendFlow::on_time(TimePoint now) {
  apply_deadlines(now);
  if (state_ == SendFlowState::F_COMPLETE_LINGER && linger_until_ && now >= *linger_until_) {
    state_ = SendFlowState::F_CLOSED;
    linger_until_.reset();
  }
}

}  // namespace rtmfp::flow
