// A simplified TCP Reno flow (RFC 5681 congestion control with RFC 6582
// NewReno partial-ACK handling, Impatient variant, and RFC 6298 RTO) as two Nodes, usable as
// competing traffic. Byte sequence numbers, MSS-aligned segments, one
// cumulative ACK per data segment, no SACK, no delayed ACKs, no pacing.
//
// Wire format (private to these two classes):
//   data: 0x00, seq (u64 big-endian), payload
//   ack:  0x01, next expected byte (u64 big-endian)
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <set>

#include "tests/sim/node.hpp"

namespace rtmfp::sim {

struct RenoConfig {
  std::size_t mss = 1200;                      // payload bytes per segment
  std::uint64_t bytes_to_send = std::numeric_limits<std::uint64_t>::max();
  std::size_t initial_window = 4;              // segments
  std::uint64_t max_cwnd = 64u << 20;          // bytes
  std::uint64_t receive_window = 4u << 20;     // bytes in flight at most (peer's window)
  Duration initial_rto = std::chrono::seconds(1);
  Duration min_rto = std::chrono::milliseconds(200);
  Duration max_rto = std::chrono::seconds(60);
  TimePoint start{};                           // the flow starts sending at this time
};

struct RenoStats {
  std::uint64_t segments_sent = 0;
  std::uint64_t retransmits = 0;
  std::uint64_t fast_retransmits = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t acks = 0;
  std::uint64_t max_cwnd = 0;
};

class RenoSender final : public Node {
 public:
  static constexpr std::size_t kHeader = 9;

  RenoSender(SocketAddress local, SocketAddress peer, RenoConfig config = {});

  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from,
                   ByteView data) override;
  std::optional<Datagram> poll_transmit(TimePoint now) override;
  std::optional<TimePoint> next_deadline() const override;
  void on_deadline(TimePoint now) override;

  std::uint64_t bytes_acked() const { return snd_una_; }
  std::uint64_t cwnd() const { return cwnd_; }
  std::uint64_t ssthresh() const { return ssthresh_; }
  std::optional<Duration> srtt() const { return srtt_; }
  Duration rto() const { return rto_; }
  bool done() const { return snd_una_ >= config_.bytes_to_send; }
  const RenoStats& stats() const { return stats_; }

 private:
  std::uint64_t flight() const { return snd_nxt_ - snd_una_; }
  std::size_t segment_len(std::uint64_t seq) const;
  Datagram segment(TimePoint now, std::uint64_t seq);
  void on_ack(TimePoint now, std::uint64_t ack);
  void sample_rtt(Duration r);
  void arm_rto(TimePoint now) { rto_deadline_ = now + rto_; }

  SocketAddress local_, peer_;
  RenoConfig config_;
  RenoStats stats_;
  bool started_ = false;
  std::uint64_t snd_una_ = 0, snd_nxt_ = 0, high_sent_ = 0;
  std::uint64_t cwnd_, ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t recover_ = 0;
  bool in_recovery_ = false;
  bool partial_acked_ = false;
  int dupacks_ = 0;
  std::optional<std::uint64_t> retransmit_;  // segment to resend next
  std::optional<TimePoint> rto_deadline_;
  std::optional<Duration> srtt_;
  Duration rttvar_{0};
  Duration rto_;
  // Karn: one timed segment at a time, forgotten when anything is retransmitted.
  std::optional<std::pair<std::uint64_t, TimePoint>> timed_;
};

class RenoReceiver final : public Node {
 public:
  static constexpr std::size_t kMaxOutOfOrder = 8192;  // > receive_window / mss  // segments buffered (bounded memory)

  explicit RenoReceiver(SocketAddress local) : local_(local) {}

  void on_datagram(TimePoint now, const SocketAddress& local, const SocketAddress& from,
                   ByteView data) override;
  std::optional<Datagram> poll_transmit(TimePoint now) override;
  std::optional<TimePoint> next_deadline() const override { return std::nullopt; }
  void on_deadline(TimePoint) override {}

  std::uint64_t bytes_received() const { return rcv_nxt_; }  // in order
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  SocketAddress local_;
  std::uint64_t rcv_nxt_ = 0;
  std::uint64_t duplicates_ = 0;
  std::set<std::pair<std::uint64_t, std::uint64_t>> out_of_order_;  // [seq, end)
  std::deque<Datagram> acks_;
};

}  // namespace rtmfp::sim
