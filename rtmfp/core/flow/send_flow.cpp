#include "rtmfp/core/flow/send_flow.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::flow {

namespace fp = rtmfp::flow_params;

SendFlow::SendFlow(SendFlowConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.max_fragment == 0) cfg_.max_fragment = 1;
  cfg_.max_fragment_after_ack = std::max(cfg_.max_fragment_after_ack, cfg_.max_fragment);
  if (cfg_.return_association) {
    ByteWriter w(return_assoc_vlu_);
    wire::write_vlu(w, *cfg_.return_association);
  }
}

QueuedFragment* SendFlow::find(std::uint64_t seq) {
  if (seq < base_seq_ || seq >= next_sn_) return nullptr;
  auto& e = queue_[static_cast<std::size_t>(seq - base_seq_)];
  return e.released ? nullptr : &e;
}

Result<std::shared_ptr<WriteReceipt>> SendFlow::write(ByteView message, TimePoint now,
                                                      std::optional<Duration> start_within,
                                                      std::optional<Duration> finish_within) {
  if (state_ != SendFlowState::F_OPEN) return fail(Errc::bad_state, "flow is not open");
  if (queued_bytes_ + message.size() > cfg_.max_queue_bytes) return fail(Errc::limit_exceeded, "send queue full");
  return write(std::make_shared<const Bytes>(message.begin(), message.end()), now, start_within, finish_within);
}

Result<std::shared_ptr<WriteReceipt>> SendFlow::write(std::shared_ptr<const Bytes> data, TimePoint now,
                                                      std::optional<Duration> start_within,
                                                      std::optional<Duration> finish_within) {
  if (!data) data = std::make_shared<const Bytes>();
  const ByteView message(*data);
  if (state_ != SendFlowState::F_OPEN) return fail(Errc::bad_state, "flow is not open");
  if (queued_bytes_ + message.size() > cfg_.max_queue_bytes) return fail(Errc::limit_exceeded, "send queue full");
  if (message.size() > UINT32_MAX) return fail(Errc::limit_exceeded, "message larger than 4 GiB");
  std::optional<TimePoint> start_by, finish_by;
  if (start_within) start_by = now + *start_within;
  if (finish_within) finish_by = now + *finish_within;
  auto receipt = std::make_shared<WriteReceipt>(start_by, finish_by);
  receipt->set_abandon_signal(user_abandons_);
  // §3.6.2.2 fragmentation: FRA whole / begin / middle / end.
  const std::size_t frag = max_fragment();
  const std::size_t n = message.empty() ? 1 : (message.size() + frag - 1) / frag;
  MessageSpan span{receipt, next_sn_, next_sn_ + n - 1};
  for (std::size_t i = 0; i < n; ++i) {
    QueuedFragment e;
    const std::size_t off = i * frag;
    const std::size_t len = std::min(frag, message.size() - std::min(off, message.size()));
    e.message = data;
    e.offset = static_cast<std::uint32_t>(off);
    e.length = static_cast<std::uint32_t>(len);
    e.fra = n == 1 ? wire::Fragmentation::whole
            : i == 0 ? wire::Fragmentation::begin
            : i + 1 == n ? wire::Fragmentation::end
                         : wire::Fragmentation::middle;
    e.receipt = receipt;
    queued_bytes_ += len;
    queue_.push_back(std::move(e));
    ++next_sn_;
    ++live_entries_;
  }
  receipt->outstanding_fragments = static_cast<std::uint32_t>(n);
  messages_.push_back(span);
  if (start_by) start_deadlines_.push(DeadlineEntry{*start_by, true, span});
  if (finish_by) finish_deadlines_.push(DeadlineEntry{*finish_by, false, span});
  return receipt;
}

void SendFlow::close(TimePoint now) {
  if (state_ != SendFlowState::F_OPEN) return;
  state_ = SendFlowState::F_CLOSING;
  // §3.6.2.11: the last fragment carries FIN. When it was already sent (or
  // acknowledged) without FIN, or nothing is queued, an empty abandoned FIN
  // fragment follows it (it still needs to be acknowledged).
  QueuedFragment* last = next_sn_ > base_seq_ ? find(next_sn_ - 1) : nullptr;
  if (last && !last->ever_sent && !last->in_flight) {
    last->final = true;
  } else {
    QueuedFragment e;
    e.abandoned = true;
    e.final = true;
    queue_.push_back(std::move(e));
    ++next_sn_;
    ++live_entries_;
  }
  fin_queued_ = true;
  check_complete(now);
}

void SendFlow::abandon_span(const MessageSpan& m) {
  if (m.receipt) m.receipt->mark_abandoned();
  for (std::uint64_t s = std::max(m.first, base_seq_); s <= m.last && s < next_sn_; ++s)
    if (auto* e = find(s)) e->abandoned = true;
}

void SendFlow::on_exception(std::uint64_t code, TimePoint now) {
  // §3.6.2.10: the receiver rejected the flow: abandon all queued messages and close.
  exception_ = code;
  probe_at_.reset();  // no longer suspended (§3.6.2.9.1)
  for (auto& e : queue_) {
    if (e.released) continue;
    e.abandoned = true;
    if (e.receipt) e.receipt->mark_abandoned();
  }
  close(now);
  apply_deadlines(now);  // drop what need not be sent; the FIN goes out despite the window (§3.6.2.9)
}

bool SendFlow::deadline_stale(const DeadlineEntry& d) const {
  const auto& r = d.span.receipt;
  return !r || r->status() != ReceiptStatus::pending || (d.start && r->started());
}

void SendFlow::apply_deadlines(TimePoint now) {
  // User abandons (WriteReceipt::abandon) are announced through a counter.
  if (*user_abandons_ != user_abandons_seen_) {
    user_abandons_seen_ = *user_abandons_;
    for (const auto& m : messages_)
      if (m.receipt && m.receipt->status() == ReceiptStatus::abandoned) abandon_span(m);
  }
  // Start-by / finish-by deadlines that passed (§3.6.2: the sender abandons).
  // (Abandoning is the same whichever deadline passed first.)
  for (auto* q : {&start_deadlines_, &finish_deadlines_}) {
    while (!q->empty() && q->front().at < now) {
      const DeadlineEntry d = q->front();
      q->pop_front();
      if (!deadline_stale(d)) abandon_span(d.span);
    }
  }
  // Abandoned, not-in-flight entries covered by the FSN need not be sent at all.
  for (std::uint64_t s = base_seq_; s < next_sn_;) {
    auto* e = find(s);
    if (!e) {
      ++s;
      continue;
    }
    if (!e->abandoned) break;  // the FSN stops here
    const std::uint64_t cur = s++;
    // §3.6.2.3 step 1 trims only while at least two entries remain: a
    // closing flow whose FIN was already acknowledged keeps its last
    // abandoned entry, which is then sent (abandoned) to carry the FSN the
    // receiver needs to complete (§3.6.3.8). An open flow queues an FSN
    // update instead (maybe_queue_fsn_update).
    const bool last_needed = state_ != SendFlowState::F_OPEN && live_entries_ == 1 && cur > peer_cumulative_;
    if (!e->in_flight && !e->final && !e->fsn_update && !last_needed) release(cur, false);
  }
  maybe_queue_fsn_update();
}

void SendFlow::maybe_queue_fsn_update() {
  // §3.6.2.7.1: the receiver holds data above a gap, every queued fragment
  // is abandoned (so no later transmission will carry a newer FSN), and the
  // fragment that would have told it was dropped from the queue unsent. Queue
  // an empty, already abandoned fragment: sent with fsnOffset 0 its sequence
  // number is the FSN, and it is retransmitted like data until acknowledged.
  if (state_ != SendFlowState::F_OPEN || !peer_has_gaps_ || next_sn_ == 1) return;
  const std::uint64_t fsn = compute_fsn();
  if (fsn != next_sn_ - 1 || fsn <= peer_cumulative_) return;  // a non-abandoned fragment remains / nothing new
  if (find(next_sn_ - 1)) return;  // the last entry is still queued: its (re)transmission carries the FSN
  QueuedFragment e;
  e.abandoned = true;
  e.fsn_update = true;
  queue_.push_back(std::move(e));
  ++next_sn_;
  ++live_entries_;
  ++fsn_updates_;
}

std::optional<TimePoint> SendFlow::buffer_probe_deadline() const {
  if (!probe_at_ || !suspended() || !has_data_to_send()) return std::nullopt;
  if (state_ != SendFlowState::F_OPEN && state_ != SendFlowState::F_CLOSING) return std::nullopt;
  return probe_at_;
}

bool SendFlow::buffer_probe_due(TimePoint now) const {
  auto d = buffer_probe_deadline();
  return d && now >= *d;
}

void SendFlow::on_buffer_probe_sent(TimePoint now, Duration erto) {
  // §3.6.2.9.1: initial period max(1 s, ERTO), increasing, capped at max(60 s, ERTO).
  const Duration floor = std::max(fp::kBufferProbeMinPeriod, erto);
  const Duration cap = std::max(fp::kBufferProbeMaxPeriod, erto);
  probe_period_ = probe_period_ == Duration{0} ? floor : std::min(cap, std::max(floor, probe_period_ * fp::kBufferProbeBackoff));
  probe_at_ = now + probe_period_;
  ++probes_sent_;
}

std::optional<TimePoint> SendFlow::next_deadline() const {
  std::optional<TimePoint> d = linger_until_;
  for (auto* q : {&start_deadlines_, &finish_deadlines_}) {
    while (!q->empty() && deadline_stale(q->front())) q->pop_front();
    if (!q->empty()) d = earliest(d, q->front().at);
  }
  return d;
}

std::uint64_t SendFlow::compute_fsn() const {
  // §3.6.2.3: FSN is the highest sequence number such that it and all below it
  // are acknowledged or abandoned. Acknowledged entries are released.
  for (std::uint64_t s = base_seq_; s < next_sn_; ++s) {
    const auto& e = queue_[static_cast<std::size_t>(s - base_seq_)];
    if (!e.released && !e.abandoned) return s - 1;
  }
  return next_sn_ - 1;
}

bool SendFlow::has_data_to_send() const { return !retransmit_.empty() || next_new_ < next_sn_; }

bool SendFlow::needs_buffer_probe() const { return rx_window_ == 0 && has_data_to_send(); }

void SendFlow::advance_cursor() {
  next_new_ = std::max(next_new_, base_seq_);
  while (next_new_ < next_sn_ && queue_[static_cast<std::size_t>(next_new_ - base_seq_)].released) ++next_new_;
}

std::optional<OutgoingFragment> SendFlow::next_fragment(std::size_t max_data) {
  if (state_ == SendFlowState::F_COMPLETE_LINGER || state_ == SendFlowState::F_CLOSED) return std::nullopt;
  // Lowest sequence number first: retransmissions (all below the cursor), then new data.
  std::uint64_t seq;
  if (!retransmit_.empty()) {
    seq = *retransmit_.begin();
  } else {
    advance_cursor();
    if (next_new_ >= next_sn_) return std::nullopt;
    seq = next_new_;
  }
  const QueuedFragment* e = find(seq);
  if (!e) return std::nullopt;  // unreachable: the indexes hold live entries only
  const std::size_t len = e->abandoned ? 0 : e->length;
  if (len > max_data) return std::nullopt;
  // §3.6.2.9: stay within the advertised receive window (always allow one
  // fragment when nothing is outstanding and the window is open), "unless
  // flow.EXCEPTION is true": a rejected flow still sends its FIN (§3.6.2.11).
  if (!exception_) {
    if (rx_window_ == 0) return std::nullopt;
    if (outstanding_bytes_ > 0 && outstanding_bytes_ + len > rx_window_) return std::nullopt;
  }
  OutgoingFragment f;
  f.flow_id = cfg_.flow_id;
  f.seq = seq;
  f.fsn_offset = seq - std::min(compute_fsn(), seq);
  f.flags.fragmentation = e->abandoned ? wire::Fragmentation::whole : e->fra;
  f.flags.abandon = e->abandoned;
  f.flags.final = e->final;
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
  if (len) f.data = e->data();
  f.size_estimate = len + 3 + 3 * 9 + cfg_.metadata.size() + 16;
  return f;
}

void SendFlow::on_fragment_sent(std::uint64_t seq, std::uint64_t tsn, std::size_t transmit_size, TimePoint) {
  auto* e = find(seq);
  if (!e || e->in_flight) return;
  e->in_flight = true;
  e->ever_sent = true;
  e->tsn = tsn;
  e->nak_count = 0;
  e->transmit_size = transmit_size;
  if (e->abandoned) e->sent_abandoned = true;
  if (e->receipt) e->receipt->mark_started();
  outstanding_bytes_ += transmit_size;
  in_flight_.insert(tsn, seq);
  retransmit_.erase(seq);
  if (seq == next_new_) ++next_new_;
}

void SendFlow::release(std::uint64_t seq, bool delivered) {
  auto* e = find(seq);
  if (!e) return;
  if (e->in_flight) {
    outstanding_bytes_ -= std::min<std::uint64_t>(outstanding_bytes_, e->transmit_size);
    in_flight_.erase(e->tsn, seq);
  } else {
    retransmit_.erase(seq);
  }
  queued_bytes_ -= std::min<std::uint64_t>(queued_bytes_, e->length);
  if (e->receipt) {
    auto& r = *e->receipt;
    if (r.outstanding_fragments) --r.outstanding_fragments;
    if (delivered && !e->abandoned && r.outstanding_fragments == 0) r.mark_delivered();
  }
  *e = QueuedFragment{};
  e->released = true;
  --live_entries_;
  while (!queue_.empty() && queue_.front().released) {
    queue_.pop_front();
    ++base_seq_;
  }
  while (!messages_.empty() && messages_.front().last < base_seq_) messages_.pop_front();
  advance_cursor();
}

AckResult SendFlow::on_ack(const wire::DataAck& ack, TimePoint now) {
  AckResult r;
  if (state_ == SendFlowState::F_CLOSED) return r;
  any_ack_received_ = true;
  // §3.6.2.9: bufferBlocksAvailable x 1024 (saturating against hostile values).
  const std::uint64_t old_window = rx_window_;
  rx_window_ = ack.buffer_blocks_available > (UINT64_MAX >> 11) ? (UINT64_MAX >> 1) : ack.buffer_blocks_available * 1024;
  if (rx_window_ > 0) {
    probe_at_.reset();  // §3.6.2.9.1 stop probing once no longer suspended
    probe_period_ = Duration{0};
  } else if (old_window > 0 && !exception_) {
    probe_at_ = now + fp::kBufferProbeFirst;  // "SHOULD send a probe within one second"
    probe_period_ = Duration{0};
  }
  peer_cumulative_ = std::max(peer_cumulative_, ack.cumulative_ack);
  peer_has_gaps_ = !ack.ranges.empty();
  auto take = [&](std::uint64_t seq) {
    auto* e = find(seq);
    // §3.6.2.4 step 4: an ack removes only entries that were sent (kept after
    // a NAK or timeout too: the peer may have them). Never-sent entries stay,
    // so a peer cannot mark unsent messages delivered; abandoned ones are
    // done either way.
    if (!e || (!e->ever_sent && !e->abandoned)) return;
    if (e->in_flight) {
      r.acked_bytes += e->transmit_size;
      r.max_acked_tsn = std::max(r.max_acked_tsn, e->tsn);
      r.any_acked = true;
    }
    release(seq, true);
  };
  // §3.6.2.4: cumulative part, then ranges (each clamped to the queue; the cap
  // on ranges bounds the work a hostile ack can cause).
  // Nothing at or above next_new_ was ever sent, so the work per ack is
  // bounded by what it can legitimately acknowledge.
  advance_cursor();
  const std::uint64_t sent_below = std::min(next_new_, next_sn_);
  const std::uint64_t cum_to = std::min(ack.cumulative_ack, sent_below - 1);
  for (std::uint64_t s = base_seq_; s <= cum_to; s = std::max(s + 1, base_seq_)) take(s);
  std::size_t n = 0;
  for (const auto& range : ack.ranges) {
    if (++n > fp::kMaxAckRanges) break;
    const std::uint64_t to = std::min(range.to, sent_below - 1);
    for (std::uint64_t s = std::max(range.from, base_seq_); s <= to && s < next_sn_; ++s) take(s);
  }
  maybe_queue_fsn_update();
  check_complete(now);
  return r;
}

SendFlow::NakResult SendFlow::count_naks(std::uint64_t max_acked_tsn) {
  NakResult r;
  if (max_acked_tsn == 0) return r;
  // In-flight fragments sent before the highest acknowledged TSN, in TSN order.
  in_flight_.visit_below(max_acked_tsn, [&](std::uint64_t tsn, std::uint64_t seq) {
    auto* e = find(seq);
    r.any_nak = true;
    if (!e || ++e->nak_count < fp::kNakLossThreshold) return false;
    // §3.6.2.5: 3 NAKs = lost.
    e->in_flight = false;
    e->nak_count = 0;
    outstanding_bytes_ -= std::min<std::uint64_t>(outstanding_bytes_, e->transmit_size);
    r.lost_bytes += e->transmit_size;
    r.max_lost_tsn = std::max(r.max_lost_tsn, tsn);
    retransmit_.insert(seq);
    return true;
  });
  return r;
}

std::uint64_t SendFlow::on_timeout() {
  // §3.6.2.6: all IN_FLIGHT fragments are considered lost.
  std::uint64_t lost = 0;
  in_flight_.drain([&](std::uint64_t, std::uint64_t seq) {
    auto* e = find(seq);
    if (!e) return;
    e->in_flight = false;
    e->nak_count = 0;
    lost += e->transmit_size;
    retransmit_.insert(seq);
  });
  outstanding_bytes_ = 0;
  return lost;
}

void SendFlow::check_complete(TimePoint now) {
  if (state_ == SendFlowState::F_CLOSING && fin_queued_ && live_entries_ == 0) {
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
