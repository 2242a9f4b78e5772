// See net_connection_server.hpp.
#include "media/gateway/net_connection_server.hpp"

#include <algorithm>

#include "media/rtmp/control.hpp"

namespace rtmfp::media::gateway {

namespace {
using rtmp::Value;
namespace mt = rtmp::msg_type;
}  // namespace

std::optional<rtmp::Message> normalize_metadata(const rtmp::Message& m) {
  auto d = rtmp::to_player_data(m, 0);
  if (d.kind != rtmp::PlayerData::Kind::pass) return std::nullopt;
  return std::move(d.message);
}

NetConnectionServer::NetConnectionServer(rtmp::StreamRegistry& registry, const ServerPolicy& policy, FlowPort& port,
                                         std::string peer, SharedMessageEncoder* encoder)
    : registry_(registry),
      policy_(policy),
      port_(port),
      peer_(std::move(peer)),
      encoder_(encoder ? encoder : &own_encoder_),
      merge_(policy.merge) {}

NetConnectionServer::~NetConnectionServer() { release(); }

void NetConnectionServer::publish_merged(std::vector<rtmp::Message>& out) {
  if (publishing_sid_)
    for (const auto& m : out) registry_.on_media(policy_.key(), m);
  out.clear();
}

void NetConnectionServer::flush_merge() {
  std::vector<rtmp::Message> out;
  merge_.flush(out);
  publish_merged(out);
}

void NetConnectionServer::release(bool abrupt) {
  // Still publishing here = the session ended without closeStream/deleteStream:
  // an abrupt loss of the publisher, unless the far end closed the session in
  // order (RFC 7016 §3.5.5, as NetConnection.close() does, RFC 7425 §5.3.6).
  if (publishing_sid_) {
    flush_merge();  // what arrived before the end is still the publisher's
    registry_.unpublish(policy_.key(), this, abrupt);
  }
  if (playing_sid_) registry_.remove_player(policy_.key(), this);
  publishing_sid_.reset();
  playing_sid_.reset();
}

// ------------------------------------------------------------------ flows

void NetConnectionServer::on_flow_incoming(TimePoint now, FlowId flow, ByteView metadata,
                                           std::optional<FlowId> association) {
  auto md = decode_metadata(metadata);
  bool accept = false;
  if (md && !ended_) {
    if (!association) {
      // §5.3.1: the client's NetConnection control flow (one per session).
      if (md->stream_id == 0 && !control_in_) {
        control_in_ = flow;
        accept = true;
      }
    } else {
      bool ours = control_out_ && *association == *control_out_;
      for (auto& [sid, s] : streams_) ours = ours || (s.out && s.out->owns(*association));
      // §5.3.5.1: stream flows (or more stream-0 flows) in return to our control flow.
      accept = ours && (md->stream_id == 0 || streams_.contains(md->stream_id));
    }
  }
  if (!accept) {
    (void)port_.reject_flow(now, flow, 0);  // §5.3.5.3: code 0
    log_.push_back(md ? "rejected an unexpected flow for stream " + std::to_string(md->stream_id)
                      : "rejected a flow that is not an RTMP 'TC' flow");
    return;
  }
  rx_.add_flow(flow, md->stream_id);
}

void NetConnectionServer::on_flow_message(TimePoint now, FlowId flow, ByteView data) {
  if (!rx_.has_flow(flow) || ended_) return;
  std::vector<rtmp::Message> out;
  if (auto r = rx_.on_message(flow, data, out); !r) {
    log_.push_back("bad message: " + r.error().detail);
    end(now);
    return;
  }
  for (auto& m : out) on_message(now, std::move(m));
}

void NetConnectionServer::on_flow_finished(TimePoint now, FlowId flow) {
  rx_.remove_flow(flow);
  if (control_in_ && flow == *control_in_ && !control_closed_) {
    // §5.3.6: the client closed its control flow: we close our sending flows,
    // and the connection is over once all its flows have completed.
    control_closed_ = true;
    close_sending(now);
  }
  // Messages still held behind a barrier (§5.2) mean flows are still on
  // their way (e.g. deleteStream waiting for the media flows): wait for them;
  // the session's end bounds the wait.
  if (control_closed_ && !ended_ && rx_.all_finished() && rx_.held_bytes() == 0) end(now);
}

void NetConnectionServer::on_flow_rejected(TimePoint now, FlowId flow, std::uint64_t) {
  if (control_out_ && flow == *control_out_) {
    end(now);  // §5.3.6: abrupt close by the client
    return;
  }
  for (auto& [sid, s] : streams_)
    if (s.out && s.out->owns(flow)) {
      // §5.3.5.3: the client does not want this stream's flows any more.
      stop_stream(now, sid, true);
      return;
    }
}

void NetConnectionServer::on_session_closed(bool orderly) {
  ended_ = true;
  release(/*abrupt=*/!orderly);
}

void NetConnectionServer::close_sending(TimePoint now) {
  if (sending_closed_) return;
  sending_closed_ = true;
  for (auto& [sid, s] : streams_)
    if (s.out) s.out->close(now, port_);
  if (control_out_) (void)close_tc_flow(now, port_, *control_out_, 0);
}

void NetConnectionServer::end(TimePoint now) {
  if (ended_) return;
  ended_ = true;
  release();
  close_sending(now);
  outbox_.clear();
  outbox_bytes_ = 0;
}

std::uint64_t NetConnectionServer::buffered() const {
  std::uint64_t n = control_out_ ? port_.buffered(*control_out_) : 0;
  for (const auto& [sid, s] : streams_)
    if (s.out) n += s.out->buffered(port_);
  return n;
}

// ------------------------------------------------------------------ sending

void NetConnectionServer::reply(TimePoint now, const std::string& name, double trid, Value obj, std::vector<Value> args) {
  if (!control_out_) return;
  auto m = rtmp::encode_command(rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, amf3_);
  if (!m) return;
  (void)port_.write(now, *control_out_, encode_message(m->type, 0, m->payload), std::nullopt);
}

void NetConnectionServer::send_user_control(TimePoint now, Bytes payload) {
  if (control_out_) (void)port_.write(now, *control_out_, encode_message(kUserControlType, 0, payload), std::nullopt);
}

NetConnectionServer::Stream* NetConnectionServer::stream(std::uint32_t sid) {
  auto it = streams_.find(sid);
  return it == streams_.end() ? nullptr : &it->second;
}

StreamSender& NetConnectionServer::sender(std::uint32_t sid) {
  Stream& s = streams_[sid];
  // §5.3.5.2: our stream flows are associated to the client's control flow.
  // Review R1: after closeStream (or a rejected lane) the old sender is
  // closed; a new play/publish on the same NetStream gets fresh lanes.
  if (!s.out || s.out->closed()) s.out.emplace(sid, control_in_, policy_.loss);
  return *s.out;
}

void NetConnectionServer::stream_send(TimePoint now, std::uint32_t sid, const rtmp::Message& m) {
  if (ended_) return;
  if (auto r = sender(sid).send(now, port_, m.type, m.timestamp, m.payload); !r)
    log_.push_back("cannot send on stream " + std::to_string(sid) + ": " + r.error().message());
}

void NetConnectionServer::status(TimePoint now, std::uint32_t sid, std::string_view level, std::string_view code,
                                 std::string desc) {
  auto m = rtmp::encode_command(
      rtmp::Command{"onStatus", 0, Value::null(), {rtmp::status_info(level, code, desc)}}, sid, amf3_);
  if (m) stream_send(now, sid, *m);
}

void NetConnectionServer::stop_stream(TimePoint now, std::uint32_t sid, bool close_flows) {
  if (publishing_sid_ == sid) {
    flush_merge();
    registry_.unpublish(policy_.key(), this);
    publishing_sid_.reset();
    std::string line = "publisher of " + policy_.key() + " stopped";
    if (merge_.forced() || merge_.late())
      line += " (timestamp merge: " + std::to_string(merge_.forced()) + " message(s) let go by a bound, " +
              std::to_string(merge_.late()) + " behind the stream)";
    log_.push_back(line);
  }
  if (playing_sid_ == sid) {
    registry_.remove_player(policy_.key(), this);
    playing_sid_.reset();
    log_.push_back("player of " + policy_.key() + " stopped");
  }
  if (Stream* s = stream(sid)) {
    s->role = Stream::Role::none;
    if (close_flows && s->out) s->out->close(now, port_);
  }
}

// ------------------------------------------------------------------ receiving

void NetConnectionServer::on_published(TimePoint now, rtmp::Message m) {
  if (m.type == mt::data_amf0 || m.type == mt::data_amf3) {
    auto d = rtmp::to_player_data(m, 0);
    if (d.kind == rtmp::PlayerData::Kind::drop) return;
    if (d.kind == rtmp::PlayerData::Kind::clear_metadata) {
      flush_merge();
      registry_.clear_metadata(policy_.key());
      return;
    }
    m = std::move(d.message);
  }
  m.stream_id = 0;
  last_media_ = now;
  std::vector<rtmp::Message> out;
  merge_.push(now, std::move(m), out);
  publish_merged(out);
}

void NetConnectionServer::on_message(TimePoint now, rtmp::Message m) {
  if (ended_) return;
  // Commands and control stay behind the media that arrived before them
  // (e.g. deleteStream behind its Flow Synchronization barrier, §5.2).
  if (!TimestampMerge::merged_type(m.type)) flush_merge();
  switch (m.type) {
    case mt::command_amf0:
    case mt::command_amf3: {
      auto c = rtmp::decode_command(m);
      if (!c) {
        log_.push_back("bad command: " + c.error().detail);
        return;
      }
      return on_command(now, *c, m.stream_id);
    }
    case mt::audio:
    case mt::video:
    case mt::data_amf0:
    case mt::data_amf3:
      if (publishing_sid_ && m.stream_id == *publishing_sid_) on_published(now, std::move(m));
      return;
    default:
      return;  // user control from clients (SetBufferLength …), shared objects: nothing to do
  }
}

void NetConnectionServer::on_command(TimePoint now, const rtmp::Command& c, std::uint32_t sid) {
  auto first_string = [&]() -> std::string {
    if (!c.args.empty() && c.args[0].as_string()) return std::string(*c.args[0].as_string());
    return {};
  };
  if (c.name == "connect") {
    if (connected_ || sid != 0 || !control_in_) return;
    // §5.3.2: the return control flow, associated to the client's control flow.
    auto f = port_.open_flow(now, encode_metadata({0, false}), control_in_,
                             flow::FlowOptions{.priority = 4, .time_critical = false});
    if (!f) {
      log_.push_back("cannot open the return control flow: " + f.error().message());
      end(now);
      return;
    }
    control_out_ = *f;
    const Value* app = c.command_object.get("app");
    app_ = app && app->as_string() ? std::string(*app->as_string()) : std::string();
    if (auto q = app_.find('?'); q != std::string::npos) app_.resize(q);
    while (!app_.empty() && app_.back() == '/') app_.pop_back();
    double enc = 0;
    if (const Value* oe = c.command_object.get("objectEncoding"); oe && oe->as_number()) enc = *oe->as_number();
    amf3_ = enc == 3;  // E§8.1.1: answer 3 only if the client asked for it
    if (app_ != policy_.app) {
      reply(now, "_error", c.transaction_id, Value::null(),
            {rtmp::status_info("error", "NetConnection.Connect.Rejected",
                               "unknown application '" + app_ + "' (this server has '" + policy_.app + "')")});
      log_.push_back("rejected connect to unknown application '" + app_ + "'");
      end(now);
      return;
    }
    connected_ = true;
    Value info = rtmp::status_info("status", "NetConnection.Connect.Success", "Connection succeeded.");
    info.set("objectEncoding", Value::number(amf3_ ? 3 : 0));
    reply(now, "_result", c.transaction_id,
          Value::object({{"fmsVer", Value::string("FMS/3,5,7,7009")}, {"capabilities", Value::number(31)}}),
          {std::move(info)});
    send_user_control(now, encode_set_keepalive(policy_.keepalive));  // §5.3.4
    log_.push_back("connected to " + app_);
    return;
  }
  if (!connected_) {
    if (c.transaction_id != 0)
      reply(now, "_error", c.transaction_id, Value::null(),
            {rtmp::status_info("error", "NetConnection.Call.Failed", "'" + c.name + "' before connect")});
    return;
  }
  if (c.name == "setPeerInfo") {
    // §5.3.3: NAT iff the observed address is not among the client's.
    behind_nat_ = true;
    for (const auto& a : c.args)
      if (a.as_string() && std::string(*a.as_string()) == peer_) behind_nat_ = false;
    log_.push_back(std::string("setPeerInfo with ") + std::to_string(c.args.size()) + " address(es)" +
                   (behind_nat_ ? ", assumed behind a NAT" : ""));
    return;
  }
  if (c.name == "createStream") {
    if (streams_.size() >= policy_.max_streams) {
      reply(now, "_error", c.transaction_id, Value::null(),
            {rtmp::status_info("error", "NetConnection.Call.Failed", "too many streams")});
      return;
    }
    const std::uint32_t id = next_sid_++;
    streams_[id];
    reply(now, "_result", c.transaction_id, Value::null(), {Value::number(id)});
    return;
  }
  if (c.name == "deleteStream" || c.name == "closeStream") {
    std::uint32_t target = sid;  // E§8.3: deleteStream on stream 0 names the stream
    if (!c.args.empty() && c.args[0].as_number()) target = static_cast<std::uint32_t>(*c.args[0].as_number());
    stop_stream(now, target, true);
    return;
  }
  if (c.name == "publish") {
    Stream* s = stream(sid);
    if (!s || sid == 0) return;
    const std::string name = first_string();
    if (auto ok = admit(true, name); !ok) {
      status(now, sid, "error", "NetStream.Publish.BadName", ok.error().detail);
      log_.push_back("refused publish of '" + app_ + "/" + name.substr(0, name.find('?')) + "' (BadName: " +
                     ok.error().detail + ")");
      return;
    }
    if (publishing_sid_) {
      status(now, sid, "error", "NetStream.Publish.BadName", "already publishing");
      return;
    }
    if (auto r = registry_.publish(policy_.key(), this); !r) {
      status(now, sid, "error", "NetStream.Publish.BadName", r.error().detail);
      log_.push_back("refused publish of '" + policy_.key() + "': " + r.error().detail);
      return;
    }
    publishing_sid_ = sid;
    last_media_ = now;
    merge_.reset();
    s->role = Stream::Role::publishing;
    stream_send(now, sid, rtmp::control::stream_begin(sid));
    status(now, sid, "status", "NetStream.Publish.Start", policy_.key() + " is now published.");
    log_.push_back("publishing " + policy_.key());
    return;
  }
  if (c.name == "play") {
    Stream* s = stream(sid);
    if (!s || sid == 0) return;
    const std::string name = first_string();
    Result<void> ok = playing_sid_ ? Result<void>(fail(Errc::refused, "already playing")) : admit(false, name);
    if (!ok) {
      status(now, sid, "error", "NetStream.Play.StreamNotFound", ok.error().detail);
      log_.push_back("refused play of '" + app_ + "/" + name.substr(0, name.find('?')) + "' (StreamNotFound: " +
                     ok.error().detail + ")");
      return;
    }
    // Review I3: register first; Play.Start only if that worked (the
    // priming it queued is flushed after Play.Start), else Play.Failed alone.
    playing_sid_ = sid;
    if (auto r = registry_.add_player(policy_.key(), this); !r) {
      playing_sid_.reset();
      status(now, sid, "error", "NetStream.Play.Failed", r.error().detail);
      return;
    }
    s->role = Stream::Role::playing;
    last_media_ = now;
    stream_send(now, sid, rtmp::control::stream_begin(sid));
    status(now, sid, "status", "NetStream.Play.Reset", "Playing and resetting " + policy_.key() + ".");
    status(now, sid, "status", "NetStream.Play.Start", "Started playing " + policy_.key() + ".");
    log_.push_back("playing " + policy_.key());
    flush(now);  // the cached metadata, sequence headers and GOP
    return;
  }
  if (c.name == "releaseStream" || c.name == "FCPublish" || c.name == "FCUnpublish" || c.name == "FCSubscribe" ||
      c.name == "getStreamLength" || c.name == "_checkbw") {
    if (c.transaction_id != 0) reply(now, "_result", c.transaction_id, Value::null(), {Value::undefined()});
    return;
  }
  if (c.transaction_id != 0)
    reply(now, "_error", c.transaction_id, Value::null(),
          {rtmp::status_info("error", "NetConnection.Call.Failed", "Method not found: " + c.name)});
}

Result<void> NetConnectionServer::admit(bool publish, const std::string& name) const {
  if (publish && !policy_.allow_publish) return fail(Errc::refused, "this server does not accept publishers");
  const std::string shown = app_ + "/" + name.substr(0, name.find('?'));  // never echo a token
  if (!publish && !policy_.allow_play) return fail(Errc::refused, "no stream '" + shown + "' here");
  if (policy_.authorize) {
    auto key = policy_.authorize(publish, app_, name);
    if (!key) return std::unexpected(key.error());
    if (*key != policy_.key()) return fail(Errc::refused, "no stream '" + *key + "' here");
    return {};
  }
  if (name != policy_.stream)
    return fail(Errc::refused, publish ? "no stream '" + name + "' here (publish '" + policy_.stream + "')"
                                       : "no stream '" + shown + "' here");
  return {};
}

// ------------------------------------------------------------------ players

void NetConnectionServer::deliver(const rtmp::Message& m) {
  if (ended_ || !playing_sid_ || overloaded_) return;
  // Framed once for all players (RFC 7425 §5.1.2), shared by their flows.
  outbox_bytes_ += m.payload.size();
  outbox_.push_back(encoder_->encode(m));
}

void NetConnectionServer::publisher_started() {
  if (!ended_ && playing_sid_) outbox_.push_back(Started{});
}

void NetConnectionServer::publisher_stopped() {
  if (!ended_ && playing_sid_) outbox_.push_back(Stopped{});
}

void NetConnectionServer::flush(TimePoint now) {
  if (publishing_sid_ && !ended_) {
    std::vector<rtmp::Message> out;
    merge_.poll(now, out);
    publish_merged(out);
  }
  while (!outbox_.empty()) {
    Item item = std::move(outbox_.front());
    outbox_.pop_front();
    if (ended_ || !playing_sid_) continue;
    const std::uint32_t sid = *playing_sid_;
    last_media_ = now;
    if (auto* m = std::get_if<SharedMessage>(&item)) {
      outbox_bytes_ -= m->payload().size();
      StreamSender& out = sender(sid);
      if (out.buffered(port_) > policy_.max_player_backlog) {
        overloaded_ = true;  // the owner drops this connection
        continue;
      }
      if (auto r = out.send(now, port_, *m); !r)
        log_.push_back("cannot send on stream " + std::to_string(sid) + ": " + r.error().message());
    } else if (std::holds_alternative<Started>(item)) {
      streams_[sid].eof_sent = false;
      stream_send(now, sid, rtmp::control::stream_begin(sid));
    } else if (!streams_[sid].eof_sent) {
      // §5.2: StreamEOF and UnpublishNotify after all media of the stream.
      streams_[sid].eof_sent = true;
      (void)sender(sid).sync(now, port_, next_sync_id_++, 0);
      stream_send(now, sid, rtmp::control::stream_eof(sid));
      status(now, sid, "status", "NetStream.Play.UnpublishNotify", policy_.key() + " is now unpublished.");
    }
  }
  outbox_bytes_ = 0;
}

}  // namespace rtmfp::media::gateway
