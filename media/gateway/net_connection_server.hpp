// The server side of one RTMP NetConnection over RTMFP (RFC 7425 §5.3) for
// the relay's rtmfp-listen:// endpoint. It serves exactly one application
// and stream name (ServerPolicy) through a shared rtmp::StreamRegistry:
//   * the client's first unassociated stream-0 "TC" flow is its control flow
//     (§5.3.1); "connect" opens our return control flow associated to it
//     (§5.3.2) and answers _result (or _error NetConnection.Connect.Rejected
//     for another app), followed by Set Keepalive Timers (§5.3.4);
//   * setPeerInfo (§5.3.3) is recorded: NAT assumed iff the observed address
//     is not in the list;
//   * createStream, then on the stream's flows (associated to our control
//     flow, §5.3.5.1) publish (NetStream.Publish.BadName if not allowed or
//     not this stream) or play (NetStream.Play.StreamNotFound likewise);
//   * a publisher's audio, video and data, which arrive on separate flows
//     with no ordering between them (§5.1.1, §5.2), go into the registry in
//     timestamp order (TimestampMerge, bounds in ServerPolicy::merge);
//     commands and the end of the stream release what is held first; data
//     other than onMetaData (onCuePoint, onTextData, …) passes, only
//     @setDataFrame is taken off and @clearDataFrame clears the metadata;
//   * players get their stream on StreamSender flows associated to the
//     client's control flow (§5.3.5.2); at unpublish a Flow Synchronization
//     barrier (§5.2) puts StreamEOF + Play.UnpublishNotify after the media;
//   * flows that are not "TC", or for streams not created, or stream-0
//     flows other than the first that are not associated, are rejected with
//     code 0 (§5.1.1, §5.3.5.3);
//   * the client closing its control flow or an exception on ours ends the
//     connection and we close our sending flows (§5.3.6).
// Sans-I/O; registry deliveries are queued and sent by flush(now).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "media/gateway/flow_port.hpp"
#include "media/gateway/rtmfp_mapping.hpp"
#include "media/gateway/shared_message.hpp"
#include "media/gateway/stream_sender.hpp"
#include "media/gateway/tc_receiver.hpp"
#include "media/gateway/timestamp_merge.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/stream_registry.hpp"

namespace rtmfp::media::gateway {

struct ServerPolicy {
  std::string app;
  std::string stream;
  bool allow_publish = false;  // clients may publish app/stream (the relay's source)
  bool allow_play = false;     // clients may play app/stream (the relay's destination)
  SetKeepalive keepalive{15000, 10000};  // advised to clients (§5.3.4)
  LossTolerance loss;
  MergeLimits merge;  // a publisher's flows merged by timestamp (TimestampMerge)
  std::uint64_t max_player_backlog = 16u << 20;  // a player further behind is dropped
  std::uint32_t max_streams = 16;                // createStream calls per connection
  // Review R5: bounds on the connections of one MediaServer (as rtmp-listen://
  // has them): at most max_connections sessions, max_connections_per_address
  // from one IP address; when full, the oldest idle one (not publishing or
  // playing, or playing a key with no publisher) is closed to make room. A
  // connection that neither publishes nor plays within io_timeout, a
  // publisher that sent no media for io_timeout and a player that was handed
  // nothing for io_timeout are closed.
  std::size_t max_connections = 256;
  std::size_t max_connections_per_address = 64;
  milliseconds io_timeout{15000};
  // Optional access control (set by the rtmfp-listen:// server, as
  // rtmp::ServerOptions::authorize for rtmp-listen://): given publish-or-play,
  // the connect app and the stream name as sent (query with ?key= included),
  // the registry key, or an error that refuses the request
  // (NetStream.Publish.BadName / NetStream.Play.StreamNotFound). A key other
  // than key() is refused too. Unset: the name must be `stream` exactly.
  std::function<Result<std::string>(bool publish, const std::string& app, const std::string& name)> authorize;
  std::string key() const { return app + "/" + stream; }
};

// RTMP data messages as the registry keeps them: AMF0, stream 0, without
// @setDataFrame (onMetaData, onCuePoint, onTextData, …); nullopt for
// undecodable data and @clearDataFrame (rtmp::to_player_data).
std::optional<rtmp::Message> normalize_metadata(const rtmp::Message& m);

class NetConnectionServer final : public rtmp::StreamSink {
 public:
  // `encoder`: shared by the connections of one server so that a message
  // delivered to every player is framed once (SharedMessageEncoder); none:
  // a private one.
  NetConnectionServer(rtmp::StreamRegistry& registry, const ServerPolicy& policy, FlowPort& port, std::string peer,
                      SharedMessageEncoder* encoder = nullptr);
  ~NetConnectionServer() override;
  NetConnectionServer(const NetConnectionServer&) = delete;
  NetConnectionServer& operator=(const NetConnectionServer&) = delete;

  void on_flow_incoming(TimePoint now, FlowId flow, ByteView metadata, std::optional<FlowId> association);
  void on_flow_message(TimePoint now, FlowId flow, ByteView data);
  void on_flow_finished(TimePoint now, FlowId flow);
  void on_flow_rejected(TimePoint now, FlowId flow, std::uint64_t code);
  // orderly: the far end closed the session (§3.5.5), so a publish still
  // running ends cleanly; otherwise (timeout, abort) the publisher was lost.
  void on_session_closed(bool orderly = false);
  // Sends what the registry handed over since the last call, and hands the
  // registry what the publisher's merge releases by now.
  void flush(TimePoint now);
  // When flush() should run again for the merge (nullopt: nothing held).
  std::optional<TimePoint> next_deadline() const { return merge_.next_deadline(); }
  const TimestampMerge& merge() const { return merge_; }

  // StreamSink: called by the registry (queued until flush).
  void deliver(const rtmp::Message& m) override;
  void publisher_started() override;
  void publisher_stopped() override;

  bool ended() const { return ended_; }        // the NetConnection is over (§5.3.6)
  bool publishing() const { return publishing_sid_.has_value(); }
  bool playing() const { return playing_sid_.has_value(); }
  // Last time a publisher's media arrived or a player was handed something
  // (or the publish / play started); nullopt before either.
  std::optional<TimePoint> last_media() const { return last_media_; }
  bool overloaded() const { return overloaded_; }  // a player too far behind
  // Whether flush() has anything to do: deliveries queued, or a publisher
  // whose merge may release messages.
  bool has_work() const { return !outbox_.empty() || (publishing_sid_ && !ended_); }
  bool behind_nat() const { return behind_nat_; }
  std::uint64_t buffered() const;
  std::vector<std::string> take_log() { return std::exchange(log_, {}); }

 private:
  struct Stream {
    enum class Role { none, publishing, playing } role = Role::none;
    std::optional<StreamSender> out;
    bool eof_sent = false;
  };
  struct Started {};
  struct Stopped {};
  using Item = std::variant<SharedMessage, Started, Stopped>;

  void on_message(TimePoint now, rtmp::Message m);
  void on_published(TimePoint now, rtmp::Message m);  // audio, video, data of our publisher
  void publish_merged(std::vector<rtmp::Message>& out);
  void flush_merge();  // everything held goes to the registry
  void on_command(TimePoint now, const rtmp::Command& c, std::uint32_t stream_id);
  // Whether this client may publish (or play) `name`: the reason if not.
  Result<void> admit(bool publish, const std::string& name) const;
  void reply(TimePoint now, const std::string& name, double trid, rtmp::Value obj, std::vector<rtmp::Value> args);
  void send_user_control(TimePoint now, Bytes payload);
  Stream* stream(std::uint32_t sid);
  StreamSender& sender(std::uint32_t sid);
  void stream_send(TimePoint now, std::uint32_t sid, const rtmp::Message& m);
  void status(TimePoint now, std::uint32_t sid, std::string_view level, std::string_view code, std::string desc);
  void stop_stream(TimePoint now, std::uint32_t sid, bool close_flows);
  void close_sending(TimePoint now);  // §5.3.6
  void end(TimePoint now);
  void release(bool abrupt = true);

  rtmp::StreamRegistry& registry_;
  const ServerPolicy& policy_;
  FlowPort& port_;
  std::string peer_;
  SharedMessageEncoder own_encoder_;
  SharedMessageEncoder* encoder_;
  TcReceiver rx_;
  TimestampMerge merge_;
  std::optional<FlowId> control_in_, control_out_;
  bool connected_ = false, amf3_ = false, ended_ = false, overloaded_ = false, behind_nat_ = false;
  bool control_closed_ = false, sending_closed_ = false;
  std::string app_;
  std::uint32_t next_sid_ = 1;
  std::map<std::uint32_t, Stream> streams_;
  std::optional<std::uint32_t> publishing_sid_, playing_sid_;
  std::deque<Item> outbox_;
  std::uint64_t outbox_bytes_ = 0;
  std::uint32_t next_sync_id_ = 1;
  std::optional<TimePoint> last_media_;
  std::vector<std::string> log_;
};

}  // namespace rtmfp::media::gateway
