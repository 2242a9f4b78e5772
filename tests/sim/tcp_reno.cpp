#include "tests/sim/tcp_reno.hpp"

#include <algorithm>

namespace rtmfp::sim {

namespace {
void put_u64(Bytes& b, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_u64(ByteView b) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | b[static_cast<std::size_t>(1 + i)];
  return v;
}
}  // namespace

RenoSender::RenoSender(SocketAddress local, SocketAddress peer, RenoConfig config)
    : local_(local), peer_(peer), config_(config),
      cwnd_(static_cast<std::uint64_t>(config.initial_window) * config.mss),
      rto_(config.initial_rto) {}

std::size_t RenoSender::segment_len(std::uint64_t seq) const {
  return static_cast<std::size_t>(std::min<std::uint64_t>(config_.mss, config_.bytes_to_send - seq));
}

Datagram RenoSender::segment(TimePoint now, std::uint64_t seq) {
  Datagram d{local_, peer_, {}};
  const std::size_t len = segment_len(seq);
  d.data.reserve(kHeader + len);
  d.data.push_back(0);
  put_u64(d.data, seq);
  d.data.resize(kHeader + len, 0xAB);
  ++stats_.segments_sent;
  if (!rto_deadline_) arm_rto(now);
  return d;
}

std::optional<Datagram> RenoSender::poll_transmit(TimePoint now) {
  if (!started_) return std::nullopt;
  if (retransmit_) {
    const std::uint64_t seq = *retransmit_;
    retransmit_.reset();
    ++stats_.retransmits;
    timed_.reset();
    return segment(now, seq);
  }
  if (snd_nxt_ >= config_.bytes_to_send) return std::nullopt;
  const std::uint64_t next = flight() + segment_len(snd_nxt_);
  if (next > cwnd_ || next > config_.receive_window) return std::nullopt;
  const std::uint64_t seq = snd_nxt_;
  snd_nxt_ += segment_len(seq);
  if (seq < high_sent_) {
    ++stats_.retransmits;  // go-back-N after a timeout
    timed_.reset();
  } else if (!timed_) {
    timed_ = {snd_nxt_, now};
  }
  high_sent_ = std::max(high_sent_, snd_nxt_);
  return segment(now, seq);
}

std::optional<TimePoint> RenoSender::next_deadline() const {
  if (!started_) return config_.start;
  return rto_deadline_;
}

void RenoSender::on_deadline(TimePoint now) {
  if (!started_) {
    if (now >= config_.start) started_ = true;
    return;
  }
  if (!rto_deadline_ || now < *rto_deadline_) return;
  if (flight() == 0) {
    rto_deadline_.reset();
    return;
  }
  ++stats_.timeouts;
  ssthresh_ = std::max<std::uint64_t>(flight() / 2, 2 * config_.mss);
  cwnd_ = config_.mss;
  recover_ = high_sent_;
  in_recovery_ = false;
  dupacks_ = 0;
  snd_nxt_ = snd_una_;  // go back N
  retransmit_.reset();
  timed_.reset();
  rto_ = std::min(rto_ * 2, config_.max_rto);
  arm_rto(now);
}

void RenoSender::sample_rtt(Duration r) {
  if (!srtt_) {
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    const Duration err = *srtt_ > r ? *srtt_ - r : r - *srtt_;
    rttvar_ = (rttvar_ * 3 + err) / 4;
    srtt_ = (*srtt_ * 7 + r) / 8;
  }
  rto_ = std::clamp(*srtt_ + std::max(Duration{1000}, rttvar_ * 4), config_.min_rto, config_.max_rto);
}

void RenoSender::on_datagram(TimePoint now, const SocketAddress&, const SocketAddress&, ByteView data) {
  if (data.size() != kHeader || data[0] != 1) return;
  ++stats_.acks;
  on_ack(now, get_u64(data));
}

void RenoSender::on_ack(TimePoint now, std::uint64_t ack) {
  if (ack > high_sent_) return;  // bogus
  if (ack > snd_una_) {
    const std::uint64_t acked = ack - snd_una_;
    snd_una_ = ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;  // after go-back-N, skip what arrived
    if (timed_ && ack >= timed_->first) {
      sample_rtt(now - timed_->second);
      timed_.reset();
    }
    if (in_recovery_) {
      if (ack >= recover_) {
        in_recovery_ = false;
        cwnd_ = std::min<std::uint64_t>(ssthresh_, flight() + config_.mss);
      } else {  // partial ACK: the next hole is lost too
        retransmit_ = snd_una_;
        cwnd_ = cwnd_ > acked ? cwnd_ - acked : 0;
        cwnd_ += config_.mss;
        // "Impatient" variant (RFC 6582 sec. 4.2): only the first partial ACK
        // restarts the timer, so many holes end in a timeout, not one RTT each.
        if (!partial_acked_) {
          partial_acked_ = true;
          arm_rto(now);
        }
        dupacks_ = 0;
        return;
      }
    } else if (cwnd_ < ssthresh_) {
      cwnd_ += std::min<std::uint64_t>(acked, 2 * config_.mss);  // slow start (ABC, L=2)
    } else {
      cwnd_ += std::max<std::uint64_t>(1, config_.mss * config_.mss / cwnd_);  // AIMD
    }
    cwnd_ = std::min(cwnd_, config_.max_cwnd);
    stats_.max_cwnd = std::max(stats_.max_cwnd, cwnd_);
    dupacks_ = 0;
    if (flight() > 0) arm_rto(now);
    else rto_deadline_.reset();
    return;
  }
  if (ack == snd_una_ && flight() > 0) {
    ++dupacks_;
    if (in_recovery_) {
      cwnd_ += config_.mss;  // inflate: a segment has left the network
    } else if (dupacks_ == 3 && snd_una_ >= recover_) {
      ++stats_.fast_retransmits;
      partial_acked_ = false;
      ssthresh_ = std::max<std::uint64_t>(flight() / 2, 2 * config_.mss);
      recover_ = high_sent_;
      in_recovery_ = true;
      retransmit_ = snd_una_;
      cwnd_ = ssthresh_ + 3 * config_.mss;
    }
  }
}

void RenoReceiver::on_datagram(TimePoint, const SocketAddress&, const SocketAddress& from,
                               ByteView data) {
  if (data.size() < RenoSender::kHeader || data[0] != 0) return;
  const std::uint64_t seq = get_u64(data);
  const std::uint64_t end = seq + (data.size() - RenoSender::kHeader);
  if (end <= rcv_nxt_) {
    ++duplicates_;
  } else if (seq <= rcv_nxt_) {
    rcv_nxt_ = end;
    while (!out_of_order_.empty() && out_of_order_.begin()->first <= rcv_nxt_) {
      rcv_nxt_ = std::max(rcv_nxt_, out_of_order_.begin()->second);
      out_of_order_.erase(out_of_order_.begin());
    }
  } else if (out_of_order_.size() < kMaxOutOfOrder) {
    if (!out_of_order_.insert({seq, end}).second) ++duplicates_;
  }
  Datagram ack{local_, from, {}};
  ack.data.push_back(1);
  put_u64(ack.data, rcv_nxt_);
  if (acks_.size() < 1024) acks_.push_back(std::move(ack));
}

std::optional<Datagram> RenoReceiver::poll_transmit(TimePoint) {
  if (acks_.empty()) return std::nullopt;
  Datagram d = std::move(acks_.front());
  acks_.pop_front();
  return d;
}

}  // namespace rtmfp::sim
