// See server_session.hpp.
#include "media/rtmp/server_session.hpp"

namespace rtmfp::media::rtmp {

ServerSession::ServerSession(StreamRegistry& registry, ServerOptions opts)
    : registry_(registry), opts_(opts), hs_(HandshakeRole::server), parser_(opts.pre_connect_limits) {}

ServerSession::~ServerSession() { close(); }

void ServerSession::close() {
  // Still publishing here = the connection ended without FCUnpublish or
  // deleteStream (reset, timeout, error): an abrupt loss, not an orderly end.
  if (!publish_key_.empty()) registry_.unpublish(publish_key_, this, /*abrupt=*/true);
  if (!play_key_.empty()) registry_.remove_player(play_key_, this);
  publish_key_.clear();
  play_key_.clear();
  closed_ = true;
}

Bytes ServerSession::take_output() { return std::exchange(out_, Bytes{}); }
std::vector<ServerEvent> ServerSession::take_events() { return std::exchange(events_, {}); }

void ServerSession::send(Message m) {
  if (closed_) return;
  (void)ser_.write(m, out_);  // only fails for invalid csid/size, which we never produce
}

void ServerSession::send_command(const std::string& name, double trid, Value obj, std::vector<Value> args,
                                 std::uint32_t sid) {
  auto m = encode_command(Command{name, trid, std::move(obj), std::move(args)}, sid, amf3_);
  if (m) send(std::move(*m));
}

void ServerSession::status(std::uint32_t sid, std::string_view level, std::string_view code, std::string_view desc) {
  send_command("onStatus", 0, Value::null(), {status_info(level, code, desc)}, sid);
}

Result<void> ServerSession::receive(ByteView data, TimePoint now) {
  (void)now;
  if (closed_) return fail(Errc::closed, "session closed");
  if (failed_) return std::unexpected(*failed_);
  auto r = receive_bytes(data);
  if (!r) failed_ = r.error();
  return r;
}

Result<void> ServerSession::receive_bytes(ByteView data) {
  std::vector<Message> msgs;
  if (!hs_.done()) {
    auto r = hs_.feed(data, out_);
    if (!r) {
      events_.push_back({ServerEvent::Kind::error, {}, r.error().detail});
      return r;
    }
    if (!hs_.done()) return {};
    Bytes rest = hs_.take_leftover();
    hs_bytes_ = hs_.bytes_received() - rest.size();
    if (auto p = parser_.feed(rest, msgs); !p) {
      events_.push_back({ServerEvent::Kind::error, {}, p.error().detail});
      return p;
    }
  } else if (auto p = parser_.feed(data, msgs); !p) {
    events_.push_back({ServerEvent::Kind::error, {}, p.error().detail});
    return p;
  }
  for (auto& m : msgs) {
    if (auto r = on_message(std::move(m)); !r) {
      events_.push_back({ServerEvent::Kind::error, {}, r.error().detail});
      return r;
    }
  }
  if (auto ack = acks_.on_received(hs_bytes_ + parser_.bytes_received())) send(std::move(*ack));  // R§5.4.3
  return {};
}

Result<void> ServerSession::on_message(Message m) {
  switch (m.type) {
    case msg_type::set_chunk_size:
    case msg_type::abort:
    case msg_type::acknowledgement:
    case msg_type::set_peer_bandwidth:
      return {};
    case msg_type::window_ack_size: {
      auto v = control::decode_u32(m);
      if (!v) return std::unexpected(v.error());
      acks_.set_window(*v);
      return {};
    }
    case msg_type::user_control: {
      auto uc = control::decode_user_control(m);
      if (!uc) return std::unexpected(uc.error());
      if (uc->event == static_cast<std::uint16_t>(UserControlEvent::ping_request)) send(control::ping_response(uc->value));
      return {};
    }
    case msg_type::command_amf0:
    case msg_type::command_amf3: {
      auto c = decode_command(m);
      if (!c) return std::unexpected(c.error());
      return on_command(*c, m);
    }
    case msg_type::data_amf0:
    case msg_type::data_amf3:
    case msg_type::audio:
    case msg_type::video: {
      if (publish_key_.empty() || m.stream_id != publish_sid_) return {};  // not publishing: ignore
      if (m.type == msg_type::data_amf0 || m.type == msg_type::data_amf3) {
        // onMetaData, onCuePoint, onTextData, onCaptionInfo, … reach the
        // players; only @setDataFrame is taken off (review I4).
        auto d = to_player_data(m, 0);
        if (d.kind == PlayerData::Kind::clear_metadata) registry_.clear_metadata(publish_key_);
        if (d.kind == PlayerData::Kind::pass) registry_.on_media(publish_key_, d.message);
        return {};  // undecodable data is tolerated and dropped
      }
      registry_.on_media(publish_key_, m);
      return {};
    }
    case msg_type::aggregate: {
      auto parts = split_aggregate(m);
      if (!parts) return std::unexpected(parts.error());
      for (auto& p : *parts)
        if (auto r = on_message(std::move(p)); !r) return r;
      return {};
    }
    default:
      return {};  // shared objects etc.: ignored
  }
}

Result<void> ServerSession::on_command(const Command& c, const Message& m) {
  if (c.name == "connect") {
    if (connected_) return fail(Errc::bad_state, "second connect on one connection");
    const Value* app = c.command_object.get("app");
    if (!app || !app->as_string()) return fail(Errc::malformed, "connect without an 'app' string");
    app_ = std::string(*app->as_string());
    if (auto q = app_.find('?'); q != std::string::npos) app_.resize(q);
    while (!app_.empty() && app_.back() == '/') app_.pop_back();
    double enc = 0;
    if (const Value* oe = c.command_object.get("objectEncoding"); oe && oe->as_number()) enc = *oe->as_number();
    amf3_ = enc == 3;  // E§8.1.1: never answer 3 unless the client sent 3
    connected_ = true;
    parser_.set_limits(opts_.connected_limits);  // review P4: widened once connected
    send(control::window_ack_size(opts_.window_ack_size));
    send(control::set_peer_bandwidth(opts_.peer_bandwidth, BandwidthLimit::dynamic));
    send(control::set_chunk_size(opts_.chunk_size));
    (void)ser_.set_chunk_size(opts_.chunk_size);
    Value info = status_info("status", "NetConnection.Connect.Success", "Connection succeeded.");
    info.set("objectEncoding", Value::number(amf3_ ? 3 : 0));
    send_command("_result", c.transaction_id,
                 Value::object({{"fmsVer", Value::string("FMS/3,0,1,123")}, {"capabilities", Value::number(31)}}),
                 {std::move(info)}, 0);
    events_.push_back({ServerEvent::Kind::connected, app_, {}});
    return {};
  }
  if (!connected_) return fail(Errc::bad_state, "command '" + c.name + "' before connect");
  auto stream_name = [&]() -> std::string {
    if (!c.args.empty() && c.args[0].as_string()) return std::string(*c.args[0].as_string());
    return {};
  };
  if (c.name == "createStream") {
    if (next_sid_ > 16) return fail(Errc::limit_exceeded, "too many createStream calls");
    send_command("_result", c.transaction_id, Value::null(), {Value::number(next_sid_++)}, 0);
    return {};
  }
  if (c.name == "releaseStream" || c.name == "FCPublish" || c.name == "FCUnpublish" || c.name == "_checkbw" ||
      c.name == "getStreamLength" || c.name == "FCSubscribe" || c.name == "FCUnsubscribe") {
    if (c.name == "FCUnpublish" && !publish_key_.empty()) {
      registry_.unpublish(publish_key_, this);
      events_.push_back({ServerEvent::Kind::stopped, publish_key_, {}});
      publish_key_.clear();
    }
    // getStreamLength expects a number (ffmpeg warns otherwise): a live stream has length 0.
    if (c.transaction_id != 0)
      send_command("_result", c.transaction_id, Value::null(),
                   {c.name == "getStreamLength" ? Value::number(0) : Value::undefined()}, 0);
    return {};
  }
  if (c.name == "publish") {
    std::string name = stream_name();
    if (name.empty()) {
      status(m.stream_id, "error", "NetStream.Publish.BadName", "No stream name");
      return {};
    }
    std::string key = app_ + "/" + name;
    if (opts_.authorize) {
      auto k = opts_.authorize(true, app_, name);
      if (!k) {
        status(m.stream_id, "error", "NetStream.Publish.BadName", k.error().detail);
        return {};
      }
      key = std::move(*k);
    }
    if (!publish_key_.empty()) {
      status(m.stream_id, "error", "NetStream.Publish.BadName", "Already publishing");
      return {};
    }
    if (auto r = registry_.publish(key, this); !r) {
      status(m.stream_id, "error", "NetStream.Publish.BadName", r.error().detail);
      return {};
    }
    publish_key_ = key;
    publish_sid_ = m.stream_id;
    parser_.set_limits(opts_.limits);  // review P4: media messages up to the wire's 16 MiB - 1
    send(control::stream_begin(m.stream_id));
    status(m.stream_id, "status", "NetStream.Publish.Start", key + " is now published.");
    events_.push_back({ServerEvent::Kind::publishing, key, {}});
    return {};
  }
  if (c.name == "play") {
    std::string name = stream_name();
    if (name.empty()) {
      status(m.stream_id, "error", "NetStream.Play.StreamNotFound", "No stream name");
      return {};
    }
    std::string key = app_ + "/" + name;
    if (opts_.authorize) {
      auto k = opts_.authorize(false, app_, name);
      if (!k) {
        status(m.stream_id, "error", "NetStream.Play.StreamNotFound", k.error().detail);
        return {};
      }
      key = std::move(*k);
    }
    if (!play_key_.empty()) registry_.remove_player(play_key_, this);
    play_key_ = std::move(key);
    play_sid_ = m.stream_id;
    // Review I3: register first; Play.Start only if that worked (then the
    // priming messages follow it), else Play.Failed alone and no `playing`.
    priming_ = true;
    auto added = registry_.add_player(play_key_, this);
    priming_ = false;
    std::vector<Message> primed = std::exchange(primed_, {});
    if (!added) {
      status(play_sid_, "error", "NetStream.Play.Failed", added.error().detail);
      play_key_.clear();
      return {};
    }
    send(control::stream_begin(play_sid_));
    status(play_sid_, "status", "NetStream.Play.Reset", "Playing and resetting " + play_key_ + ".");
    status(play_sid_, "status", "NetStream.Play.Start", "Started playing " + play_key_ + ".");
    events_.push_back({ServerEvent::Kind::playing, play_key_, {}});
    for (const auto& pm : primed) send_to_player(pm);
    return {};
  }
  if (c.name == "deleteStream" || c.name == "closeStream") {
    // E§8.3: deleteStream arrives on stream 0 with the stream ID as argument.
    std::uint32_t sid = m.stream_id;
    if (!c.args.empty() && c.args[0].as_number()) sid = static_cast<std::uint32_t>(*c.args[0].as_number());
    if (!publish_key_.empty() && sid == publish_sid_) {
      registry_.unpublish(publish_key_, this);
      events_.push_back({ServerEvent::Kind::stopped, publish_key_, {}});
      publish_key_.clear();
    }
    if (!play_key_.empty() && sid == play_sid_) {
      registry_.remove_player(play_key_, this);
      events_.push_back({ServerEvent::Kind::stopped, play_key_, {}});
      play_key_.clear();
    }
    return {};
  }
  // Unknown calls: answer _error when a reply is expected (R§7.2.1.2).
  if (c.transaction_id != 0)
    send_command("_error", c.transaction_id, Value::null(),
                 {status_info("error", "NetConnection.Call.Failed", "Method not found: " + c.name)}, 0);
  return {};
}

void ServerSession::deliver(const Message& m) {
  if (closed_ || play_key_.empty()) return;
  if (priming_) {
    primed_.push_back(m);
    return;
  }
  send_to_player(m);
}

void ServerSession::send_to_player(const Message& m) {
  if (closed_) return;
  if (out_.size() > opts_.max_output_bytes) {
    // Review S2: dropping an arbitrary message (a sequence header, a
    // keyframe) would corrupt the player's decoding: end the session. The
    // registry is iterating its players now, so only mark it closed; the
    // transport sees closed() / the error event and calls close().
    events_.push_back({ServerEvent::Kind::error, play_key_,
                       "player too slow: more than " + std::to_string(opts_.max_output_bytes) + " bytes of output pending"});
    closed_ = true;
    return;
  }
  Message copy = m;
  copy.stream_id = play_sid_;
  copy.csid = 0;
  send(std::move(copy));
}

void ServerSession::publisher_started() {
  if (priming_) return;  // the StreamBegin goes out with Play.Start
  if (!play_key_.empty()) send(control::stream_begin(play_sid_));
}

void ServerSession::publisher_stopped() {
  if (play_key_.empty()) return;
  send(control::stream_eof(play_sid_));
  status(play_sid_, "status", "NetStream.Play.UnpublishNotify", play_key_ + " is now unpublished.");
}

}  // namespace rtmfp::media::rtmp
