// The flow layer attached to open sessions (RFC 7016 §3.6): the endpoint's
// flow commands, flow events, and Time Critical notifications (§2.2.4,
// §3.5.2.1). Packet assembly is in session_io.cpp (flush).
#include <algorithm>

#include "rtmfp/core/endpoint/endpoint.hpp"
#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp {

void Endpoint::attach_flows(Session& s) {
  if (s.flows) return;
  flow::FlowSetConfig c;
  c.cc_name = s.cc_name.empty() ? config_.congestion_control : s.cc_name;
  c.receive_buffer = config_.receive_buffer;
  c.deliver_on_arrival = config_.deliver_on_arrival;
  c.choose_receive_order = config_.choose_receive_order;
  c.max_receiving_flows = config_.max_receiving_flows;
  c.session_receive_limit = config_.session_receive_limit;
  c.max_events = std::size_t{1} << 20;  // drained after every call; bounded by the receive buffer
  c.tc_clock = &tc_sent_any_;
  c.max_fragment = max_fragment_for(s, s.pmtu.current());  // session_pmtu.cpp
  s.flows = std::make_unique<flow::FlowSet>(c);
}

void Endpoint::pump_flow_events(Session& s) {
  if (!s.flows) return;
  while (auto e = s.flows->poll_event()) {
    switch (e->kind) {
      case flow::FlowEventKind::incoming_flow:
        emit(FlowIncoming{s.handle, e->flow, std::move(e->data), e->association});
        break;
      case flow::FlowEventKind::message:
        emit(FlowMessage{s.handle, e->flow, std::move(e->data), e->first_seq});
        break;
      case flow::FlowEventKind::flow_finished:
        emit(FlowFinished{s.handle, e->flow});
        break;
      case flow::FlowEventKind::exception:
        emit(FlowRejected{s.handle, e->flow, e->exception_code});
        break;
    }
  }
}

void Endpoint::note_tc_received(TimePoint now, const Session& s) {
  // Keep the latest TC arrival and the latest from any OTHER session, so
  // each session can tell whether TC arrived elsewhere (§2.2.4 TCR).
  if (tc_rx_latest_.session != s.handle) tc_rx_other_ = tc_rx_latest_;
  tc_rx_latest_ = TcReceived{s.handle, now};
}

bool Endpoint::tcr_to_send(TimePoint now, const Session& s) const {
  // §2.2.4: TCR says "I am receiving time critical data on other sessions";
  // "currently" is taken as within the last 800 ms, the window of §3.5.2.1.
  const TcReceived& r = tc_rx_latest_.session != s.handle ? tc_rx_latest_ : tc_rx_other_;
  return r.at && *r.at <= now && now - *r.at < flow_params::kTcWindow;
}

Session* Endpoint::open_session(SessionHandle h, Result<void>& error) {
  Session* s = find(h);
  if (!s) {
    error = fail(Errc::not_found, "no such session");
    return nullptr;
  }
  if (!s->is_open() || !s->flows) {
    error = fail(Errc::bad_state, "session not open");
    return nullptr;
  }
  return s;
}

Result<FlowId> Endpoint::open_flow(TimePoint now, SessionHandle h, ByteView metadata,
                                   std::optional<FlowId> return_association, flow::FlowOptions options) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return std::unexpected(err.error());
  if (return_association && !s->flows->recv_flow(*return_association))
    return fail(Errc::not_found, "return association names no receiving flow");
  auto id = s->flows->open_flow(Bytes(metadata.begin(), metadata.end()), return_association, options);
  if (id) {
    mark_dirty(*s);
    reschedule(*s);
    if (trace_) trace_->event(now, "transport", "flow_opened", {{"session", h}, {"flow", *id}});
  }
  return id;
}

Result<std::shared_ptr<flow::WriteReceipt>> Endpoint::write(TimePoint now, SessionHandle h, FlowId flow,
                                                            ByteView message, std::optional<Duration> start_within,
                                                            std::optional<Duration> finish_within) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return std::unexpected(err.error());
  auto r = s->flows->write(flow, message, now, start_within, finish_within);
  if (r) {
    mark_dirty(*s);
    reschedule(*s);
  }
  return r;
}

Result<std::shared_ptr<flow::WriteReceipt>> Endpoint::write(TimePoint now, SessionHandle h, FlowId flow,
                                                            std::shared_ptr<const Bytes> message,
                                                            std::optional<Duration> start_within,
                                                            std::optional<Duration> finish_within) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return std::unexpected(err.error());
  auto r = s->flows->write(flow, std::move(message), now, start_within, finish_within);
  if (r) {
    mark_dirty(*s);
    reschedule(*s);
  }
  return r;
}

Result<std::uint64_t> Endpoint::buffered(SessionHandle h, FlowId flow) const {
  const Session* s = find(h);
  if (!s || !s->flows) return fail(Errc::not_found, "no such session");
  const flow::SendFlow* f = s->flows->send_flow(flow);
  if (!f) return fail(Errc::not_found, "no such sending flow");
  return f->queued_bytes();
}

Result<void> Endpoint::close_flow(TimePoint now, SessionHandle h, FlowId flow) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return err;
  if (!s->flows->send_flow(flow)) return fail(Errc::not_found, "no such sending flow");
  s->flows->close_flow(flow, now);
  mark_dirty(*s);
  reschedule(*s);
  return {};
}

Result<void> Endpoint::reject_flow(TimePoint now, SessionHandle h, FlowId flow, std::uint64_t code) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return err;
  if (!s->flows->recv_flow(flow)) return fail(Errc::not_found, "no such receiving flow");
  s->flows->reject_flow(flow, code, now);
  mark_dirty(*s);
  reschedule(*s);
  return {};
}

Result<void> Endpoint::set_receive_order(TimePoint, SessionHandle h, FlowId flow, flow::ReceiveOrder order) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return err;
  auto r = s->flows->set_receive_order(flow, order);
  pump_flow_events(*s);
  return r;
}

Result<void> Endpoint::suspend_delivery(TimePoint, SessionHandle h, FlowId flow, bool suspended) {
  Result<void> err;
  Session* s = open_session(h, err);
  if (!s) return err;
  auto r = s->flows->set_delivery_suspended(flow, suspended);
  pump_flow_events(*s);
  mark_dirty(*s);  // resuming may owe the sender a window update (§3.6.3.5)
  reschedule(*s);
  return r;
}

const flow::FlowSet* Endpoint::flows(SessionHandle h) const {
  const Session* s = find(h);
  return s ? s->flows.get() : nullptr;
}

}  // namespace rtmfp
