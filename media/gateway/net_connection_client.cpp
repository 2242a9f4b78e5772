// See net_connection_client.hpp.
#include "media/gateway/net_connection_client.hpp"

#include "media/rtmp/control.hpp"

namespace rtmfp::media::gateway {

namespace {
using rtmp::Value;
namespace mt = rtmp::msg_type;

std::string describe(const rtmp::Command& c) {
  std::string code = rtmp::info_code(c).value_or(c.name);
  for (const auto& a : c.args)
    if (const Value* d = a.get("description"); d && d->as_string() && !d->as_string()->empty())
      return code + ": " + std::string(*d->as_string());
  return code;
}
}  // namespace

NetConnectionClient::NetConnectionClient(NcClientConfig config) : cfg_(std::move(config)), merge_(cfg_.merge) {}

void NetConnectionClient::emit_media(std::vector<rtmp::Message>& out) {
  for (auto& m : out) events_.push_back({NcClientEvent::Kind::media, std::move(m), {}, {}, {}});
  out.clear();
}

void NetConnectionClient::flush_merge() {
  std::vector<rtmp::Message> out;
  merge_.flush(out);
  emit_media(out);
}

void NetConnectionClient::poll(TimePoint now) {
  if (state_ == State::failed || state_ == State::ended) return;
  std::vector<rtmp::Message> out;
  merge_.poll(now, out);
  emit_media(out);
}

void NetConnectionClient::fail_with(Errc code, std::string what) {
  if (state_ == State::failed || state_ == State::ended) return;
  flush_merge();  // what arrived before the failure is still delivered first
  state_ = State::failed;
  events_.push_back({NcClientEvent::Kind::failed, {}, Error{code, what}, {}, what});
}

void NetConnectionClient::call(TimePoint now, FlowPort& port, const std::string& name, double trid, Value obj,
                               std::vector<Value> args) {
  if (!control_) return;
  auto m = rtmp::encode_command(rtmp::Command{name, trid, std::move(obj), std::move(args)}, 0, false);
  if (!m) return fail_with(m.error().code, "cannot encode " + name + ": " + m.error().detail);
  Bytes framed = encode_message(m->type, 0, m->payload);  // §5.1.2
  if (auto w = port.write(now, *control_, framed, std::nullopt); !w)
    fail_with(Errc::io_error, "cannot send " + name + ": " + w.error().message());
}

Result<void> NetConnectionClient::start(TimePoint now, FlowPort& port) {
  if (state_ != State::idle) return fail(Errc::bad_state, "NetConnection already started");
  // §5.3.1: a new flow for stream ID 0, receive intent 0.
  Bytes meta = encode_metadata({0, false});
  auto f = port.open_flow(now, meta, std::nullopt, flow::FlowOptions{.priority = 4, .time_critical = false});
  if (!f) return std::unexpected(f.error());
  control_ = *f;
  state_ = State::connecting;
  connect_trid_ = next_trid_++;
  std::vector<amf::Property> props = {
      {"app", Value::string(cfg_.app)},
      {"flashVer", Value::string(cfg_.flash_ver)},
      {"tcUrl", Value::string(cfg_.tc_url)},
      {"fpad", Value(false)},
      {"capabilities", Value::number(15)},
  };
  if (!cfg_.publish) {
    props.push_back({"audioCodecs", Value::number(4071)});
    props.push_back({"videoCodecs", Value::number(252)});
    props.push_back({"videoFunction", Value::number(1)});
  }
  props.push_back({"objectEncoding", Value::number(0)});  // AMF0 commands (E§8.1.1)
  call(now, port, "connect", connect_trid_, Value::object(std::move(props)), {});
  return {};
}

void NetConnectionClient::on_flow_incoming(TimePoint now, FlowPort& port, FlowId flow, ByteView metadata,
                                           std::optional<FlowId> association) {
  auto md = decode_metadata(metadata);
  const bool ours = association && ((control_ && *association == *control_) || (stream_ && stream_->owns(*association)));
  // §5.1.1 (unknown signature, SID clear) and §5.3.5.3 (unexpected flows): code 0.
  if (!md || !ours || state_ == State::failed || state_ == State::ended) {
    (void)port.reject_flow(now, flow, 0);
    return;
  }
  if (md->stream_id == 0) {
    if (!canonical_return_) canonical_return_ = flow;  // §5.3.2
    rx_.add_flow(flow, 0);
  } else if (sid_ != 0 && md->stream_id == sid_) {
    rx_.add_flow(flow, sid_);
  } else {
    (void)port.reject_flow(now, flow, 0);
  }
}

void NetConnectionClient::on_flow_message(TimePoint now, FlowPort& port, FlowId flow, ByteView data) {
  if (!rx_.has_flow(flow)) return;
  std::vector<rtmp::Message> out;
  if (auto r = rx_.on_message(flow, data, out); !r) fail_with(Errc::malformed, "from the server: " + r.error().detail);
  for (auto& m : out) on_message(now, port, std::move(m));
}

void NetConnectionClient::on_message(TimePoint now, FlowPort& port, rtmp::Message m) {
  if (state_ == State::failed || state_ == State::ended) return;
  const bool playing = !cfg_.publish && (state_ == State::starting || state_ == State::streaming);
  // Commands and control (onStatus, StreamEOF) stay behind the media that
  // arrived before them (§5.2).
  if (!TimestampMerge::merged_type(m.type)) flush_merge();
  switch (m.type) {
    case mt::user_control: {
      if (auto k = decode_set_keepalive(m.payload)) {
        if (!*k || m.stream_id != 0) return;  // §5.3.4: stream ID 0 only
        SetKeepalive c = clamp_keepalive(**k, cfg_.keepalive);  // MUST enforce minimums
        keepalive_ = milliseconds(c.server_period_ms);
        events_.push_back({NcClientEvent::Kind::keepalive, {}, {}, c, {}});
        return;
      }
      auto uc = rtmp::control::decode_user_control(m);
      if (uc && uc->event == static_cast<std::uint16_t>(rtmp::UserControlEvent::stream_eof) && playing &&
          uc->value == sid_) {
        state_ = State::ended;
        events_.push_back({NcClientEvent::Kind::ended, {}, {}, {}, "StreamEOF"});
      }
      return;
    }
    case mt::command_amf0:
    case mt::command_amf3: {
      auto c = rtmp::decode_command(m);
      if (!c) return fail_with(Errc::malformed, "bad command from the server: " + c.error().detail);
      return on_command(now, port, *c, m.stream_id);
    }
    case mt::audio:
    case mt::video:
    case mt::data_amf0:
    case mt::data_amf3: {
      if (!playing || m.stream_id != sid_) return;
      if (m.type == mt::data_amf0 || m.type == mt::data_amf3) {
        auto d = rtmp::to_player_data(m, m.stream_id);
        if (d.kind != rtmp::PlayerData::Kind::pass) return;  // undecodable, @clearDataFrame
        m = std::move(d.message);
      }
      std::vector<rtmp::Message> out;
      merge_.push(now, std::move(m), out);
      emit_media(out);
      return;
    }
    case mt::aggregate: {
      // Review I5: a server may aggregate a stream's messages (R§7.1.6), as
      // the RTMP client accepts them; each part goes its own way.
      if (!playing || m.stream_id != sid_) return;
      auto parts = rtmp::split_aggregate(m);
      if (!parts) return fail_with(Errc::malformed, "bad aggregate from the server: " + parts.error().detail);
      for (auto& p : *parts)
        if (p.type != mt::aggregate) on_message(now, port, std::move(p));
      return;
    }
    default:
      return;  // shared objects: ignored
  }
}

void NetConnectionClient::on_command(TimePoint now, FlowPort& port, const rtmp::Command& c, std::uint32_t stream_id) {
  const std::string code = rtmp::info_code(c).value_or("");
  if (c.name == "_error") {
    if (c.transaction_id == connect_trid_) return fail_with(Errc::refused, "connect rejected: " + describe(c));
    if (c.transaction_id == create_trid_) return fail_with(Errc::refused, "createStream failed: " + describe(c));
    return;
  }
  if (c.name == "_result" && c.transaction_id == connect_trid_ && state_ == State::connecting) {
    if (code != "NetConnection.Connect.Success") return fail_with(Errc::refused, "connect rejected: " + describe(c));
    events_.push_back({NcClientEvent::Kind::connected, {}, {}, {}, code});
    // §5.3.3: the client MUST send setPeerInfo after a successful connect.
    std::vector<Value> addrs;
    for (const auto& a : cfg_.peer_addresses) addrs.push_back(Value::string(a));
    call(now, port, "setPeerInfo", 0, Value::null(), std::move(addrs));
    state_ = State::creating;
    create_trid_ = next_trid_++;
    call(now, port, "createStream", create_trid_, Value::null(), {});
    return;
  }
  if (c.name == "_result" && c.transaction_id == create_trid_ && state_ == State::creating) {
    if (c.args.empty() || !c.args[0].as_number() || *c.args[0].as_number() < 1 || *c.args[0].as_number() > 0xffffff)
      return fail_with(Errc::malformed, "createStream _result without a valid stream ID");
    sid_ = static_cast<std::uint32_t>(*c.args[0].as_number());
    // §5.3.5.1: stream flows are associated to the server's canonical control flow.
    stream_.emplace(sid_, canonical_return_, cfg_.loss);
    state_ = State::starting;
    std::vector<Value> args = {Value::string(cfg_.stream)};
    args.push_back(cfg_.publish ? Value::string("live") : Value::number(-2000));
    auto m = rtmp::encode_command(rtmp::Command{cfg_.publish ? "publish" : "play", 0, Value::null(), std::move(args)},
                                  sid_, false);
    if (!m) return fail_with(m.error().code, m.error().detail);
    if (auto r = stream_->send(now, port, m->type, 0, m->payload); !r)
      return fail_with(Errc::io_error, "cannot send " + std::string(cfg_.publish ? "publish" : "play") + ": " + r.error().message());
    return;
  }
  if (c.name == "onStatus") {
    if (code == "NetStream.Publish.Start" && cfg_.publish && state_ == State::starting && stream_id == sid_) {
      state_ = State::streaming;
      events_.push_back({NcClientEvent::Kind::publishing, {}, {}, {}, code});
    } else if (code == "NetStream.Play.Start" && !cfg_.publish && state_ == State::starting && stream_id == sid_) {
      state_ = State::streaming;
      events_.push_back({NcClientEvent::Kind::playing, {}, {}, {}, code});
    } else if (code == "NetStream.Publish.BadName" || code == "NetStream.Play.StreamNotFound" ||
               code == "NetStream.Play.Failed" || code == "NetStream.Publish.Denied" ||
               code == "NetStream.Play.Denied" || code == "NetConnection.Connect.Rejected") {
      fail_with(Errc::refused, describe(c));
    } else if (!cfg_.publish && stream_id == sid_ &&
               (code == "NetStream.Play.UnpublishNotify" || code == "NetStream.Play.Stop" ||
                code == "NetStream.Play.Complete")) {
      state_ = State::ended;
      events_.push_back({NcClientEvent::Kind::ended, {}, {}, {}, code});
    } else if (code == "NetConnection.Connect.Closed") {
      if (!finishing_) fail_with(Errc::closed, "the server closed the connection");
    }
    return;
  }
  if (c.name == "close") return fail_with(Errc::closed, "the server closed the connection (close command)");
  // onBWDone, _checkbw, _result of other calls: nothing to do.
}

void NetConnectionClient::on_flow_finished(TimePoint now, FlowPort& port, FlowId flow) {
  rx_.remove_flow(flow);
  if (canonical_return_ && flow == *canonical_return_ && !server_closed_) {
    // §5.3.6: the server closed its control flow: close ours.
    server_closed_ = true;
    close_sending(now, port);
    if (cfg_.publish && !finishing_) return fail_with(Errc::closed, "the server closed the connection");
  }
  // Done when every flow from the server completed and no barrier (§5.2)
  // still waits for flows on their way.
  if (!server_closed_ || !rx_.all_finished() || rx_.held_bytes() != 0) return;
  if (state_ == State::ended || state_ == State::failed) return;
  flush_merge();
  if (finishing_) {
    state_ = State::ended;
  } else if (state_ == State::streaming) {
    state_ = State::ended;
    events_.push_back({NcClientEvent::Kind::ended, {}, {}, {}, "connection closed by the server"});
  } else {
    fail_with(Errc::closed, "the server closed the connection");
  }
}

void NetConnectionClient::on_flow_rejected(TimePoint now, FlowPort& port, FlowId flow, std::uint64_t code) {
  if (control_ && flow == *control_) {
    // §5.3.6: an exception on our control flow = the server ended the connection abruptly.
    close_sending(now, port);
    if (finishing_) {
      if (state_ != State::failed) state_ = State::ended;
    } else if (state_ == State::connecting) {
      fail_with(Errc::refused, "the server rejected the NetConnection (flow exception " + std::to_string(code) + ")");
    } else {
      fail_with(Errc::closed, "the server terminated the connection (flow exception " + std::to_string(code) + ")");
    }
    return;
  }
  if (stream_ && stream_->owns(flow) && !finishing_)
    // §5.3.5.3: not replaced by a new flow; the stream cannot go on.
    fail_with(Errc::refused, "the server rejected stream " + std::to_string(sid_) + "'s flow (exception " +
                                 std::to_string(code) + ")");
}

void NetConnectionClient::on_session_closed(const std::string& why) {
  if (state_ == State::streaming) flush_merge();
  if (finishing_) {
    if (state_ != State::failed) state_ = State::ended;
    return;
  }
  fail_with(Errc::closed, "the RTMFP session closed (" + why + ")");
}

Result<void> NetConnectionClient::send_media(TimePoint now, FlowPort& port, const rtmp::Message& m) {
  if (state_ == State::failed) return fail(Errc::closed, "the connection failed");
  if (!cfg_.publish || state_ != State::streaming || !stream_) return fail(Errc::bad_state, "not publishing");
  if (m.type == mt::data_amf0 || m.type == mt::data_amf3) {
    auto d = rtmp::decode_data(m);
    if (d && (d->handler == "onMetaData" || d->handler == "@setDataFrame")) {
      auto enc = rtmp::encode_data(rtmp::add_set_data_frame(std::move(*d)), sid_, m.timestamp, false);
      if (!enc) return std::unexpected(enc.error());
      return stream_->send(now, port, enc->type, enc->timestamp, enc->payload);
    }
  }
  return stream_->send(now, port, m.type, m.timestamp, m.payload);
}

void NetConnectionClient::close_sending(TimePoint now, FlowPort& port) {
  if (sending_closed_) return;
  sending_closed_ = true;
  if (stream_) stream_->close(now, port);
  if (control_) (void)close_tc_flow(now, port, *control_, 0);
}

void NetConnectionClient::finish(TimePoint now, FlowPort& port) {
  if (finishing_ || state_ == State::failed || state_ == State::ended) return;
  finishing_ = true;
  if (stream_ && control_ && state_ == State::streaming) {
    // §5.2: deleteStream must not overtake the stream's media: a barrier over
    // the stream's flows and the control flow, then deleteStream (E§8.3: on stream 0).
    const std::uint32_t id = next_sync_id_++;
    if (auto count = stream_->sync(now, port, id, 1); count && *count > 1) {
      Bytes m = encode_message(kUserControlType, 0, encode_flow_sync({id, *count}));
      (void)port.write(now, *control_, m, std::nullopt);
    }
    if (cfg_.publish) call(now, port, "FCUnpublish", 0, Value::null(), {Value::string(cfg_.stream)});
    call(now, port, "deleteStream", 0, Value::null(), {Value::number(sid_)});
  }
  state_ = State::closing;
  close_sending(now, port);  // §5.3.6
}

std::uint64_t NetConnectionClient::buffered(const FlowPort& port) const {
  std::uint64_t n = stream_ ? stream_->buffered(port) : 0;
  if (control_) n += port.buffered(*control_);
  return n;
}

}  // namespace rtmfp::media::gateway
