#include "rtmfp/core/flow/flow_set.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/wire/ack_codec.hpp"
#include "rtmfp/core/wire/chunks.hpp"
#include "rtmfp/core/wire/vlu.hpp"

namespace rtmfp::flow {

namespace fp = rtmfp::flow_params;

namespace {
constexpr std::uint8_t kUserData = 0x10, kNextUserData = 0x11, kBitmapAck = 0x50, kRangeAck = 0x51,
                       kBufferProbe = 0x18, kFlowException = 0x5e;
}  // namespace

FlowSet::FlowSet(const FlowSetConfig& cfg) : cfg_(cfg) {
  cc::TcSentClock& clock = cfg_.tc_clock ? *cfg_.tc_clock : own_clock_;
  cc::CcConfig ccc;
  ccc.tcp_friendly = true;  // see CcConfig::tcp_friendly
  auto made = cc::make_congestion_controller(cfg_.cc_name, ccc, clock);
  if (!made) made = cc::make_congestion_controller("appendix-a", ccc, clock);  // unknown name: default
  cc_ = std::move(*made);
  if (cfg_.max_fragment == 0) cfg_.max_fragment = 1024;
}

void FlowSet::push(FlowEvent e) {
  // Message events are limited in drain() (back-pressure, nothing is lost);
  // the others are at most two per flow, bounded by the flow tables.
  events_.push_back(std::move(e));
}

std::optional<FlowEvent> FlowSet::poll_event() {
  if (events_.empty()) refill_events();
  if (events_.empty()) return std::nullopt;
  FlowEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void FlowSet::refill_events() {
  // Messages held back while the event queue was full (see drain).
  if (!held_back_) return;
  held_back_ = false;
  for (auto& [id, rf] : recv_)
    if (rf.pending_messages() > 0) drain(id, rf);
}

std::uint64_t FlowSet::session_room() const {
  return cfg_.session_receive_limit - std::min(cfg_.session_receive_limit, receive_memory_);
}

ReceiveRoom FlowSet::receive_room() const {
  const std::uint64_t room = session_room();
  const std::uint64_t reserve = cfg_.session_receive_limit / fp::kInOrderReserveDivisor;
  return ReceiveRoom{.in_order = room, .out_of_order = room > reserve ? room - reserve : 0};
}

namespace {
// Until the flow's first acknowledgement the first fragment of the flow in
// each packet carries the startup options (§3.6.2.3.1, §2.3.11.1.1), so
// fragments written until then leave room for them; later writes do not.
constexpr std::size_t kOptionOverhead = 2 * 3 + 10 + 1;  // two option headers, assoc VLU, marker
std::size_t data_per_fragment(std::size_t max_fragment, std::size_t metadata) {
  return max_fragment > metadata + kOptionOverhead ? max_fragment - metadata - kOptionOverhead : 1;
}
}  // namespace

Result<FlowId> FlowSet::open_flow(Bytes metadata, std::optional<FlowId> return_association, FlowOptions opts) {
  if (metadata.size() + kOptionOverhead + 64 > cfg_.max_fragment)
    return fail(Errc::invalid_argument, "flow metadata too large for one packet");
  const FlowId id = next_flow_id_++;
  SendFlowConfig c;
  c.flow_id = id;
  c.max_fragment = data_per_fragment(cfg_.max_fragment, metadata.size());
  c.max_fragment_after_ack = cfg_.max_fragment;
  c.metadata = std::move(metadata);
  c.return_association = return_association;
  c.priority = opts.priority;
  c.time_critical = opts.time_critical;
  send_.emplace(id, SendFlow(std::move(c)));
  return id;
}

Result<std::shared_ptr<WriteReceipt>> FlowSet::write(FlowId id, ByteView message, TimePoint now,
                                                     std::optional<Duration> start_within,
                                                     std::optional<Duration> finish_within) {
  auto it = send_.find(id);
  if (it == send_.end()) return fail(Errc::not_found, "no such sending flow");
  return it->second.write(message, now, start_within, finish_within);
}

Result<std::shared_ptr<WriteReceipt>> FlowSet::write(FlowId id, std::shared_ptr<const Bytes> message, TimePoint now,
                                                     std::optional<Duration> start_within,
                                                     std::optional<Duration> finish_within) {
  auto it = send_.find(id);
  if (it == send_.end()) return fail(Errc::not_found, "no such sending flow");
  return it->second.write(std::move(message), now, start_within, finish_within);
}

void FlowSet::set_max_fragment(std::size_t max_fragment) {
  if (max_fragment == 0) return;
  cfg_.max_fragment = max_fragment;
  for (auto& [id, f] : send_) f.set_max_fragment(data_per_fragment(max_fragment, f.metadata_size()), max_fragment);
}

void FlowSet::close_flow(FlowId id, TimePoint now) {
  if (auto it = send_.find(id); it != send_.end()) tracked(it->second, [&] { it->second.close(now); });
}

void FlowSet::reject_flow(FlowId receiving, std::uint64_t code, TimePoint now) {
  // §3.6.3.7: the Flow Exception Report goes with every ack (fill_packet).
  if (auto it = recv_.find(receiving); it != recv_.end()) charged(it->second, [&] { it->second.reject(code, now); });
}

Result<void> FlowSet::set_receive_order(FlowId receiving, ReceiveOrder order) {
  auto it = recv_.find(receiving);
  if (it == recv_.end()) return fail(Errc::not_found, "no such receiving flow");
  charged(it->second, [&] { it->second.set_receive_order(order); });
  drain(receiving, it->second);
  return {};
}

Result<void> FlowSet::set_delivery_suspended(FlowId receiving, bool suspended) {
  auto it = recv_.find(receiving);
  if (it == recv_.end()) return fail(Errc::not_found, "no such receiving flow");
  it->second.set_suspended(suspended);
  drain(receiving, it->second);
  return {};
}

const SendFlow* FlowSet::send_flow(FlowId id) const {
  auto it = send_.find(id);
  return it == send_.end() ? nullptr : &it->second;
}
const RecvFlow* FlowSet::recv_flow(FlowId id) const {
  auto it = recv_.find(id);
  return it == recv_.end() ? nullptr : &it->second;
}

void FlowSet::on_packet_received(TimePoint now, std::optional<Duration> rtt_sample, bool tcr) {
  if (rtt_sample) {
    rtt_.on_rtt_sample(*rtt_sample);
    cc_->on_rtt(rtt_.srtt());
    cc_->on_rtt_sample(now, *rtt_sample);
  }
  if (tcr) cc_->on_tcr_received(now);
  cc_->begin_packet(now, outstanding_bytes());  // Appendix A.2 "before each packet"
  max_acked_tsn_ = 0;
  prev_.reset();
}

void FlowSet::on_chunk(TimePoint now, std::uint8_t type, ByteView payload) {
  if (type == kUserData) {
    auto c = wire::UserDataChunk::decode(payload);
    if (!c) {
      prev_.reset();
      ++stats_.dropped_chunks;
      return;
    }
    const std::uint64_t fsn = c->sequence_number - c->fsn_offset;
    prev_ = Prev{c->flow_id, c->sequence_number, fsn};
    on_user_data(now, c->flow_id, c->sequence_number, fsn, c->flags, c->options, c->data);
    return;
  }
  if (type == kNextUserData) {
    // §2.3.12: same flow as the previous (Next) User Data chunk of THIS packet, seq + 1, same FSN.
    auto c = wire::NextUserDataChunk::decode(payload);
    if (!c || !prev_ || prev_->seq == UINT64_MAX) {
      prev_.reset();
      ++stats_.dropped_chunks;
      return;
    }
    prev_->seq += 1;
    on_user_data(now, prev_->flow, prev_->seq, prev_->fsn, c->flags, c->options, c->data);
    return;
  }
  prev_.reset();
  if (type == kBitmapAck || type == kRangeAck) {
    on_ack(now, payload, type == kBitmapAck);
  } else if (type == kBufferProbe) {
    auto c = wire::BufferProbeChunk::decode(payload);
    if (!c) return;
    if (auto it = recv_.find(c->flow_id); it != recv_.end()) it->second.on_buffer_probe();
  } else if (type == kFlowException) {
    auto c = wire::FlowExceptionReportChunk::decode(payload);
    if (!c) return;
    auto it = send_.find(c->flow_id);
    if (it == send_.end() || it->second.exception_code()) return;
    tracked(it->second, [&] { it->second.on_exception(c->exception, now); });  // §3.6.2.10
    push(FlowEvent{.kind = FlowEventKind::exception, .flow = c->flow_id, .exception_code = c->exception});
  }
}

namespace {
struct StartupOptions {
  std::optional<Bytes> metadata;
  std::optional<FlowId> association;
  bool unknown_critical = false;  // an unrecognized option below 8192 (§2.3.11.1)
  bool bad_association = false;
};
StartupOptions read_options(const std::vector<wire::Option>& options) {
  StartupOptions r;
  for (const auto& o : options) {
    if (o.marker) continue;
    if (o.type == wire::kOptionPerFlowMetadata) {
      r.metadata = Bytes(o.value.begin(), o.value.end());
    } else if (o.type == wire::kOptionReturnFlowAssociation) {
      ByteReader rd(o.value);
      const std::uint64_t v = wire::read_vlu(rd);
      if (rd.ok()) {
        r.association = v;
      } else {
        r.bad_association = true;
      }
    } else if (o.type < wire::kOptionFirstIgnorable) {
      r.unknown_critical = true;
    }
  }
  return r;
}
}  // namespace

bool FlowSet::make_room_for_flow() {
  if (recv_.size() < cfg_.max_receiving_flows + fp::kMaxIdleReceivingFlows) return true;
  // The table of receiving flows is full: close one complete (lingering)
  // flow early, the lowest-numbered, if there is one (local choice).
  for (auto it = recv_.begin(); it != recv_.end(); ++it) {
    const auto st = it->second.state();
    if ((st == RecvFlowState::RF_COMPLETE_LINGER || st == RecvFlowState::RF_CLOSED) &&
        it->second.pending_messages() == 0) {
      forget(it);
      return true;
    }
  }
  return false;
}

RecvFlowConfig FlowSet::recv_flow_config(FlowId flow) const {
  RecvFlowConfig rc;
  rc.flow_id = flow;
  rc.buffer_capacity = cfg_.receive_buffer;
  rc.max_sequence_ranges = fp::kMaxSequenceSetRanges;
  return rc;
}

std::map<FlowId, RecvFlow>::iterator FlowSet::forget(std::map<FlowId, RecvFlow>::iterator it) {
  receive_memory_ -= std::min(receive_memory_, it->second.memory_bytes());
  finished_notified_.erase(it->first);
  if (auto fin = it->second.final_sequence()) {
    finished_[it->first] = *fin;
    if (finished_.size() > fp::kMaxFinishedFlowMemory) finished_.erase(finished_.begin());
  }
  return recv_.erase(it);
}

void FlowSet::on_user_data(TimePoint now, FlowId flow, std::uint64_t seq, std::uint64_t fsn, wire::UserDataFlags flags,
                           const std::vector<wire::Option>& options, ByteView data) {
  const StartupOptions opts = read_options(options);
  auto it = recv_.find(flow);
  if (auto done = it == recv_.end() ? finished_.find(flow) : finished_.end();
      done != finished_.end() && seq <= done->second) {
    // §3.6.3.8: a late retransmission for a flow that finished and was
    // forgotten (its final ack was lost): linger again and acknowledge it.
    const std::uint64_t final_seq = done->second;
    finished_.erase(done);
    if (!make_room_for_flow()) {
      ++stats_.dropped_chunks;
      return;
    }
    it = recv_.emplace(flow, RecvFlow::finished(recv_flow_config(flow), final_seq, now)).first;
    finished_notified_.insert(flow);  // its flow_finished event was given already
    ++stats_.late_chunks_of_finished_flows;
  } else if (it == recv_.end()) {
    // §3.6.3.1: a new receiving flow, rejected (code 0, the implementation's)
    // without metadata (step 5), with a Return Flow Association naming no
    // F_OPEN sending flow (steps 6-7), with an unrecognized option below 8192
    // (step 8), or beyond max_receiving_flows. A rejected flow still gets
    // state, acks and exception reports until its sender finishes it.
    bool bad_association = opts.bad_association;
    if (opts.association) {
      auto s = send_.find(*opts.association);
      if (s == send_.end() || s->second.state() != SendFlowState::F_OPEN) bad_association = true;
    }
    std::size_t open = 0;
    for (const auto& [id, r] : recv_) open += r.state() == RecvFlowState::RF_OPEN;
    if (!make_room_for_flow()) {
      ++stats_.dropped_chunks;  // every slot holds an open or rejected flow: bounded memory
      return;
    }
    // One cause counted per rejected flow, the first that applies.
    std::uint64_t* cause = !opts.metadata                    ? &stats_.flows_rejected_no_metadata
                           : opts.unknown_critical           ? &stats_.flows_rejected_unknown_option
                           : bad_association                 ? &stats_.flows_rejected_association
                           : open >= cfg_.max_receiving_flows ? &stats_.flows_rejected_limit
                                                              : nullptr;
    const bool reject = cause != nullptr;
    if (cause) ++*cause;
    RecvFlowConfig rc = recv_flow_config(flow);
    rc.order = !reject && cfg_.choose_receive_order ? cfg_.choose_receive_order(*opts.metadata)
               : cfg_.deliver_on_arrival            ? ReceiveOrder::network_arrival
                                                    : ReceiveOrder::original_queuing;
    it = recv_.emplace(flow, RecvFlow(rc)).first;
    it->second.request_ack();  // §3.6.3.1 step 11
    if (reject) {
      it->second.reject(0, now);
    } else {
      push(FlowEvent{.kind = FlowEventKind::incoming_flow, .flow = flow, .data = *opts.metadata,
                     .association = opts.association});
    }
  } else if (opts.unknown_critical && it->second.state() == RecvFlowState::RF_OPEN) {
    charged(it->second, [&] { it->second.reject(0, now); });  // §3.6.3.2 step 4
    ++stats_.flows_rejected_unknown_option;
  }
  RecvFlow& rf = it->second;
  const bool was_open = rf.state() == RecvFlowState::RF_OPEN;
  bool ok = false;
  charged(rf, [&] { ok = rf.on_data(seq, fsn, flags, data, now, receive_room()); });
  if (!ok) ++stats_.dropped_chunks;
  if (was_open && rf.state() == RecvFlowState::RF_REJECTED) ++stats_.flows_rejected_too_large;
  drain(flow, rf);
}

void FlowSet::drain(FlowId id, RecvFlow& rf) {
  if (rf.state() == RecvFlowState::RF_REJECTED || rf.delivery_suspended()) return;
  // Back-pressure: with the event queue full, messages stay in the flow
  // (counted in its buffer, so its window closes) until poll_event has room.
  charged(rf, [&] {
    while (events_.size() < cfg_.max_events) {
      auto m = rf.poll_message();
      if (!m) break;
      ++stats_.messages_delivered;
      push(FlowEvent{.kind = FlowEventKind::message, .flow = id, .data = std::move(m->data), .first_seq = m->first_seq});
    }
  });
  if (rf.pending_messages() > 0) held_back_ = true;
  const bool complete = (rf.state() == RecvFlowState::RF_COMPLETE_LINGER || rf.state() == RecvFlowState::RF_CLOSED) &&
                        rf.pending_messages() == 0;
  if (complete && finished_notified_.insert(id).second)
    push(FlowEvent{.kind = FlowEventKind::flow_finished, .flow = id});  // §3.6.3.8
}

void FlowSet::on_ack(TimePoint now, ByteView payload, bool bitmap) {
  auto ack = bitmap ? wire::decode_bitmap_ack(payload) : wire::decode_range_ack(payload);
  if (!ack) return;
  if (ack->ranges.size() > fp::kMaxAckRanges) ack->ranges.resize(fp::kMaxAckRanges);
  burst_.on_ack_received();  // §3.5.2.3
  auto it = send_.find(ack->flow_id);
  if (it == send_.end()) return;
  auto r = tracked(it->second, [&] { return it->second.on_ack(*ack, now); });
  if (r.any_acked) {
    cc_->on_acked(r.acked_bytes);  // §3.6.2.4 -> Appendix A ANY_ACKS
    stats_.bytes_acked += r.acked_bytes;
    max_acked_tsn_ = std::max(max_acked_tsn_, r.max_acked_tsn);
  }
  // §3.6.2.6 (optional method): every acknowledgement resets TIMEOUT_ALARM
  // if it is set (cleared when nothing is outstanding any more).
  if (timeout_alarm_) timeout_alarm_ = outstanding_bytes() ? std::optional<TimePoint>(now + rtt_.erto()) : std::nullopt;
}

void FlowSet::on_packet_end(TimePoint now) {
  // §3.6.2.5: NAK in-flight fragments sent before the highest acked TSN (session-wide).
  // One congestion signal per loss episode (RFC 6582 NewReno "recover"):
  // fragments found lost here were all sent before max_acked_tsn_; while that
  // does not pass the TSN that was next when the controller last reduced, they
  // belong to the window that reduction already answered. Reporting each such
  // packet again would shrink CWND once per ack of the same burst (a drop-tail
  // overflow after slow start takes Appendix A Figure 25 down to CWND_INIT).
  // Retransmissions get new TSNs and can be acked before the last fragments
  // of that window collect their third NAK, so the episode also lasts until
  // every fragment sent before the reduction has had a round trip to be
  // acknowledged: SRTT + 4 RTTVAR after it (MRTO without the delayed-ack
  // allowance).
  // And a loss is a new episode only if a transmission sent after the last
  // reduction was lost: a fragment of the answered window whose third NAK
  // arrives late (behind a long queue, after the timer below) must not cut a
  // second time (that took a 1472-byte bulk flow from 195 KB to 99 KB and then
  // to 37 KB, idling the link for seconds).
  bool lost = false;
  std::uint64_t max_lost_tsn = 0;
  for (auto& [id, f] : send_) {
    auto n = tracked(f, [&] { return f.count_naks(max_acked_tsn_); });
    if (n.any_nak) cc_->on_nak();
    if (n.lost_bytes) {
      lost = true;
      stats_.bytes_retransmitted += n.lost_bytes;
      max_lost_tsn = std::max(max_lost_tsn, n.max_lost_tsn);
    }
  }
  if (lost) {
    ++stats_.loss_packets;
    if (max_lost_tsn > recover_tsn_ && (!recover_until_ || now >= *recover_until_)) {
      cc_->on_loss();
      ++stats_.loss_events;
      recover_tsn_ = next_tsn_;  // the highest TSN sent so far
      recover_until_ = now + rtt_.srtt().value_or(fp::kDefaultRtt) + 4 * rtt_.rttvar();
    }
  }
  cc_->end_packet(now);  // Appendix A Figure 25
  for (auto& [id, r] : recv_) r.on_packet_end(now);
  prev_.reset();
}

bool FlowSet::acks_pending(TimePoint now) const {
  for (const auto& [id, r] : recv_)
    if (r.ack_due(now)) return true;
  return false;
}

bool FlowSet::data_allowed(TimePoint now) const {
  if (!burst_.may_send_data()) return false;                            // §3.5.2.3
  if (outstanding_bytes() >= cc_->congestion_window()) return false;    // §3.5.2
  return pacer_.can_send(now, cc_->pacing_rate());
}

bool FlowSet::wants_to_send(TimePoint now) const {
  if (acks_pending(now)) return true;
  for (const auto& [id, f] : send_)
    if (f.buffer_probe_due(now)) return true;  // §3.6.2.9.1, not subject to congestion control
  if (!data_allowed(now)) return false;
  for (const auto& [id, f] : send_)
    if (f.has_data_to_send() && (f.receive_window() > 0 || f.exception_code())) return true;  // §3.6.2.9
  return false;
}

FillResult FlowSet::fill_packet(TimePoint now, wire::PacketBuilder& packet) {
  FillResult res;
  // 1. Acknowledgements first (§3.6.3.4); a rejected flow's ack is preceded
  // by its Flow Exception Report, every time (§2.3.16, §3.6.3.4.3 step 1,
  // §3.6.3.7), so the report survives the loss of any one packet.
  const std::uint64_t room_now = session_room();
  for (auto& [id, r] : recv_) {
    if (!r.ack_due(now)) continue;
    Bytes exc;
    if (r.exception_code()) {
      ByteWriter w(exc);
      wire::FlowExceptionReportChunk{.flow_id = id, .exception = *r.exception_code()}.encode(w);
    }
    const std::size_t overhead = exc.empty() ? 0 : exc.size() + 3;
    const std::size_t room = packet.payload_room();
    if (room <= overhead) break;
    auto enc = wire::encode_ack(r.make_ack(room_now), room - overhead);
    if (!enc) break;
    if (!exc.empty() && !packet.add_chunk(kFlowException, exc)) break;
    if (!packet.add_chunk(enc->chunk_type, enc->payload)) break;
    r.on_ack_sent();
    res.chunks += exc.empty() ? 1 : 2;
  }
  // 2. Data by priority, within cwnd, pacing, burst limit and flow control.
  // Flows by priority, stable (flow ID order within one priority); the usual
  // handful of flows is sorted on the stack: this runs for every packet.
  constexpr std::size_t kInlineFlows = 16;
  std::array<SendFlow*, kInlineFlows> inline_order;
  std::vector<SendFlow*> heap_order;
  std::span<SendFlow*> order;
  if (send_.size() <= kInlineFlows) {
    std::size_t n = 0;
    for (auto& [id, f] : send_) {
      std::size_t j = n++;  // insertion sort: stable
      for (; j > 0 && inline_order[j - 1]->priority() < f.priority(); --j) inline_order[j] = inline_order[j - 1];
      inline_order[j] = &f;
    }
    order = std::span<SendFlow*>(inline_order.data(), n);
  } else {
    for (auto& [id, f] : send_) heap_order.push_back(&f);
    std::stable_sort(heap_order.begin(), heap_order.end(),
                     [](auto* a, auto* b) { return a->priority() > b->priority(); });
    order = heap_order;
  }
  std::size_t data_bytes = 0;
  if (data_allowed(now)) {
    for (SendFlow* f : order) {
      std::optional<std::uint64_t> prev_seq;
      bool options_sent = false;  // §2.3.11.1.1: startup options at most once per packet
      while (outstanding_bytes() < cc_->congestion_window()) {
        auto frag = f->next_fragment(SIZE_MAX);  // fragmented at write() to fit a packet
        if (!frag) break;
        if (options_sent) frag->options.clear();
        const bool has_options = !frag->options.empty();
        const bool next_form = prev_seq && frag->seq == *prev_seq + 1;
        // Encoded straight into the packet (no buffer per fragment): checked
        // against the room first, so nothing is written that does not fit.
        const wire::NextUserDataChunk next{.flags = frag->flags, .options = frag->options, .data = frag->data};
        const wire::UserDataChunk full{.flags = frag->flags, .flow_id = frag->flow_id, .sequence_number = frag->seq,
                                       .fsn_offset = frag->fsn_offset, .options = frag->options, .data = frag->data};
        const std::size_t payload = next_form ? next.encoded_size() : full.encoded_size();
        if (payload > packet.payload_room()) break;
        const std::size_t before = packet.size();
        {
          ByteWriter w = packet.begin_chunk(next_form ? kNextUserData : kUserData);
          if (next_form)
            next.encode(w);
          else
            full.encode(w);
        }
        if (!packet.end_chunk()) break;
        const std::size_t chunk_size = packet.size() - before;  // with the 3-byte chunk header
        const std::uint64_t seq = frag->seq;
        tracked(*f, [&] { f->on_fragment_sent(seq, ++next_tsn_, chunk_size, now); });
        options_sent |= has_options;
        if (f->time_critical() && !res.time_critical) {
          res.time_critical = true;
          packet.set_time_critical(true);
        }
        data_bytes += chunk_size;
        prev_seq = seq;
        ++res.chunks;
        res.has_user_data = true;
      }
    }
  }
  // §3.6.2.9.1 Buffer Probes for suspended flows whose probe timer is due.
  for (SendFlow* f : order) {
    if (!f->buffer_probe_due(now)) continue;
    Bytes p;
    ByteWriter w(p);
    wire::BufferProbeChunk{.flow_id = f->flow_id()}.encode(w);
    if (!packet.add_chunk(kBufferProbe, p)) break;
    f->on_buffer_probe_sent(now, rtt_.erto());
    ++stats_.buffer_probes_sent;
    ++res.chunks;
  }
  if (res.has_user_data) {
    burst_.on_data_packet_sent();
    cc_->on_packet_sent(now, packet.size(), true, res.time_critical);
    pacer_.on_sent(now, packet.size(), cc_->pacing_rate());
    stats_.bytes_sent += data_bytes;
    timeout_alarm_ = now + rtt_.erto();  // §3.6.2.6: set or reset on every packet with user data
  }
  return res;
}

std::optional<TimePoint> FlowSet::next_deadline() const {
  std::optional<TimePoint> d = timeout_alarm_;
  for (const auto& [id, r] : recv_) d = earliest(d, r.next_deadline());
  // Pacing (only when nothing else blocks data, so a past time never spins
  // the caller); the session-wide part once, not per flow.
  const bool may_pace =
      burst_.may_send_data() && outstanding_bytes() < cc_->congestion_window() && cc_->pacing_rate() > 0;
  for (const auto& [id, f] : send_) {
    d = earliest(d, f.next_deadline());
    d = earliest(d, f.buffer_probe_deadline());  // §3.6.2.9.1
    if (may_pace && f.has_data_to_send() && (f.receive_window() > 0 || f.exception_code()))
      d = earliest(d, pacer_.next_send_time(TimePoint{}, cc_->pacing_rate()));
  }
  return d;
}

void FlowSet::on_deadline(TimePoint now) {
  if (timeout_alarm_ && now >= *timeout_alarm_) {
    // §3.6.2.6 / §3.5.2.2: retransmission timeout.
    std::uint64_t lost = 0;
    for (auto& [id, f] : send_) lost += tracked(f, [&] { return f.on_timeout(); });
    cc_->on_timeout(now, lost > 0);
    recover_tsn_ = next_tsn_;  // what was in flight has been answered by the timeout
    if (lost) {
      rtt_.on_timeout_backoff();
      ++stats_.timeouts;
      stats_.bytes_retransmitted += lost;
    }
    burst_.on_timeout();
    timeout_alarm_.reset();
  }
  for (auto& [id, f] : send_) tracked(f, [&] { f.on_time(now); });
  for (auto& [id, r] : recv_) r.on_time(now);
  std::erase_if(send_, [&](const auto& kv) {
    if (kv.second.state() != SendFlowState::F_CLOSED) return false;
    outstanding_ -= std::min(outstanding_, kv.second.outstanding_bytes());
    return true;
  });
  for (auto it = recv_.begin(); it != recv_.end();) {
    // A flow whose user suspended delivery keeps its undelivered messages.
    if (it->second.state() == RecvFlowState::RF_CLOSED && it->second.pending_messages() == 0) {
      it = forget(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rtmfp::flow
