// RFC 7016 §3.6.3 flow receiver, sans-I/O, at the chunk level: consumes
// decoded User Data fragments, delivers messages (in original queuing order,
// §3.6.3.3, or in network arrival order as RFC 7425 §5.1.1 RXI allows; the
// order can change while the flow runs), and produces DataAcks.
// Memory is bounded: the receive buffer has a capacity and the SEQUENCE_SET
// a maximum number of ranges; fragments beyond either are dropped unacked.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/flow/receive_order.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp::flow {

enum class RecvFlowState : std::uint8_t { RF_OPEN, RF_REJECTED, RF_COMPLETE_LINGER, RF_CLOSED };

struct RecvFlowConfig {
  std::uint64_t flow_id = 0;
  std::uint64_t buffer_capacity = 256 * 1024;  // BUFFER_CAPACITY (§3.6.3.5)
  ReceiveOrder order = ReceiveOrder::original_queuing;  // RFC 7425 §5.1.1, changeable later
  std::size_t max_sequence_ranges = 4096;      // bound on SEQUENCE_SET
};

struct RecvMessage {
  std::uint64_t first_seq = 0;  // sequence number of its first fragment (ordering info)
  Bytes data;
};

class RecvFlow {
 public:
  explicit RecvFlow(RecvFlowConfig cfg);

  RecvFlowState state() const { return state_; }
  std::uint64_t flow_id() const { return cfg_.flow_id; }

  // §3.6.3.2 one User Data fragment. Returns false if it was dropped.
  bool on_data(std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags, ByteView data, TimePoint now);
  // §3.6.3.2: packet boundaries, for the "every second packet" ack rule.
  void on_packet_end(TimePoint now);

  std::optional<RecvMessage> poll_message();
  std::size_t pending_messages() const { return delivered_.size(); }
  // Number of sequence numbers skipped in order delivery (abandoned / gaps
  // covered by FSN) -- the gap report of §3.6.3.3.
  std::uint64_t skipped() const { return skipped_; }

  // §3.6.3.4 acknowledgements.
  bool ack_now() const { return ack_now_; }
  std::optional<TimePoint> ack_deadline() const { return ack_deadline_; }
  bool ack_due(TimePoint now) const { return ack_now_ || (ack_deadline_ && now >= *ack_deadline_); }
  wire::DataAck make_ack() const;
  void on_buffer_probe() { ack_now_ = true; }  // §3.6.3.4.1 / §2.3.15
  void on_ack_sent() {
    ack_now_ = false;
    ack_deadline_.reset();
    packets_unacked_ = 0;
    prev_rwnd_blocks_ = advertised_blocks();  // §3.6.3.4.5 step 6 PREV_RWND
  }
  std::uint64_t cumulative() const;
  std::uint64_t buffered_size() const { return buffered_; }
  std::uint64_t advertised_window_bytes() const;  // §3.6.3.5
  std::uint64_t advertised_blocks() const;        // the same in 1024-byte blocks (rounded up)

  // Application: user suspension of delivery is modelled by not polling
  // (messages waiting in poll_message) or explicitly with set_suspended
  // (§3.6.3.3); either lets the advertised window fall to zero (§3.6.3.5).
  void set_buffer_capacity(std::uint64_t c) { cfg_.buffer_capacity = c; }
  void set_suspended(bool s);
  bool suspended() const { return suspended_ || !delivered_.empty(); }
  bool delivery_suspended() const { return suspended_; }  // by set_suspended

  // RFC 7425 §5.1.1: the receiver chooses the delivery order. Switching to
  // network arrival hands over every complete message already buffered;
  // switching back continues in sequence order and never repeats a message.
  void set_receive_order(ReceiveOrder order);
  ReceiveOrder receive_order() const { return cfg_.order; }

  // §3.6.3.7 rejection.
  void reject(std::uint64_t code, TimePoint now);
  std::optional<std::uint64_t> exception_code() const { return exception_; }

  // §3.6.3.8 close / linger.
  void on_time(TimePoint now);
  std::optional<TimePoint> next_deadline() const { return earliest(ack_deadline_, linger_until_); }
  bool fin_received() const { return fin_seq_.has_value(); }

 private:
  bool in_set(std::uint64_t seq) const;
  bool add_range(std::uint64_t from, std::uint64_t to);  // false when bound exceeded
  void deliver_in_order();
  void try_deliver_around(std::uint64_t seq);
  void deliver_all_complete();
  std::uint64_t take_early(std::uint64_t from, std::uint64_t to_excl);
  void window_update();
  void check_complete(TimePoint now);

  struct Frag {
    wire::Fragmentation fra = wire::Fragmentation::whole;
    Bytes data;
  };

  RecvFlowConfig cfg_;
  RecvFlowState state_ = RecvFlowState::RF_OPEN;
  std::map<std::uint64_t, std::uint64_t> set_;  // SEQUENCE_SET: from -> to (inclusive)
  std::map<std::uint64_t, Frag> buffer_;        // RECV_BUFFER
  std::uint64_t buffered_ = 0;                   // BUFFERED_SIZE
  std::uint64_t next_deliver_ = 1;
  std::uint64_t skipped_ = 0;
  std::deque<RecvMessage> delivered_;
  // Messages delivered on arrival above next_deliver_ (first -> last seq), so
  // that ordered delivery neither repeats them nor counts them as skipped.
  std::map<std::uint64_t, std::uint64_t> early_;
  bool suspended_ = false;
  std::uint64_t prev_rwnd_blocks_ = 1;  // window in the last ack sent
  std::optional<std::uint64_t> fin_seq_;
  std::optional<std::uint64_t> exception_;
  bool ack_now_ = false;
  bool got_data_this_packet_ = false;
  std::uint32_t packets_unacked_ = 0;
  std::optional<TimePoint> ack_deadline_;
  std::optional<TimePoint> linger_until_;
};

}  // namespace rtmfp::flow
