#include "rendezvous/service/net_connection_service.hpp"

#include <algorithm>

#include "media/rtmp/command.hpp"

namespace rtmfp::rendezvous {

namespace {
using media::amf::Value;
namespace gw = media::gateway;
// RFC 7425 §5.3.5.3: "No flow exception codes are defined by this profile,
// so the receiving end SHOULD use exception code 0 when rejecting the flow."
constexpr std::uint64_t kRejectCode = 0;
}  // namespace

NetConnectionService::NetConnectionService(Endpoint& endpoint, IntroducerService& introducer,
                                           media::gateway::SetKeepalive keepalive)
    : endpoint_(endpoint), introducer_(introducer), keepalive_(keepalive) {}

std::optional<bool> NetConnectionService::behind_nat(SessionHandle session) const {
  auto it = channels_.find(session);
  return it == channels_.end() ? std::nullopt : it->second.behind_nat;
}

bool NetConnectionService::connected(SessionHandle session) const {
  auto it = channels_.find(session);
  return it != channels_.end() && it->second.connected;
}

void NetConnectionService::reject(TimePoint now, SessionHandle session, FlowId flow) {
  ++stats_.rejected_flows;
  (void)endpoint_.reject_flow(now, session, flow, kRejectCode);
}

bool NetConnectionService::on_event(TimePoint now, const EndpointEvent& event) {
  if (const auto* in = std::get_if<FlowIncoming>(&event)) {
    auto md = gw::decode_metadata(in->metadata);
    // §5.3.1: one NetConnection control flow per session, stream 0, not in
    // return to anything. Stream flows (§5.3.5.1) and more control flows are
    // not offered by a rendezvous; neither is a "TC..." flow with bad metadata.
    if (!md || md->stream_id != 0 || in->association || channels_.contains(in->session)) {
      reject(now, in->session, in->flow);
      return true;
    }
    channels_[in->session].in = in->flow;
    return true;
  }
  if (const auto* m = std::get_if<FlowMessage>(&event)) {
    auto it = channels_.find(m->session);
    if (it == channels_.end() || it->second.in != m->flow) return false;
    on_message(now, m->session, it->second, m->data);
    return true;
  }
  if (const auto* f = std::get_if<FlowFinished>(&event)) {
    auto it = channels_.find(f->session);
    if (it == channels_.end() || it->second.in != f->flow) return false;
    // §5.3.6: the client closed its control flow: we close ours.
    if (it->second.out) {
      gw::EndpointFlowPort port(endpoint_, f->session);
      (void)gw::close_tc_flow(now, port, *it->second.out, 0);
    }
    channels_.erase(it);
    return true;
  }
  if (const auto* r = std::get_if<FlowRejected>(&event)) {
    auto it = channels_.find(r->session);
    // §5.3.6: an exception on our control flow is the client's abrupt close.
    if (it != channels_.end() && it->second.out == r->flow) {
      (void)endpoint_.reject_flow(now, r->session, it->second.in, kRejectCode);
      channels_.erase(it);
    }
    return false;
  }
  if (const auto* c = std::get_if<SessionClosed>(&event)) channels_.erase(c->session);
  return false;
}

void NetConnectionService::on_message(TimePoint now, SessionHandle session, Channel& ch, ByteView data) {
  auto req = nc::parse_request(data);
  if (!req) {
    ++stats_.malformed;
    return;
  }
  if (const auto* c = std::get_if<nc::Connect>(&*req)) {
    if (ch.connected) {
      ++stats_.out_of_order;
      return;
    }
    on_connect(now, session, ch, *c);
    return;
  }
  if (const auto* p = std::get_if<nc::SetPeerInfo>(&*req)) {
    if (!ch.connected) {
      ++stats_.out_of_order;  // §5.3.3: sent "after receiving a successful response to connect"
      return;
    }
    on_peer_info(session, ch, p->info);
    return;
  }
  if (const auto* call = std::get_if<nc::Call>(&*req)) {
    if (!ch.connected) {
      ++stats_.out_of_order;
      return;
    }
    if (call->transaction_id == 0) {
      ++stats_.ignored;  // nothing to answer (deleteStream, closeStream, ...)
      return;
    }
    if (call->name == "createStream" && ch.streams < kMaxStreams) {
      ++stats_.streams;
      reply(now, session, ch, "_result", call->transaction_id, Value::null(), {Value::number(++ch.streams)});
      return;
    }
    ++stats_.calls_refused;
    reply(now, session, ch, "_error", call->transaction_id, Value::null(),
          {media::rtmp::status_info("error", "NetConnection.Call.Failed",
                                    "'" + call->name + "' is not offered by this rendezvous")});
    return;
  }
  ++stats_.ignored;  // §5.1: chunk-stream control MUST be ignored; user control, data: nothing to do
}

void NetConnectionService::on_connect(TimePoint now, SessionHandle session, Channel& ch, const nc::Connect& c) {
  // §5.3.2: our return control flow, stream 0, associated to the client's.
  auto f = endpoint_.open_flow(now, session, gw::encode_metadata({0, false}), ch.in);
  if (!f) return;
  ch.out = *f;
  ch.amf3 = c.amf3;
  Registry& registry = introducer_.registry();
  const PeerRecord* rec = registry.find_session(session);
  if (!rec) {
    // Not registered at session open (the registry was full then): try now.
    auto info = endpoint_.session_info(session);
    if (info && info->far_peer_id)
      (void)registry.add(now, session, *info->far_peer_id, info->profile, info->peer);
    rec = registry.find_session(session);
  }
  if (!rec) {
    ++stats_.connects_refused;
    reply(now, session, ch, "_error", c.transaction_id, Value::null(),
          {media::rtmp::status_info("error", "NetConnection.Connect.Rejected", "the rendezvous is full")});
    gw::EndpointFlowPort port(endpoint_, session);
    (void)gw::close_tc_flow(now, port, *ch.out, 0);
    return;
  }
  ch.connected = true;
  ++stats_.connects;
  Value info = media::rtmp::status_info("status", "NetConnection.Connect.Success", "Connection succeeded.");
  info.set("objectEncoding", Value::number(ch.amf3 ? 3 : 0));
  // Not in RFC 7425: the address this server sees the client at (the
  // reflexive address of our control plane's Registered), for clients that
  // want it; others ignore unknown info properties.
  info.set("reflexiveAddress", Value::string(rec->reflexive.to_string()));
  reply(now, session, ch, "_result", c.transaction_id,
        Value::object({{"fmsVer", Value::string("FMS/3,5,7,7009")}, {"capabilities", Value::number(31)}}),
        {std::move(info)});
  // §5.3.4: Set Keepalive Timers, User Control event 41 on stream 0.
  (void)endpoint_.write(now, session, *ch.out,
                        gw::encode_message(gw::kUserControlType, 0, gw::encode_set_keepalive(keepalive_)));
}

void NetConnectionService::on_peer_info(SessionHandle session, Channel& ch, const nc::PeerInfo& info) {
  ++stats_.peer_infos;
  stats_.peer_addresses_malformed += info.malformed;
  Registry& registry = introducer_.registry();
  if (!registry.set_host_addresses(session, info.addresses)) return;
  const PeerRecord* rec = registry.find_session(session);
  if (!rec) return;
  stats_.peer_addresses += rec->host_addresses.size();
  stats_.peer_addresses_unusable += info.addresses.size() - rec->host_addresses.size();
  // §5.3.3: behind a NAT iff the observed address is not in the list.
  const bool nat = std::find(info.addresses.begin(), info.addresses.end(), rec->reflexive) == info.addresses.end();
  if (nat) ++stats_.behind_nat;
  ch.behind_nat = nat;
}

void NetConnectionService::reply(TimePoint now, SessionHandle session, Channel& ch, const std::string& name,
                                 double trid, Value obj, std::vector<Value> args) {
  if (!ch.out) return;
  auto m = media::rtmp::encode_command(media::rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, ch.amf3);
  if (!m) return;
  (void)endpoint_.write(now, session, *ch.out, gw::encode_message(m->type, 0, m->payload));  // §5.1.2
}

}  // namespace rtmfp::rendezvous
