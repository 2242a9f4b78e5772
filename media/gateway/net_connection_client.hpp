// The client side of an RTMP NetConnection over RTMFP (RFC 7425 §5.3), for
// one session the caller opened with the URI in the EPD (§5.3.1), then:
//   start(): opens the NetConnection control flow (stream 0, RXI 0) and sends
//            "connect" (app, tcUrl, AMF0);
//   the first stream-0 flow from the server associated to it is the
//   canonical return control flow (§5.3.2); "_result" = connected: sends
//   setPeerInfo (§5.3.3, MUST) and "createStream";
//   createStream "_result": opens the stream's flows (StreamSender, associated
//   to the canonical return flow, §5.3.5.1) and sends "publish" or "play";
//   onStatus Publish.Start / Play.Start: streaming.
// Set Keepalive Timers (§5.3.4) is clamped to at least 5 s and reported.
// Playing: the stream's audio, video and data arrive on separate flows with
// no ordering between them (§5.1.1, §5.2) and leave as media events in
// timestamp order (TimestampMerge, bounds in NcClientConfig::merge; poll()
// releases what time allows); commands and StreamEOF release what is held
// first. Data other than onMetaData (onCuePoint, onTextData, …) passes;
// only @setDataFrame is taken off.
// Flows from the server that are not "TC", not associated to one of our
// flows or for an unknown stream are rejected with code 0 (§5.3.5.3).
// Close (§5.3.6): finish() ends the stream (deleteStream behind a Flow
// Synchronization barrier over the stream's flows, §5.2) and closes every
// sending flow; the server's close of its control flow ends the connection;
// an exception on our control flow is the server's abrupt close.
// Sans-I/O: flow events and `now` in, flow operations on a FlowPort out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "media/gateway/flow_port.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "media/gateway/stream_sender.hpp"
#include "media/gateway/tc_receiver.hpp"
#include "media/gateway/timestamp_merge.hpp"
#include "media/rtmp/command.hpp"

namespace rtmfp::media::gateway {

struct NcClientConfig {
  std::string app;
  std::string tc_url;
  std::string stream;
  bool publish = false;  // else play
  std::string flash_ver = "FMLE/3.0 (compatible; rtmfp-media)";
  std::vector<std::string> peer_addresses;  // setPeerInfo (§5.3.3): "ip:port" / "[v6]:port"
  LossTolerance loss;
  KeepaliveBounds keepalive;
  MergeLimits merge;  // playing: the stream's flows merged by timestamp
};

struct NcClientEvent {
  enum class Kind { connected, publishing, playing, media, keepalive, ended, failed } kind;
  rtmp::Message message;     // media: audio, video or data (type 18, without @setDataFrame)
  Error error;               // failed
  SetKeepalive keepalive{};  // keepalive: the clamped periods
  std::string text;          // onStatus code or detail
};

class NetConnectionClient {
 public:
  enum class State { idle, connecting, creating, starting, streaming, closing, ended, failed };

  explicit NetConnectionClient(NcClientConfig config);
  State state() const { return state_; }

  // The session is open (S_OPEN): opens the control flow and sends connect.
  Result<void> start(TimePoint now, FlowPort& port);
  // Flow events of the session.
  void on_flow_incoming(TimePoint now, FlowPort& port, FlowId flow, ByteView metadata, std::optional<FlowId> association);
  void on_flow_message(TimePoint now, FlowPort& port, FlowId flow, ByteView data);
  void on_flow_finished(TimePoint now, FlowPort& port, FlowId flow);
  void on_flow_rejected(TimePoint now, FlowPort& port, FlowId flow, std::uint64_t code);
  // The session closed (by either end, or timed out).
  void on_session_closed(const std::string& why);
  // Time passed: media the merge may release now become events.
  void poll(TimePoint now);
  // When poll() should run (nullopt: nothing held).
  std::optional<TimePoint> next_deadline() const { return merge_.next_deadline(); }
  const TimestampMerge& merge() const { return merge_; }

  // Publishing: one audio (8), video (9) or data (18/15) message. onMetaData
  // goes out as @setDataFrame("onMetaData", …) like other RTMP publishers.
  Result<void> send_media(TimePoint now, FlowPort& port, const rtmp::Message& m);
  // Orderly end (§5.3.6): deleteStream after the stream's media (barrier,
  // §5.2), then every sending flow is closed.
  void finish(TimePoint now, FlowPort& port);
  // Bytes queued on our sending flows and not yet acknowledged.
  std::uint64_t buffered(const FlowPort& port) const;
  // True once finish() ran and the server closed its control flow, or the
  // connection otherwise ended.
  bool done() const { return state_ == State::ended || state_ == State::failed; }
  // Keepalive period advised by the server (§5.3.4), clamped.
  std::optional<Duration> server_keepalive() const { return keepalive_; }

  std::vector<NcClientEvent> take_events() { return std::exchange(events_, {}); }

 private:
  void on_message(TimePoint now, FlowPort& port, rtmp::Message m);
  void on_command(TimePoint now, FlowPort& port, const rtmp::Command& c, std::uint32_t stream_id);
  void call(TimePoint now, FlowPort& port, const std::string& name, double trid, rtmp::Value obj,
            std::vector<rtmp::Value> args);
  void fail_with(Errc code, std::string what);
  void emit_media(std::vector<rtmp::Message>& out);
  void flush_merge();
  void close_sending(TimePoint now, FlowPort& port);

  NcClientConfig cfg_;
  State state_ = State::idle;
  std::optional<FlowId> control_;           // our NetConnection control flow
  std::optional<FlowId> canonical_return_;  // the server's first stream-0 return flow (§5.3.2)
  std::optional<StreamSender> stream_;
  TcReceiver rx_;
  TimestampMerge merge_;
  double next_trid_ = 1, connect_trid_ = 0, create_trid_ = 0;
  std::uint32_t sid_ = 0;
  std::uint32_t next_sync_id_ = 1;
  std::optional<Duration> keepalive_;
  bool finishing_ = false;
  bool server_closed_ = false;   // the canonical return control flow finished
  bool sending_closed_ = false;
  std::vector<NcClientEvent> events_;
};

}  // namespace rtmfp::media::gateway
