// See client_session.hpp.
#include "media/rtmp/client_session.hpp"
#include <algorithm>

namespace rtmfp::media::rtmp {

ClientSession::ClientSession(ClientOptions opts)
    : opts_(std::move(opts)), hs_(HandshakeRole::client), parser_(opts_.limits) {}

Bytes ClientSession::start(TimePoint now) {
  (void)now;
  return hs_.start();  // C1 version field 0 (interop-notes §2b)
}

void ClientSession::call(const std::string& name, double trid, Value obj, std::vector<Value> args, std::uint32_t sid) {
  auto m = encode_command(Command{name, trid, std::move(obj), std::move(args)}, sid, amf3_);
  if (m) send(std::move(*m));
}

Result<void> ClientSession::failure(std::string what, Errc code) {
  state_ = State::failed;
  events_.push_back({ClientEvent::Kind::error, what, {}});
  return fail(code, std::move(what));
}

Result<void> ClientSession::receive(ByteView data, TimePoint now) {
  (void)now;
  if (state_ == State::failed) return fail(Errc::bad_state, "RTMP client session failed earlier");
  std::vector<Message> msgs;
  if (state_ == State::handshake) {
    if (auto r = hs_.feed(data, out_); !r) return failure(r.error().detail);  // the server's handshake bytes: malformed
    if (!hs_.done()) return {};
    Bytes rest = hs_.take_leftover();
    hs_bytes_ = hs_.bytes_received() - rest.size();
    state_ = State::connecting;
    send(control::set_chunk_size(opts_.chunk_size));
    (void)ser_.set_chunk_size(opts_.chunk_size);
    connect_trid_ = next_trid_++;
    std::vector<amf::Property> props = {
        {"app", Value::string(opts_.url.app)},
        {"type", Value::string("nonprivate")},
        {"flashVer", Value::string(opts_.flash_ver)},
        {"tcUrl", Value::string(opts_.url.tc_url)},
    };
    if (!opts_.publish) {
      props.push_back({"fpad", Value(false)});
      props.push_back({"capabilities", Value::number(15)});
      props.push_back({"audioCodecs", Value::number(4071)});  // E§8.1.4 / R§7.2.1.1 flags
      props.push_back({"videoCodecs", Value::number(252)});
      props.push_back({"videoFunction", Value::number(1)});
    }
    if (opts_.object_encoding == 3) props.push_back({"objectEncoding", Value::number(3)});
    call("connect", connect_trid_, Value::object(std::move(props)), {});
    if (auto p = parser_.feed(rest, msgs); !p) return failure(p.error().detail, p.error().code);
  } else if (auto p = parser_.feed(data, msgs); !p) {
    return failure(p.error().detail, p.error().code);
  }
  for (auto& m : msgs)
    if (auto r = on_message(std::move(m)); !r) return r;
  if (auto ack = acks_.on_received(hs_bytes_ + parser_.bytes_received())) send(std::move(*ack));
  return {};
}

Result<void> ClientSession::on_message(Message m) {
  switch (m.type) {
    case msg_type::window_ack_size: {
      auto v = control::decode_u32(m);
      if (!v) return failure(v.error().detail, v.error().code);
      acks_.set_window(*v);
      return {};
    }
    case msg_type::set_peer_bandwidth: {
      // R§5.4.5: Hard sets the limit, Soft lowers it, Dynamic counts as Hard
      // only if the previous limit was Hard (else it is ignored). Answer
      // with Window Acknowledgement Size when the limit differs from the
      // window we last sent (review I6).
      auto bw = control::decode_peer_bandwidth(m);
      if (!bw) return failure(bw.error().detail);
      int type = bw->limit;
      if (type == static_cast<int>(BandwidthLimit::dynamic))
        type = peer_limit_type_ == static_cast<int>(BandwidthLimit::hard) ? static_cast<int>(BandwidthLimit::hard) : -1;
      if (type == static_cast<int>(BandwidthLimit::hard)) {
        peer_limit_ = bw->size;
      } else if (type == static_cast<int>(BandwidthLimit::soft)) {
        peer_limit_ = peer_limit_type_ < 0 ? bw->size : std::min(peer_limit_, bw->size);
      } else {
        return {};
      }
      peer_limit_type_ = type;
      if (peer_limit_ != sent_window_) {
        sent_window_ = peer_limit_;
        send(control::window_ack_size(sent_window_));
      }
      return {};
    }
    case msg_type::user_control: {
      auto uc = control::decode_user_control(m);
      if (!uc) return failure(uc.error().detail, uc.error().code);
      if (uc->event == static_cast<std::uint16_t>(UserControlEvent::ping_request)) send(control::ping_response(uc->value));
      if (uc->event == static_cast<std::uint16_t>(UserControlEvent::stream_eof) && state_ == State::streaming)
        events_.push_back({ClientEvent::Kind::ended, "StreamEOF", {}});
      return {};
    }
    case msg_type::command_amf0:
    case msg_type::command_amf3: {
      auto c = decode_command(m);
      if (!c) return failure(c.error().detail, c.error().code);
      return on_command(*c);
    }
    case msg_type::aggregate: {
      auto parts = split_aggregate(m);
      if (!parts) return failure(parts.error().detail, parts.error().code);
      for (auto& p : *parts)
        if (auto r = on_message(std::move(p)); !r) return r;
      return {};
    }
    case msg_type::data_amf0:
    case msg_type::data_amf3: {
      if (opts_.publish) return {};
      // Every data message but @clearDataFrame reaches the relay (onCuePoint,
      // onTextData, |RtmpSampleAccess, …); @setDataFrame is taken off (review I4).
      auto d = to_player_data(m, m.stream_id);
      if (d.kind == PlayerData::Kind::pass) events_.push_back({ClientEvent::Kind::media, {}, std::move(d.message)});
      return {};
    }
    case msg_type::audio:
    case msg_type::video:
      if (!opts_.publish) events_.push_back({ClientEvent::Kind::media, {}, std::move(m)});
      return {};
    default:
      return {};
  }
}

Result<void> ClientSession::on_command(const Command& c) {
  const auto code = info_code(c).value_or("");
  if (c.name == "_error") {
    if (c.transaction_id == connect_trid_) return failure("connect rejected: " + (code.empty() ? c.name : code), Errc::refused);
    if (c.transaction_id == create_trid_) return failure("createStream failed: " + code, Errc::refused);
    return {};  // e.g. releaseStream/FCPublish unknown to the server
  }
  if (c.name == "_result" && c.transaction_id == connect_trid_ && state_ == State::connecting) {
    if (code.find("Rejected") != std::string::npos || code.find("Failed") != std::string::npos)
      return failure("connect rejected: " + code, Errc::refused);
    if (opts_.object_encoding == 3) {
      // E§8.1.1: the server's answer decides; no answer means AMF0.
      const Value* oe = nullptr;
      for (const auto& a : c.args)
        if (!oe) oe = a.get("objectEncoding");
      if (!oe) oe = c.command_object.get("objectEncoding");
      amf3_ = oe && oe->as_number() && *oe->as_number() == 3;
    }
    events_.push_back({ClientEvent::Kind::connected, code, {}});
    state_ = State::creating;
    if (sent_window_ == 0 && opts_.window_ack_size != 0) {  // review I6: announce our window (R§5.4.4)
      sent_window_ = opts_.window_ack_size;
      send(control::window_ack_size(sent_window_));
    }
    if (opts_.publish) {
      call("releaseStream", next_trid_++, Value::null(), {Value::string(opts_.url.stream)});
      call("FCPublish", next_trid_++, Value::null(), {Value::string(opts_.url.stream)});
    }
    create_trid_ = next_trid_++;
    call("createStream", create_trid_, Value::null(), {});
    return {};
  }
  if (c.name == "_result" && c.transaction_id == create_trid_ && state_ == State::creating) {
    if (c.args.empty() || !c.args[0].as_number()) return failure("createStream _result without a stream ID");
    sid_ = static_cast<std::uint32_t>(*c.args[0].as_number());
    state_ = State::starting;
    if (opts_.publish) {
      call("publish", 0, Value::null(), {Value::string(opts_.url.stream), Value::string("live")}, sid_);
    } else {
      call("play", 0, Value::null(), {Value::string(opts_.url.stream), Value::number(-2000)}, sid_);
      send(control::set_buffer_length(sid_, opts_.buffer_ms));
    }
    return {};
  }
  if (c.name == "onStatus") {
    events_.push_back({ClientEvent::Kind::status, code, {}});
    if (code == "NetStream.Publish.Start" && opts_.publish) {
      state_ = State::streaming;
      events_.push_back({ClientEvent::Kind::publishing, code, {}});
    } else if ((code == "NetStream.Play.Start") && !opts_.publish && state_ != State::streaming) {
      state_ = State::streaming;
      events_.push_back({ClientEvent::Kind::playing, code, {}});
    } else if (code == "NetStream.Publish.BadName" || code == "NetStream.Play.StreamNotFound" ||
               code == "NetStream.Play.Failed" || code == "NetStream.Publish.Denied" ||
               code == "NetConnection.Connect.Rejected") {
      std::string desc;
      for (const auto& a : c.args)
        if (const Value* d = a.get("description"); d && d->as_string()) desc = std::string(*d->as_string());
      return failure(code + (desc.empty() ? "" : ": " + desc), Errc::refused);
    } else if (code == "NetStream.Play.UnpublishNotify" || code == "NetStream.Play.Stop") {
      events_.push_back({ClientEvent::Kind::ended, code, {}});
    }
    return {};
  }
  if (c.name == "close") return failure("server closed the connection (close command)", Errc::closed);
  return {};  // onBWDone, _checkbw, onFCPublish ... tolerated
}

Result<void> ClientSession::send_media(Message m) {
  if (state_ != State::streaming || !opts_.publish) return fail(Errc::bad_state, "not publishing");
  m.stream_id = sid_;
  m.csid = 0;
  if (m.type == msg_type::data_amf0 || m.type == msg_type::data_amf3) {
    auto d = decode_data(m);
    if (!d) return std::unexpected(d.error());
    if (d->handler == "onMetaData" || d->handler == "@setDataFrame") {
      auto enc = encode_data(add_set_data_frame(std::move(*d)), sid_, m.timestamp, false);
      if (!enc) return std::unexpected(enc.error());
      m = std::move(*enc);
    }
  }
  return ser_.write(m, out_);
}

void ClientSession::finish() {
  if (state_ != State::streaming) return;
  if (opts_.publish) call("FCUnpublish", next_trid_++, Value::null(), {Value::string(opts_.url.stream)});
  call("deleteStream", next_trid_++, Value::null(), {Value::number(sid_)}, 0);  // E§8.3
  state_ = State::failed;
}

}  // namespace rtmfp::media::rtmp
