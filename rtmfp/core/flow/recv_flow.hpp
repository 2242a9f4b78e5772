// RFC 7016 §3.6.3 flow receiver, sans-I/O, at the chunk level: consumes
// decoded User Data fragments, delivers messages (in original queuing order,
// §3.6.3.3, or in network arrival order as RFC 7425 §5.1.1 RXI allows; the
// order can change while the flow runs), and produces DataAcks.
// Memory is bounded: the receive buffer has a capacity and the SEQUENCE_SET
// a maximum number of ranges; fragments beyond either are dropped unacked.
// The bound on BUFFERED_SIZE (§3.6.3.5, robustness against a sender that
// ignores the advertised window):
//  * a fragment is kept while BUFFERED_SIZE + its size <= BUFFER_CAPACITY;
//  * beyond that only the next in-order fragment, while delivery is not
//    suspended, and only while the message it belongs to (the in-progress
//    message at the head of the flow) stays within BUFFER_CAPACITY; a
//    message that cannot fit the buffer can never be delivered, so the flow
//    is rejected (§3.6.3.7, code 0) instead.
// So BUFFERED_SIZE <= 2 x BUFFER_CAPACITY (data held out of order plus the
// head message), and <= BUFFER_CAPACITY for a sender that only sends in
// order. The session adds a bound across its flows (ReceiveRoom, FlowSet).
// Delivery work per fragment is O(log n): fragments are grouped into runs
// (contiguous fragments of one message) kept up to date on every insert.
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

// Session-wide receive memory still available to this flow (FlowSet): an
// out-of-order fragment may use `out_of_order`, the next in-order one
// `in_order` (a reserve for the fragments that let buffers drain).
struct ReceiveRoom {
  std::uint64_t in_order = UINT64_MAX;
  std::uint64_t out_of_order = UINT64_MAX;
};

struct RecvMessage {
  std::uint64_t first_seq = 0;  // sequence number of its first fragment (ordering info)
  Bytes data;
};

class RecvFlow {
 public:
  explicit RecvFlow(RecvFlowConfig cfg);
  // A flow whose every sequence number up to its FIN `final_seq` was received
  // and delivered before its state was forgotten, lingering again (§3.6.3.8)
  // to acknowledge a late retransmission.
  static RecvFlow finished(RecvFlowConfig cfg, std::uint64_t final_seq, TimePoint now);

  RecvFlowState state() const { return state_; }
  std::uint64_t flow_id() const { return cfg_.flow_id; }

  // §3.6.3.2 one User Data fragment. Returns false if it was dropped.
  bool on_data(std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags, ByteView data, TimePoint now,
               ReceiveRoom room = {});
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
  // `session_room`: the session's remaining receive memory; the window
  // advertised is at most that (and still at least one block, §3.6.3.5).
  wire::DataAck make_ack(std::uint64_t session_room = UINT64_MAX) const;
  void on_buffer_probe() { ack_now_ = true; }  // §3.6.3.4.1 / §2.3.15
  void request_ack() { ack_now_ = true; }      // §3.6.3.1 step 11: a new flow is acknowledged at once
  void on_ack_sent() {
    ack_now_ = false;
    ack_deadline_.reset();
    packets_unacked_ = 0;
    prev_rwnd_blocks_ = last_ack_blocks_;  // §3.6.3.2 step 6 PREV_RWND: the window of the ack sent
  }
  std::uint64_t cumulative() const;
  std::uint64_t buffered_size() const { return buffered_; }
  // Memory held for the user data (data bytes plus a fixed charge per
  // buffered fragment or undelivered message), for the session bound.
  std::uint64_t memory_bytes() const;
  std::uint64_t advertised_window_bytes(std::uint64_t session_room = UINT64_MAX) const;  // §3.6.3.5
  std::uint64_t advertised_blocks(std::uint64_t session_room = UINT64_MAX) const;  // in 1024-byte blocks (rounded up)

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
  std::optional<std::uint64_t> final_sequence() const { return fin_seq_; }

 private:
  struct Run {  // buffered fragments [first, last] of one message, contiguous
    std::uint64_t last = 0;
    std::uint64_t bytes = 0;
  };
  bool in_set(std::uint64_t seq) const;
  bool add_range(std::uint64_t from, std::uint64_t to);  // false when bound exceeded
  void insert_fragment(std::uint64_t seq, wire::Fragmentation fra, ByteView data);
  std::uint64_t head_message_bytes(std::uint64_t seq, wire::Fragmentation fra) const;
  bool run_complete(std::uint64_t first, const Run& r) const;
  RecvMessage take_run(std::uint64_t first);  // removes the run's fragments, returns its message
  void discard_run(std::uint64_t first);
  void deliver_in_order();
  void try_deliver_around(std::uint64_t seq);
  void deliver_early(std::uint64_t first);
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
  std::map<std::uint64_t, Run> runs_;           // first -> run; every buffered fragment is in one run
  std::uint64_t buffered_ = 0;                   // BUFFERED_SIZE
  std::uint64_t next_deliver_ = 1;
  std::uint64_t skipped_ = 0;
  std::deque<RecvMessage> delivered_;
  // Messages delivered on arrival above next_deliver_ (first -> last seq), so
  // that ordered delivery neither repeats them nor counts them as skipped.
  std::map<std::uint64_t, std::uint64_t> early_;
  bool suspended_ = false;
  std::optional<std::uint64_t> prev_rwnd_blocks_;  // PREV_RWND: window in the last ack sent
  mutable std::uint64_t last_ack_blocks_ = 0;       // window of the last ack made
  std::optional<std::uint64_t> fin_seq_;
  std::optional<std::uint64_t> exception_;
  bool ack_now_ = false;
  bool got_data_this_packet_ = false;
  std::uint32_t packets_unacked_ = 0;
  std::optional<TimePoint> ack_deadline_;
  std::optional<TimePoint> linger_until_;
};

}  // namespace rtmfp::flow
