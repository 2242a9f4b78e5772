#include "rendezvous/service/net_connection_registration.hpp"

#include <algorithm>

#include "media/rtmp/command.hpp"
#include "rendezvous/service/nc_messages.hpp"

namespace rtmfp::rendezvous {

namespace {
using media::amf::Value;
namespace gw = media::gateway;
namespace mt = media::rtmp::msg_type;
constexpr double kConnectTransaction = 1;
}  // namespace

NetConnectionRegistration::NetConnectionRegistration(Endpoint& endpoint, ConnectRequest to_rendezvous,
                                                     std::string tc_url, std::string app,
                                                     std::vector<SocketAddress> host_addresses)
    : endpoint_(endpoint),
      request_(std::move(to_rendezvous)),
      tc_url_(std::move(tc_url)),
      app_(std::move(app)),
      hosts_(std::move(host_addresses)) {
  if (hosts_.size() > nc::kMaxPeerInfoArgs) hosts_.resize(nc::kMaxPeerInfoArgs);
}

void NetConnectionRegistration::connect(TimePoint now) {
  retry_at_.reset();
  if (shut_down_) return;
  ++attempts_;
  auto s = endpoint_.connect(now, request_);
  if (!s) {
    lost(now, s.error().message());
    return;
  }
  session_ = *s;
}

void NetConnectionRegistration::lost(TimePoint now, std::string reason) {
  if (registered_) backoff_.reset();
  if (session_) {
    auto info = endpoint_.session_info(*session_);
    if (info && info->state == SessionState::S_OPEN) (void)endpoint_.close(now, *session_);
  }
  session_.reset();
  control_.reset();
  canonical_return_.reset();
  registered_ = false;
  if (!shut_down_) retry_at_ = now + backoff_.next(endpoint_.random_source().unit());
  RegistrationEvent e;
  e.kind = RegistrationEvent::lost;
  e.reason = std::move(reason);
  events_.push_back(std::move(e));
}

void NetConnectionRegistration::on_shutdown(TimePoint) {
  shut_down_ = true;
  retry_at_.reset();
}

void NetConnectionRegistration::on_deadline(TimePoint now) {
  if (retry_at_ && *retry_at_ <= now) connect(now);
}

std::optional<RegistrationEvent> NetConnectionRegistration::poll_event() {
  if (events_.empty()) return std::nullopt;
  auto e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void NetConnectionRegistration::call(TimePoint now, const std::string& name, double trid, Value obj,
                                     std::vector<Value> args) {
  if (!session_ || !control_) return;
  auto m = media::rtmp::encode_command(media::rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, false);
  if (!m) return;
  (void)endpoint_.write(now, *session_, *control_, gw::encode_message(m->type, 0, m->payload));  // §5.1.2
}

bool NetConnectionRegistration::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* in = std::get_if<FlowIncoming>(&event)) {
    // Routed to us by the "TC" signature from any session. Only the server's
    // stream-0 flows in return to our control flow are ours (§5.3.2); a
    // rendezvous offers no stream flows, and peers' P2P streams are not served
    // by a node (§5.3.5.3: code 0).
    auto md = gw::decode_metadata(in->metadata);
    const bool ours = session_ && in->session == *session_ && control_ && in->association == control_ && md &&
                      md->stream_id == 0;
    if (!ours) {
      (void)endpoint_.reject_flow(now, in->session, in->flow, 0);
      return true;
    }
    if (!canonical_return_) canonical_return_ = in->flow;
    return true;
  }
  if (!session_) return false;
  if (const auto* o = std::get_if<SessionOpened>(&event)) {
    if (o->session != *session_) return false;
    // §5.3.1: the NetConnection control flow, stream 0, receive intent 0.
    auto f = endpoint_.open_flow(now, *session_, gw::encode_metadata({0, false}));
    if (!f) {
      lost(now, f.error().message());
      return false;
    }
    control_ = *f;
    call(now, "connect", kConnectTransaction,
         Value::object({{"app", Value::string(app_)},
                        {"flashVer", Value::string("rtmfp node")},
                        {"tcUrl", Value::string(tc_url_)},
                        {"fpad", Value(false)},
                        {"capabilities", Value::number(15)},
                        {"objectEncoding", Value::number(0)}}),  // AMF0 commands (E§8.1.1)
         {});
    return false;  // others may want to know the session opened
  }
  if (const auto* f = std::get_if<SessionOpenFailed>(&event)) {
    if (f->session != *session_) return false;
    lost(now, f->error.message());
    return true;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) {
    if (c->session != *session_) return false;
    session_.reset();  // gone already: nothing to close
    lost(now, std::string("session to the rendezvous closed (") + close_reason_name(c->reason) + ")");
    return false;
  }
  if (const auto* m = std::get_if<FlowMessage>(&event)) {
    if (m->session != *session_ || m->flow != canonical_return_) return false;
    on_message(now, m->data);
    return true;
  }
  if (const auto* fin = std::get_if<FlowFinished>(&event)) {
    if (fin->session != *session_ || fin->flow != canonical_return_) return false;
    lost(now, "the rendezvous closed the NetConnection");  // §5.3.6
    return true;
  }
  if (const auto* r = std::get_if<FlowRejected>(&event)) {
    if (r->session != *session_ || r->flow != control_) return false;
    lost(now, "the rendezvous refused the NetConnection control flow");  // §5.3.6
    return false;
  }
  return false;
}

void NetConnectionRegistration::on_message(TimePoint now, ByteView data) {
  if (data.size() > nc::kMaxMessage) return;
  auto fm = gw::decode_message(data);
  if (!fm) return;
  if (fm->type == gw::kUserControlType) {
    // §5.3.4: "The client MUST define minimum values for these keepalive periods".
    if (auto k = gw::decode_set_keepalive(fm->payload); k && *k) keepalive_ = gw::clamp_keepalive(**k);
    return;
  }
  if (fm->type != mt::command_amf0 && fm->type != mt::command_amf3) return;
  media::rtmp::Message msg;
  msg.type = fm->type;
  msg.payload.assign(fm->payload.begin(), fm->payload.end());
  auto c = media::rtmp::decode_command(msg);
  if (!c || c->transaction_id != kConnectTransaction || registered_) return;
  if (c->name == "_error") {
    lost(now, "connect refused: " + media::rtmp::info_code(*c).value_or("no code"));
    return;
  }
  if (c->name != "_result") return;
  // §5.3.3: "an RTMFP client MUST send a setPeerInfo command to the server
  // after receiving a successful response to the connect command".
  std::vector<Value> addrs;
  for (const auto& a : hosts_) addrs.push_back(Value::string(a.to_string()));
  call(now, "setPeerInfo", 0, Value::null(), std::move(addrs));
  registered_ = true;
  backoff_.reset();
  RegistrationEvent e;
  e.kind = RegistrationEvent::registered;
  e.reflexive_known = false;
  if (!c->args.empty()) {
    if (const Value* r = c->args[0].get("reflexiveAddress"); r && r->is_string() && r->as_string())
      if (auto a = nc::parse_peer_address(*r->as_string())) {
        e.info.reflexive = *a;
        e.reflexive_known = true;
      }
  }
  e.info.peer_id = endpoint_.profile(request_.profile) ? std::optional<PeerId>(endpoint_.profile(request_.profile)->local_peer_id())
                                                      : std::nullopt;
  if (keepalive_) e.info.keepalive_ms = keepalive_->server_period_ms;
  events_.push_back(std::move(e));
}

}  // namespace rtmfp::rendezvous
