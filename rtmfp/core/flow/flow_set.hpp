// FlowSet: every sending and receiving flow of ONE session (RFC 7016 §3.6),
// plus its RTT estimator (§3.5.2.2) and congestion controller (§3.5.2,
// Appendix A). Sans-I/O, single-threaded, no exceptions.
//
// INTEGRATION CONTRACT (for the session code):
//  * For every authenticated packet of an S_OPEN session, in order:
//      on_packet_received(now, rtt_sample, tcr)  -- rtt_sample from the timestamp
//                                                   echo (§3.5.2.2), tcr = TCR flag
//      on_chunk(now, type, payload)              -- for each chunk, in packet order;
//                                                   non-flow chunk types are ignored
//      on_packet_end(now)                        -- NAK counting, CC step, ack scheduling
//  * To send: while (wants_to_send(now)) { PacketBuilder b(...); auto r = fill_packet(now, b);
//      if (b.empty()) break; set header TC flag from r.time_critical; send }.
//  * Timers: arm next_deadline(); when it fires call on_deadline(now), then
//    send as above (delayed acks, retransmission timeout, message deadlines,
//    pacing and Buffer Probes, §3.6.2.9.1, all come due this way).
//  * After set_receive_order / set_delivery_suspended: poll_event(), and send
//    (resuming delivery can owe the sender a window update).
//  * poll_event() after any of the above to drain application events.
//  * on_packet_sent() is implied by fill_packet (call fill_packet only for packets
//    you actually transmit).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/cc/congestion_controller.hpp"
#include "rtmfp/core/cc/pacer.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/flow/recv_flow.hpp"
#include "rtmfp/core/flow/send_flow.hpp"
#include "rtmfp/core/params.hpp"
#include "rtmfp/core/recovery/rtt_estimator.hpp"
#include "rtmfp/core/time.hpp"
#include "rtmfp/core/wire/packet.hpp"

namespace rtmfp::flow {

using FlowId = std::uint64_t;

struct FlowSetConfig {
  std::string cc_name = "appendix-a";
  std::uint64_t receive_buffer = 256 * 1024;
  // Bytes per User Data chunk for data plus startup options (flow metadata,
  // return association) after the fixed chunk fields; the endpoint derives it
  // from the packet size so that every fragment fits one packet.
  std::size_t max_fragment = 1024;
  // RFC 7425 §5.1.1: delivery order of a new receiving flow. The hook, when
  // set, chooses per flow from its metadata (e.g. the sender's RXI hint)
  // before its first message is delivered; otherwise deliver_on_arrival is
  // the default for every flow. FlowSet::set_receive_order changes it later.
  bool deliver_on_arrival = false;
  std::function<ReceiveOrder(ByteView metadata)> choose_receive_order;
  // Open receiving flows (RF_OPEN); a new flow beyond it is rejected
  // (§3.6.3.1, code 0). Rejected and complete flows are remembered apart,
  // up to flow_params::kMaxIdleReceivingFlows.
  std::size_t max_receiving_flows = 256;
  // Receive memory of the session across all its receiving flows (data plus
  // flow_params::kFragmentMemoryOverhead per buffered fragment): never exceeded.
  std::uint64_t session_receive_limit = params::kMaxSessionReceiveBytes;
  // Message events queued for the application; when full, complete messages
  // wait in their flow (whose window closes, §3.6.3.5) until poll_event makes
  // room: nothing is dropped. Other events (one or two per flow) are bounded
  // by the flow tables.
  std::size_t max_events = 4096;
  cc::TcSentClock* tc_clock = nullptr;  // endpoint-wide; nullptr -> private one
};

struct FlowOptions {
  int priority = 0;            // higher is served first
  bool time_critical = false;  // real-time data: packets carrying it set TC (§2.2.4)
};

enum class FlowEventKind : std::uint8_t { incoming_flow, message, flow_finished, exception };

struct FlowEvent {
  FlowEventKind kind = FlowEventKind::message;
  FlowId flow = 0;  // receiving flow id (incoming_flow/message/flow_finished) or sending flow id (exception)
  Bytes data;       // metadata (incoming_flow) or message bytes
  std::optional<FlowId> association;  // return flow association (incoming_flow)
  std::uint64_t first_seq = 0;        // message ordering info
  std::uint64_t exception_code = 0;
};

struct FillResult {
  bool has_user_data = false;
  bool time_critical = false;
  std::size_t chunks = 0;
};

struct FlowSetStats {
  std::uint64_t bytes_sent = 0, bytes_acked = 0, bytes_retransmitted = 0;
  std::uint64_t messages_delivered = 0, timeouts = 0, dropped_chunks = 0;
  std::uint64_t buffer_probes_sent = 0;  // §3.6.2.9.1
  std::uint64_t loss_packets = 0;  // received packets whose acks revealed a loss (§3.6.2.5)
  std::uint64_t loss_events = 0;   // of those, the ones reported to congestion control (one per episode)
  // Receiving flows this end rejected (Flow Exception Report, code 0), by
  // cause: a new flow without Per-Flow Metadata (§3.6.3.1 step 5), with a
  // Return Flow Association naming no open sending flow (steps 6-7), with an
  // unrecognized option below 8192 (step 8; also on a flow already open,
  // §3.6.3.2 step 4), beyond max_receiving_flows, or whose message cannot fit
  // the receive buffer (§3.6.3.5, local choice).
  std::uint64_t flows_rejected_no_metadata = 0, flows_rejected_association = 0,
                flows_rejected_unknown_option = 0, flows_rejected_limit = 0, flows_rejected_too_large = 0;
  // Chunks of a flow already finished and forgotten, acknowledged again.
  std::uint64_t late_chunks_of_finished_flows = 0;
  std::uint64_t flows_rejected() const {
    return flows_rejected_no_metadata + flows_rejected_association + flows_rejected_unknown_option +
           flows_rejected_limit + flows_rejected_too_large;
  }
};

class FlowSet {
 public:
  explicit FlowSet(const FlowSetConfig& cfg);
  // Application side.
  Result<FlowId> open_flow(Bytes metadata, std::optional<FlowId> return_association, FlowOptions opts);
  Result<std::shared_ptr<WriteReceipt>> write(FlowId id, ByteView message, TimePoint now,
                                              std::optional<Duration> start_within,
                                              std::optional<Duration> finish_within);
  // The same, sharing the message's bytes (SendFlow::write).
  Result<std::shared_ptr<WriteReceipt>> write(FlowId id, std::shared_ptr<const Bytes> message, TimePoint now,
                                              std::optional<Duration> start_within,
                                              std::optional<Duration> finish_within);
  void close_flow(FlowId id, TimePoint now);
  void reject_flow(FlowId receiving, std::uint64_t code, TimePoint now);
  // The packet size changed (path MTU discovery, RFC 7016 §3.5.4.3): later
  // writes on every sending flow, and later flows, are fragmented to
  // `max_fragment` (see FlowSetConfig). Fragments already queued keep their
  // size: their sequence numbers are assigned (§3.6.2).
  void set_max_fragment(std::size_t max_fragment);
  std::size_t max_fragment() const { return cfg_.max_fragment; }
  // RFC 7425 §5.1.1 per receiving flow (see RecvFlow::set_receive_order);
  // messages it makes deliverable are queued as events at once.
  Result<void> set_receive_order(FlowId receiving, ReceiveOrder order);
  // §3.6.3.3 user suspension of delivery: messages stay in the flow's buffer
  // (the advertised window can close, §3.6.3.5) until resumed.
  Result<void> set_delivery_suspended(FlowId receiving, bool suspended);
  std::optional<FlowEvent> poll_event();
  // Session side.
  void on_packet_received(TimePoint now, std::optional<Duration> rtt_sample, bool tcr);
  void on_chunk(TimePoint now, std::uint8_t chunk_type, ByteView payload);
  void on_packet_end(TimePoint now);
  FillResult fill_packet(TimePoint now, wire::PacketBuilder& packet);
  bool wants_to_send(TimePoint now) const;
  std::optional<TimePoint> next_deadline() const;
  void on_deadline(TimePoint now);
  // Introspection.
  Duration erto() const { return rtt_.erto(); }
  // RFC 7016 §3.5.4.1: a keepalive Ping unanswered within ERTO raises ERTO
  // as a retransmission timeout would (§3.5.2.2 backoff).
  void on_keepalive_timeout() { rtt_.on_timeout_backoff(); }
  const recovery::RttEstimator& rtt() const { return rtt_; }
  const cc::CongestionController& congestion() const { return *cc_; }
  const FlowSetStats& stats() const { return stats_; }
  std::uint64_t outstanding_bytes() const { return outstanding_; }
  // Receive memory held across all receiving flows (<= session_receive_limit).
  std::uint64_t receive_memory() const { return receive_memory_; }
  std::size_t sending_flows() const { return send_.size(); }
  std::size_t receiving_flows() const { return recv_.size(); }
  const SendFlow* send_flow(FlowId id) const;
  const RecvFlow* recv_flow(FlowId id) const;

 private:
  void on_user_data(TimePoint now, FlowId flow, std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags,
                    const std::vector<wire::Option>& options, ByteView data);
  void on_ack(TimePoint now, ByteView payload, bool bitmap);
  void drain(FlowId id, RecvFlow& rf);
  void refill_events();
  ReceiveRoom receive_room() const;
  std::uint64_t session_room() const;
  // True when the table of receiving flows has room for one more (closing
  // a complete one early if it is full).
  bool make_room_for_flow();
  RecvFlowConfig recv_flow_config(FlowId flow) const;  // buffer and range bounds
  // Erases a receiving flow; one that had its FIN is remembered (see finished_).
  std::map<FlowId, RecvFlow>::iterator forget(std::map<FlowId, RecvFlow>::iterator it);
  template <class F>
  void charged(RecvFlow& rf, F&& f) {  // keeps receive_memory_ up to date around f()
    const std::uint64_t before = rf.memory_bytes();
    f();
    receive_memory_ = receive_memory_ - std::min(receive_memory_, before) + rf.memory_bytes();
  }
  // Runs f() on a sending flow and keeps outstanding_ (the sum of the flows'
  // in-flight bytes, read for every fragment sent) up to date around it.
  template <class F>
  decltype(auto) tracked(SendFlow& f, F&& fn) {
    const std::uint64_t before = f.outstanding_bytes();
    struct Update {
      FlowSet& set;
      SendFlow& flow;
      std::uint64_t before;
      ~Update() { set.outstanding_ = set.outstanding_ - std::min(set.outstanding_, before) + flow.outstanding_bytes(); }
    } update{*this, f, before};
    return fn();
  }
  void push(FlowEvent e);
  bool data_allowed(TimePoint now) const;
  bool acks_pending(TimePoint now) const;

  FlowSetConfig cfg_;
  cc::TcSentClock own_clock_;
  recovery::RttEstimator rtt_;
  std::unique_ptr<cc::CongestionController> cc_;
  cc::Pacer pacer_;
  cc::BurstGuard burst_;
  std::map<FlowId, SendFlow> send_;
  std::map<FlowId, RecvFlow> recv_;
  std::uint64_t receive_memory_ = 0;
  std::uint64_t outstanding_ = 0;  // sum of the sending flows' outstanding_bytes()
  bool held_back_ = false;  // some flow holds messages the event queue had no room for
  std::deque<FlowEvent> events_;
  std::set<FlowId> finished_notified_;
  // Receiving flows forgotten after their FIN (closed early to make room, or
  // at the end of RF_COMPLETE_LINGER): flow ID -> final sequence number, so
  // that a late retransmission of their data or FIN is acknowledged as a
  // duplicate (§3.6.3.8) rather than taken for a new flow without metadata
  // and rejected, which would report an exception to a sender whose messages
  // were all delivered. At most kMaxFinishedFlowMemory, lowest IDs dropped.
  std::map<FlowId, std::uint64_t> finished_;
  FlowId next_flow_id_ = 1;
  std::uint64_t next_tsn_ = 0;
  // Per received packet.
  std::uint64_t max_acked_tsn_ = 0;
  std::uint64_t recover_tsn_ = 0;  // TSN in flight when CC last reduced for loss (see on_packet_end)
  std::optional<TimePoint> recover_until_;
  struct Prev {
    FlowId flow;
    std::uint64_t seq, fsn;
  };
  std::optional<Prev> prev_;
  std::optional<TimePoint> timeout_alarm_;  // §3.6.2.6 TIMEOUT_ALARM
  FlowSetStats stats_;
};

}  // namespace rtmfp::flow
