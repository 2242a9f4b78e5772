#include "rtmfp/core/flow/recv_flow.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::flow {

namespace fp = rtmfp::flow_params;

RecvFlow::RecvFlow(RecvFlowConfig cfg) : cfg_(cfg) {
  set_.emplace(0, 0);  // sequence number 0 is never used: cumulative ack starts at 0
  if (cfg_.max_sequence_ranges < 2) cfg_.max_sequence_ranges = 2;
}

RecvFlow RecvFlow::finished(RecvFlowConfig cfg, std::uint64_t final_seq, TimePoint now) {
  RecvFlow f(cfg);
  f.set_.begin()->second = final_seq;
  f.next_deliver_ = final_seq + 1;
  f.fin_seq_ = final_seq;
  f.state_ = RecvFlowState::RF_COMPLETE_LINGER;
  f.linger_until_ = now + fp::kRecvLinger;
  return f;
}

std::uint64_t RecvFlow::cumulative() const { return set_.begin()->second; }

bool RecvFlow::in_set(std::uint64_t seq) const {
  auto it = set_.upper_bound(seq);
  if (it == set_.begin()) return false;
  --it;
  return seq >= it->first && seq <= it->second;
}

bool RecvFlow::add_range(std::uint64_t from, std::uint64_t to) {
  // Merge [from,to] into the set; refuse if it would create a range beyond the bound.
  auto it = set_.upper_bound(from);
  if (it != set_.begin() && std::prev(it)->second + 1 >= from) {
    --it;
  } else {
    const bool merges_next = it != set_.end() && it->first <= to + 1;
    if (!merges_next && set_.size() >= cfg_.max_sequence_ranges) return false;
    std::uint64_t new_to = to;
    if (merges_next) {
      new_to = std::max(to, it->second);
      it = set_.erase(it);
    }
    it = set_.emplace(from, new_to).first;
  }
  it->second = std::max(it->second, to);
  auto next = std::next(it);
  while (next != set_.end() && next->first <= it->second + 1) {
    it->second = std::max(it->second, next->second);
    next = set_.erase(next);
  }
  return true;
}

std::uint64_t RecvFlow::memory_bytes() const {
  return buffered_ + fp::kFragmentMemoryOverhead * (buffer_.size() + delivered_.size());
}

std::uint64_t RecvFlow::head_message_bytes(std::uint64_t seq, wire::Fragmentation fra) const {
  // Bytes already buffered of the message `seq` continues (the run ending at
  // seq - 1 that starts with a begin fragment), 0 if it starts a message.
  if (fra != wire::Fragmentation::middle && fra != wire::Fragmentation::end) return 0;
  auto it = runs_.upper_bound(seq - 1);
  if (it == runs_.begin()) return 0;
  --it;
  if (it->second.last != seq - 1) return 0;
  return it->second.bytes;
}

void RecvFlow::insert_fragment(std::uint64_t seq, wire::Fragmentation fra, ByteView data) {
  buffer_[seq] = Frag{fra, Bytes(data.begin(), data.end())};
  buffered_ += data.size();
  // §3.6.3.3: join the run of the same message before and after it.
  std::uint64_t first = seq, last = seq, bytes = data.size();
  const bool continues = fra == wire::Fragmentation::middle || fra == wire::Fragmentation::end;
  const bool continued = fra == wire::Fragmentation::begin || fra == wire::Fragmentation::middle;
  if (continues && seq > 1) {
    auto it = runs_.upper_bound(seq - 1);
    if (it != runs_.begin()) {
      --it;
      const bool adjacent = it->second.last == seq - 1;
      const auto lf = adjacent ? buffer_.at(seq - 1).fra : wire::Fragmentation::whole;
      if (adjacent && (lf == wire::Fragmentation::begin || lf == wire::Fragmentation::middle)) {
        first = it->first;
        bytes += it->second.bytes;
        runs_.erase(it);
      }
    }
  }
  if (continued && seq != UINT64_MAX) {
    auto it = runs_.find(seq + 1);
    if (it != runs_.end()) {
      const auto rf = buffer_.at(seq + 1).fra;
      if (rf == wire::Fragmentation::middle || rf == wire::Fragmentation::end) {
        last = it->second.last;
        bytes += it->second.bytes;
        runs_.erase(it);
      }
    }
  }
  runs_[first] = Run{last, bytes};
}

bool RecvFlow::run_complete(std::uint64_t first, const Run& r) const {
  const auto f = buffer_.at(first).fra, l = buffer_.at(r.last).fra;
  return f == wire::Fragmentation::whole || (f == wire::Fragmentation::begin && l == wire::Fragmentation::end);
}

RecvMessage RecvFlow::take_run(std::uint64_t first) {
  auto it = runs_.find(first);
  const Run r = it->second;
  runs_.erase(it);
  RecvMessage m;
  m.first_seq = first;
  m.data.reserve(r.bytes);
  auto f = buffer_.find(first);
  while (f != buffer_.end() && f->first <= r.last) {
    m.data.insert(m.data.end(), f->second.data.begin(), f->second.data.end());
    f = buffer_.erase(f);
  }
  return m;  // BUFFERED_SIZE still counts it until the user takes it (poll_message)
}

void RecvFlow::discard_run(std::uint64_t first) {
  auto it = runs_.find(first);
  const Run r = it->second;
  runs_.erase(it);
  buffered_ -= std::min(buffered_, r.bytes);
  buffer_.erase(buffer_.find(first), buffer_.upper_bound(r.last));
}

bool RecvFlow::on_data(std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags, ByteView data, TimePoint now,
                       ReceiveRoom room) {
  if (state_ == RecvFlowState::RF_CLOSED || seq == 0 || fsn > seq) return false;
  got_data_this_packet_ = true;
  // §3.6.3.2 steps 5, 6, 8 (§3.6.3.4.1): acknowledge at once on a flow that
  // is not open, when the last window advertised was under two blocks, or
  // when the sequence set had a gap before this chunk.
  if (state_ != RecvFlowState::RF_OPEN) ack_now_ = true;
  if (prev_rwnd_blocks_ && *prev_rwnd_blocks_ < 2) ack_now_ = true;
  if (set_.size() > 1) ack_now_ = true;
  const bool reject_data = state_ != RecvFlowState::RF_OPEN;
  const bool keep = !flags.abandon && !reject_data;
  // §3.6.3.2: everything at or below FSN is received or abandoned (applied even
  // if the fragment itself is dropped; it only ever merges into the head range).
  if (fsn > cumulative()) {
    (void)add_range(1, fsn);
    deliver_in_order();
  }
  if (in_set(seq)) {
    // A duplicate (§3.6.3.2 step 9: acknowledge now; its FSN was applied
    // above, step 12, as a retransmission may carry a newer one), or a
    // fragment covered by its own FSN. An empty abandoned FIN fragment
    // (§3.6.2.11, sent when the flow closes after its data was acknowledged)
    // still ends the flow.
    if (flags.final && !fin_seq_) fin_seq_ = seq;
    check_complete(now);
    ack_now_ = true;
    return false;
  }
  const bool in_order = seq == cumulative() + 1;
  if (keep) {
    // §3.6.3.5 bounded buffer (see the header): past the capacity only the
    // next in-order fragment, while the user reads, and only while its
    // message fits the capacity; a message that cannot fit rejects the flow.
    if (buffered_ + data.size() > cfg_.buffer_capacity) {
      if (suspended() || !in_order) return false;
      if (head_message_bytes(seq, flags.fragmentation) + data.size() > cfg_.buffer_capacity) {
        reject(0, now);  // §3.6.3.7: rejected by the implementation
        return false;
      }
    }
    // The session's bound across its flows (FlowSet).
    const std::uint64_t charge = data.size() + fp::kFragmentMemoryOverhead;
    if (charge > (in_order ? room.in_order : room.out_of_order)) return false;
  }
  if (!add_range(seq, seq)) return false;
  if (flags.final) {
    fin_seq_ = seq;
    ack_now_ = true;  // §3.6.3.2 step 10
  }
  if (keep) insert_fragment(seq, flags.fragmentation, data);
  // §3.6.3.2 steps 7 and 14: abandoned data, or a gap now.
  if (!in_order || flags.abandon || set_.size() > 1) ack_now_ = true;
  if (!ack_deadline_) ack_deadline_ = now + fp::kDelayedAck;  // §3.6.3.4.4
  if (cfg_.order == ReceiveOrder::network_arrival && keep) try_deliver_around(seq);
  deliver_in_order();
  // §3.6.3.4.1: the buffer is within one block of its capacity.
  if (buffered_ + fp::kBufferBlock > cfg_.buffer_capacity) ack_now_ = true;
  check_complete(now);
  return true;
}

void RecvFlow::on_packet_end(TimePoint) {
  // §3.6.3.2: acknowledge at least every second packet carrying user data.
  if (got_data_this_packet_ && ++packets_unacked_ >= 2) ack_now_ = true;
  got_data_this_packet_ = false;
}

void RecvFlow::deliver_early(std::uint64_t first) {
  // RFC 7425 §5.1.1 (RXI): a complete message above the ordered position.
  const std::uint64_t last = runs_.at(first).last;
  delivered_.push_back(take_run(first));
  // Remember the span (merged with a neighbour) for the ordered scan.
  auto nx = early_.find(last + 1);
  std::uint64_t to = last;
  if (nx != early_.end()) {
    to = nx->second;
    early_.erase(nx);
  }
  auto pv = early_.lower_bound(first);
  if (pv != early_.begin() && std::prev(pv)->second + 1 == first) {
    std::prev(pv)->second = to;
  } else {
    early_[first] = to;
  }
}

void RecvFlow::try_deliver_around(std::uint64_t seq) {
  // RFC 7425 §5.1.1 (RXI): deliver a complete message as soon as it is
  // complete; the run holding `seq` is found in O(log n).
  auto it = runs_.upper_bound(seq);
  if (it == runs_.begin()) return;
  --it;
  if (it->second.last < seq || !run_complete(it->first, it->second)) return;
  deliver_early(it->first);
}

void RecvFlow::deliver_all_complete() {
  // Every message whose fragments are all buffered, lowest first.
  for (auto it = runs_.begin(); it != runs_.end();) {
    const std::uint64_t first = it->first;
    const bool complete = run_complete(first, it->second);
    ++it;
    if (complete) deliver_early(first);
  }
}

std::uint64_t RecvFlow::take_early(std::uint64_t from, std::uint64_t to_excl) {
  // Sequence numbers in [from, to_excl) already delivered on arrival; spans
  // below to_excl are forgotten (ordered delivery has passed them).
  std::uint64_t n = 0;
  while (!early_.empty() && early_.begin()->first < to_excl) {
    auto it = early_.begin();
    const std::uint64_t lo = std::max(it->first, from);
    const std::uint64_t hi = std::min(it->second, to_excl - 1);
    if (hi >= lo) n += hi - lo + 1;
    if (it->second >= to_excl) {
      const std::uint64_t rest = it->second;
      early_.erase(it);
      early_[to_excl] = rest;
      break;
    }
    early_.erase(it);
  }
  return n;
}

void RecvFlow::set_receive_order(ReceiveOrder order) {
  if (order == cfg_.order) return;
  cfg_.order = order;
  if (order == ReceiveOrder::network_arrival && state_ != RecvFlowState::RF_REJECTED) deliver_all_complete();
}

void RecvFlow::set_suspended(bool s) {
  suspended_ = s;
  window_update();
}

void RecvFlow::window_update() {
  // The last ack closed the window and it is open again: tell the sender now
  // rather than wait for its next Buffer Probe (§3.6.2.9.1 covers a loss).
  if (prev_rwnd_blocks_ == 0u && advertised_window_bytes() > 0 && state_ == RecvFlowState::RF_OPEN) ack_now_ = true;
}

void RecvFlow::deliver_in_order() {
  // §3.6.3.3: deliver complete messages in sequence; skip abandoned/missing
  // sequence numbers at or below the cumulative ack. Each step handles a
  // whole run (or gap), so the work is O(log n) per fragment.
  const std::uint64_t cum = cumulative();
  while (next_deliver_ <= cum) {
    auto it = runs_.find(next_deliver_);
    if (it == runs_.end()) {
      // Jump over the gap in one step (bounded work even for huge FSN jumps).
      auto nb = runs_.lower_bound(next_deliver_);
      const std::uint64_t target = (nb == runs_.end() || nb->first > cum) ? cum + 1 : nb->first;
      skipped_ += target - next_deliver_ - take_early(next_deliver_, target);
      next_deliver_ = target;
      continue;
    }
    const Run r = it->second;
    if (run_complete(next_deliver_, r)) {
      delivered_.push_back(take_run(next_deliver_));
      next_deliver_ = r.last + 1;
      continue;
    }
    // Not complete. Its fragments are all <= CSN (they are contiguous in the
    // set from next_deliver_). Abandoned (§3.6.3.3) if it lost its start
    // (middle/end first) or if it ends below the CSN; else in progress.
    if (buffer_.at(next_deliver_).fra == wire::Fragmentation::begin && r.last >= cum) break;
    skipped_ += r.last - next_deliver_ + 1;
    discard_run(next_deliver_);
    next_deliver_ = r.last + 1;
  }
}

std::optional<RecvMessage> RecvFlow::poll_message() {
  if (delivered_.empty()) return std::nullopt;
  RecvMessage m = std::move(delivered_.front());
  delivered_.pop_front();
  // BUFFERED_SIZE counts delivered messages until the user takes them (§3.6.3.5).
  buffered_ -= std::min<std::uint64_t>(buffered_, m.data.size());
  if (delivered_.empty()) window_update();
  return m;
}

std::uint64_t RecvFlow::advertised_window_bytes(std::uint64_t session_room) const {
  if (state_ == RecvFlowState::RF_REJECTED) return 0;
  // §3.6.3.5 steps 1-4, including the MUST: at least one block if capacity > 0.
  std::uint64_t adv = buffered_ >= cfg_.buffer_capacity ? 0 : cfg_.buffer_capacity - buffered_;
  adv = std::min(adv, session_room);
  // "if it is not suspended": unread delivered messages mean the user has suspended delivery.
  if (adv == 0 && cfg_.buffer_capacity > 0 && !suspended()) adv = fp::kBufferBlock;
  return adv;
}

std::uint64_t RecvFlow::advertised_blocks(std::uint64_t session_room) const {
  return (advertised_window_bytes(session_room) + fp::kBufferBlock - 1) / fp::kBufferBlock;
}

wire::DataAck RecvFlow::make_ack(std::uint64_t session_room) const {
  wire::DataAck a;
  a.flow_id = cfg_.flow_id;
  a.buffer_blocks_available = advertised_blocks(session_room);
  last_ack_blocks_ = a.buffer_blocks_available;
  a.cumulative_ack = cumulative();
  for (auto it = std::next(set_.begin()); it != set_.end(); ++it) a.ranges.push_back({it->first, it->second});
  return a;
}

void RecvFlow::reject(std::uint64_t code, TimePoint now) {
  if (state_ != RecvFlowState::RF_OPEN) return;
  state_ = RecvFlowState::RF_REJECTED;  // §3.6.3.7
  exception_ = code;
  buffer_.clear();
  runs_.clear();
  delivered_.clear();
  early_.clear();
  buffered_ = 0;
  ack_now_ = true;
  check_complete(now);
}

void RecvFlow::check_complete(TimePoint now) {
  // §3.6.3.8: complete once the FIN and everything before it are received and delivered.
  if ((state_ == RecvFlowState::RF_OPEN || state_ == RecvFlowState::RF_REJECTED) && fin_seq_ &&
      cumulative() >= *fin_seq_ && buffer_.empty()) {
    state_ = RecvFlowState::RF_COMPLETE_LINGER;
    linger_until_ = now + fp::kRecvLinger;
    ack_now_ = true;
  }
}

void RecvFlow::on_time(TimePoint now) {
  if (state_ == RecvFlowState::RF_COMPLETE_LINGER && linger_until_ && now >= *linger_until_) {
    state_ = RecvFlowState::RF_CLOSED;
    linger_until_.reset();
  }
}

}  // namespace rtmfp::flow
