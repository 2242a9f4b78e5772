#include "rtmfp/core/flow/recv_flow.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::flow {

namespace fp = rtmfp::flow_params;

RecvFlow::RecvFlow(RecvFlowConfig cfg) : cfg_(cfg) {
  set_.emplace(0, 0);  // sequence number 0 is never used: cumulative ack starts at 0
  if (cfg_.max_sequence_ranges < 2) cfg_.max_sequence_ranges = 2;
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

bool RecvFlow::on_data(std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags, ByteView data, TimePoint now) {
  if (state_ == RecvFlowState::RF_CLOSED || seq == 0 || fsn > seq) return false;
  got_data_this_packet_ = true;
  const bool reject_data = state_ == RecvFlowState::RF_REJECTED;
  const bool keep = !flags.abandon && !reject_data;
  // §3.6.3.5: bounded buffer. The next in-order fragment is always accepted so
  // a gap or partial message can always be completed.
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
  // The next in-order fragment may exceed capacity only while the user is
  // reading (not suspended), so a partial message or gap can always complete.
  if (keep && buffered_ + data.size() > cfg_.buffer_capacity && (suspended() || seq != cumulative() + 1)) return false;
  const bool in_order = seq == cumulative() + 1;
  if (!add_range(seq, seq)) return false;
  if (flags.final) fin_seq_ = seq;
  if (keep) {
    buffer_[seq] = Frag{flags.fragmentation, Bytes(data.begin(), data.end())};
    buffered_ += data.size();
  }
  // §3.6.3.4.1: out-of-order arrival or FIN -> ack now.
  if (!in_order || flags.final || flags.abandon) ack_now_ = true;
  if (!ack_deadline_) ack_deadline_ = now + fp::kDelayedAck;  // §3.6.3.4.4
  if (cfg_.order == ReceiveOrder::network_arrival && keep) try_deliver_around(seq);
  deliver_in_order();
  check_complete(now);
  return true;
}

void RecvFlow::on_packet_end(TimePoint) {
  // §3.6.3.4.1: acknowledge at least every second packet carrying user data.
  if (got_data_this_packet_ && ++packets_unacked_ >= 2) ack_now_ = true;
  got_data_this_packet_ = false;
}

void RecvFlow::try_deliver_around(std::uint64_t seq) {
  // RFC 7425 §5.1.1 (RXI): deliver a complete message as soon as it is complete.
  auto it = buffer_.find(seq);
  if (it == buffer_.end()) return;
  std::uint64_t first = seq;
  while (buffer_.at(first).fra != wire::Fragmentation::whole && buffer_.at(first).fra != wire::Fragmentation::begin) {
    auto p = buffer_.find(first - 1);
    if (p == buffer_.end()) return;
    first = p->first;
  }
  std::uint64_t last = first;
  while (buffer_.at(last).fra != wire::Fragmentation::whole && buffer_.at(last).fra != wire::Fragmentation::end) {
    auto n = buffer_.find(last + 1);
    if (n == buffer_.end() || n->second.fra == wire::Fragmentation::begin || n->second.fra == wire::Fragmentation::whole)
      return;
    last = n->first;
  }
  RecvMessage m;
  m.first_seq = first;
  for (std::uint64_t s = first; s <= last; ++s) {
    auto f = buffer_.find(s);
    m.data.insert(m.data.end(), f->second.data.begin(), f->second.data.end());
    buffer_.erase(f);
  }
  delivered_.push_back(std::move(m));
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

void RecvFlow::deliver_all_complete() {
  // Every message whose fragments are all buffered, lowest first.
  for (auto it = buffer_.begin(); it != buffer_.end();) {
    const std::uint64_t seq = it->first;
    const auto fra = it->second.fra;
    if (fra != wire::Fragmentation::whole && fra != wire::Fragmentation::begin) {
      ++it;
      continue;
    }
    try_deliver_around(seq);
    it = buffer_.upper_bound(seq);
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
  if (prev_rwnd_blocks_ == 0 && advertised_window_bytes() > 0 && state_ == RecvFlowState::RF_OPEN) ack_now_ = true;
}

void RecvFlow::deliver_in_order() {
  // §3.6.3.3: deliver complete messages in sequence; skip abandoned/missing
  // sequence numbers at or below the cumulative ack.
  const std::uint64_t cum = cumulative();
  while (next_deliver_ <= cum) {
    auto it = buffer_.find(next_deliver_);
    if (it == buffer_.end()) {
      // Jump over the gap in one step (bounded work even for huge FSN jumps).
      auto nb = buffer_.lower_bound(next_deliver_);
      const std::uint64_t target = (nb == buffer_.end() || nb->first > cum) ? cum + 1 : nb->first;
      skipped_ += target - next_deliver_ - take_early(next_deliver_, target);
      next_deliver_ = target;
      continue;
    }
    const auto fra = it->second.fra;
    if (fra == wire::Fragmentation::whole) {
      delivered_.push_back(RecvMessage{it->first, std::move(it->second.data)});
      buffer_.erase(it);
      ++next_deliver_;
      continue;
    }
    if (fra != wire::Fragmentation::begin) {  // orphan middle/end: its message lost its start
      buffered_ -= it->second.data.size();
      buffer_.erase(it);
      ++next_deliver_;
      ++skipped_;
      continue;
    }
    // begin: find the end fragment contiguously.
    std::uint64_t s = next_deliver_ + 1;
    bool broken = false, complete = false;
    for (;; ++s) {
      auto f = buffer_.find(s);
      if (f == buffer_.end()) {
        broken = s <= cum;  // missing but already covered -> abandoned
        break;
      }
      if (f->second.fra == wire::Fragmentation::end) {
        complete = true;
        break;
      }
      if (f->second.fra != wire::Fragmentation::middle) {
        broken = true;
        break;
      }
    }
    if (complete) {
      RecvMessage m;
      m.first_seq = next_deliver_;
      for (std::uint64_t k = next_deliver_; k <= s; ++k) {
        auto f = buffer_.find(k);
        m.data.insert(m.data.end(), f->second.data.begin(), f->second.data.end());
        buffer_.erase(f);
      }
      delivered_.push_back(std::move(m));
      next_deliver_ = s + 1;
    } else if (broken) {
      buffered_ -= it->second.data.size();
      buffer_.erase(it);
      ++next_deliver_;
      ++skipped_;
    } else {
      break;  // waiting for more fragments
    }
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

std::uint64_t RecvFlow::advertised_window_bytes() const {
  if (state_ == RecvFlowState::RF_REJECTED) return 0;
  // §3.6.3.5 steps 1-4, including the MUST: at least one block if capacity > 0.
  std::uint64_t adv = buffered_ >= cfg_.buffer_capacity ? 0 : cfg_.buffer_capacity - buffered_;
  // "if it is not suspended": unread delivered messages mean the user has suspended delivery.
  if (adv == 0 && cfg_.buffer_capacity > 0 && !suspended()) adv = fp::kBufferBlock;
  return adv;
}

std::uint64_t RecvFlow::advertised_blocks() const {
  return (advertised_window_bytes() + fp::kBufferBlock - 1) / fp::kBufferBlock;
}

wire::DataAck RecvFlow::make_ack() const {
  wire::DataAck a;
  a.flow_id = cfg_.flow_id;
  a.buffer_blocks_available = advertised_blocks();
  a.cumulative_ack = cumulative();
  for (auto it = std::next(set_.begin()); it != set_.end(); ++it) a.ranges.push_back({it->first, it->second});
  return a;
}

void RecvFlow::reject(std::uint64_t code, TimePoint now) {
  if (state_ != RecvFlowState::RF_OPEN) return;
  state_ = RecvFlowState::RF_REJECTED;  // §3.6.3.7
  exception_ = code;
  buffer_.clear();
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
