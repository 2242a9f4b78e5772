// RFC 7016 §3.6.2 flow sender, sans-I/O, at the chunk level: it produces
// User Data fragments to put in chunks and consumes decoded DataAcks.
// Session-wide transmission sequence numbers (TSN, §3.6.2.5) are supplied by
// the caller, which owns the session's TSN counter.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/flow/deadline_queue.hpp"
#include "rtmfp/core/flow/in_flight_index.hpp"
#include "rtmfp/core/flow/write_receipt.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"

namespace rtmfp::flow {

enum class SendFlowState : std::uint8_t { F_OPEN, F_CLOSING, F_COMPLETE_LINGER, F_CLOSED };

// §3.6.2 SEND_QUEUE entry. The data is a slice of the message it belongs to
// (one allocation per message, not per fragment).
struct QueuedFragment {
  std::shared_ptr<const Bytes> message;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  wire::Fragmentation fra = wire::Fragmentation::whole;
  bool abandoned = false;       // ABANDONED
  bool sent_abandoned = false;  // SENT_ABANDONED
  bool ever_sent = false;       // EVER_SENT
  bool in_flight = false;       // IN_FLIGHT
  bool final = false;
  bool released = false;        // acknowledged or dropped: no longer in SEND_QUEUE
  bool fsn_update = false;      // empty abandoned entry queued only to carry the FSN (§3.6.2.7.1)
  std::uint32_t nak_count = 0;  // NAK_COUNT
  std::size_t transmit_size = 0;  // TRANSMIT_SIZE
  std::uint64_t tsn = 0;          // TSN
  std::shared_ptr<WriteReceipt> receipt;
  ByteView data() const { return message ? ByteView(*message).subspan(offset, length) : ByteView(); }
};

// One fragment selected for transmission; the caller encodes it.
struct OutgoingFragment {
  std::uint64_t flow_id = 0;
  std::uint64_t seq = 0;
  std::uint64_t fsn_offset = 0;
  wire::UserDataFlags flags;
  std::vector<wire::Option> options;  // startup options until acknowledged (§3.6.2.3)
  ByteView data;                      // points into the queue; valid until the next mutating call
  std::size_t size_estimate = 0;      // bytes this fragment will occupy on the wire (approx.)
};

struct SendFlowConfig {
  std::uint64_t flow_id = 0;
  Bytes metadata;  // §2.3.11.1.1 per-flow metadata (required on a new flow)
  std::optional<std::uint64_t> return_association;  // §2.3.11.1.2
  std::size_t max_fragment = 1024;                  // data bytes per fragment (room left for startup options)
  // Data bytes per fragment for writes after the flow's first ack, when no
  // fragment carries startup options any more (§3.6.2.4 step 2); 0: max_fragment.
  std::size_t max_fragment_after_ack = 0;
  std::size_t max_queue_bytes = 64 * 1024 * 1024;   // local bound on buffered messages
  int priority = 0;
  bool time_critical = false;  // its packets carry the TC flag (§2.2.4, §3.5.2.1)
};

struct AckResult {
  std::uint64_t acked_bytes = 0;  // TRANSMIT_SIZE of fragments newly acked
  std::uint64_t max_acked_tsn = 0;
  bool any_acked = false;
};

class SendFlow {
 public:
  explicit SendFlow(SendFlowConfig cfg);

  SendFlowState state() const { return state_; }
  std::uint64_t flow_id() const { return cfg_.flow_id; }
  int priority() const { return cfg_.priority; }
  bool time_critical() const { return cfg_.time_critical; }
  // Bytes of messages queued and not yet acknowledged or abandoned.
  std::uint64_t queued_bytes() const { return queued_bytes_; }
  // Data bytes per fragment for LATER writes (queued fragments keep theirs):
  // until the first ack (room for startup options) and after it.
  void set_max_fragment(std::size_t n, std::size_t after_ack = 0) {
    cfg_.max_fragment = n ? n : 1;
    cfg_.max_fragment_after_ack = std::max(after_ack, cfg_.max_fragment);
  }
  std::size_t max_fragment() const { return any_ack_received_ ? cfg_.max_fragment_after_ack : cfg_.max_fragment; }
  std::size_t metadata_size() const { return cfg_.metadata.size(); }

  // Queue a message (fragmented to max_fragment). Deadlines are absolute
  // (now + start_within / finish_within).
  Result<std::shared_ptr<WriteReceipt>> write(ByteView message, TimePoint now, std::optional<Duration> start_within,
                                              std::optional<Duration> finish_within);
  // The same without a copy: the fragments share `message` (e.g. one encoded
  // media message queued on many sessions' flows). The bytes must not change
  // while any queue holds them.
  Result<std::shared_ptr<WriteReceipt>> write(std::shared_ptr<const Bytes> message, TimePoint now,
                                              std::optional<Duration> start_within,
                                              std::optional<Duration> finish_within);
  // §3.6.2.11 close: FIN on the last fragment (an empty FIN+ABN fragment if nothing is queued).
  void close(TimePoint now);
  // §3.6.2.10 exception from the receiver: abandon everything and close.
  void on_exception(std::uint64_t code, TimePoint now);
  std::optional<std::uint64_t> exception_code() const { return exception_; }

  // Apply user abandons and start-by/finish-by deadlines (§3.6.2).
  void apply_deadlines(TimePoint now);
  std::optional<TimePoint> next_deadline() const;

  // Transmission: the next fragment eligible (not IN_FLIGHT, within the
  // receive window, §3.6.2.9), or nullopt. `max_data` limits the data size.
  std::optional<OutgoingFragment> next_fragment(std::size_t max_data);
  // Mark the fragment returned by next_fragment as sent in a packet with `tsn`.
  void on_fragment_sent(std::uint64_t seq, std::uint64_t tsn, std::size_t transmit_size, TimePoint now);

  // §3.6.2.4 acknowledgement processing.
  AckResult on_ack(const wire::DataAck& ack, TimePoint now);
  // §3.6.2.5: after all acks of a packet, count NAKs for in-flight fragments
  // sent before the highest acknowledged TSN (session-wide). Returns lost bytes
  // (fragments reaching 3 NAKs) and whether any NAK was given.
  struct NakResult {
    std::uint64_t lost_bytes = 0;
    bool any_nak = false;
    std::uint64_t max_lost_tsn = 0;  // newest transmission declared lost here (0: none)
  };
  NakResult count_naks(std::uint64_t max_acked_tsn_in_packet);
  // §3.6.2.6 retransmission timeout: everything in flight is presumed lost.
  // Returns the bytes that were in flight.
  std::uint64_t on_timeout();

  // §3.6.2.9 flow control.
  std::uint64_t receive_window() const { return rx_window_; }
  bool needs_buffer_probe() const;  // window closed and data waiting
  // §3.6.2.9.1 Buffer Probe timer: while suspended (RX_BUFFER_SIZE zero, no
  // EXCEPTION) with data waiting, a probe is due at buffer_probe_deadline();
  // the caller sends one and reports it with on_buffer_probe_sent.
  bool suspended() const { return rx_window_ == 0 && !exception_; }
  std::optional<TimePoint> buffer_probe_deadline() const;
  bool buffer_probe_due(TimePoint now) const;
  void on_buffer_probe_sent(TimePoint now, Duration erto);
  std::uint64_t buffer_probes_sent() const { return probes_sent_; }
  // §3.6.2.7.1 Forward Sequence Number Updates queued so far.
  std::uint64_t fsn_updates() const { return fsn_updates_; }
  std::uint64_t outstanding_bytes() const { return outstanding_bytes_; }
  bool has_data_to_send() const;
  std::size_t queued_entries() const { return live_entries_; }

  // Housekeeping: F_COMPLETE_LINGER -> F_CLOSED after 130 s (§3.6.2.11).
  void on_time(TimePoint now);

 private:
  // Every operation on the send path is O(log n) or amortised O(1) in the
  // number of queued fragments: the queue is indexed by sequence number, and
  // separate indexes hold what is in flight (by TSN), what waits for
  // retransmission, the first never-sent fragment and the message deadlines.
  struct MessageSpan {  // fragments [first, last] of one written message
    std::shared_ptr<WriteReceipt> receipt;
    std::uint64_t first = 0, last = 0;
  };
  struct DeadlineEntry {
    TimePoint at;
    bool start = false;  // start-by (else finish-by)
    MessageSpan span;
  };

  QueuedFragment* find(std::uint64_t seq);
  std::uint64_t compute_fsn() const;  // §3.6.2.3 / §3.6.2.7.1
  void release(std::uint64_t seq, bool delivered);
  void maybe_queue_fsn_update();
  void advance_cursor();
  void check_complete(TimePoint now);
  void abandon_span(const MessageSpan& m);
  bool deadline_stale(const DeadlineEntry& d) const;

  SendFlowConfig cfg_;
  SendFlowState state_ = SendFlowState::F_OPEN;
  std::deque<QueuedFragment> queue_;  // SEND_QUEUE: sequence numbers [base_seq_, next_sn_)
  std::uint64_t base_seq_ = 1;
  std::uint64_t next_sn_ = 1;  // NEXT_SN starts at 1
  std::size_t live_entries_ = 0;
  std::uint64_t next_new_ = 1;                                  // lowest never-sent sequence number
  std::set<std::uint64_t> retransmit_;                          // lost, waiting to be sent again
  InFlightIndex in_flight_;                                     // (TSN, sequence number) of IN_FLIGHT entries
  std::deque<MessageSpan> messages_;                            // in sequence order
  // Start-by and finish-by deadlines, one queue each (each usually written
  // in time order); stale entries pruned lazily.
  mutable DeadlineQueue<DeadlineEntry> start_deadlines_, finish_deadlines_;
  std::shared_ptr<std::uint64_t> user_abandons_ = std::make_shared<std::uint64_t>(0);
  std::uint64_t user_abandons_seen_ = 0;
  std::uint64_t queued_bytes_ = 0;
  std::uint64_t outstanding_bytes_ = 0;        // sum TRANSMIT_SIZE of IN_FLIGHT
  std::uint64_t rx_window_ = 65536;            // until the first ack (assumption; RFC leaves initial open)
  bool any_ack_received_ = false;              // startup options stop after this (§3.6.2.3)
  std::uint64_t peer_cumulative_ = 0;          // from the latest ack: the receiver's CSN
  bool peer_has_gaps_ = false;                 // and whether it holds data above a gap
  std::uint64_t fsn_updates_ = 0;
  std::optional<TimePoint> probe_at_;          // §3.6.2.9.1 next Buffer Probe
  Duration probe_period_{0};                   // zero until the first probe
  std::uint64_t probes_sent_ = 0;
  bool fin_queued_ = false;
  Bytes return_assoc_vlu_;
  std::optional<std::uint64_t> exception_;
  std::optional<TimePoint> linger_until_;
};

}  // namespace rtmfp::flow
