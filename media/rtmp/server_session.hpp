// Sans-I/O RTMP server session for one TCP connection: handshake (R§5.2),
// connect with objectEncoding negotiation (E§8.1.1), createStream, publish /
// play on "app/stream" keys through a StreamRegistry, user control, acks.
// Bytes and `now` in; bytes to send and events out. No exceptions.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/control.hpp"
#include "media/rtmp/handshake.hpp"
#include "media/rtmp/stream_registry.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::media::rtmp {

struct ServerOptions {
  std::uint32_t chunk_size = 4096;
  std::uint32_t window_ack_size = 2500000;
  std::uint32_t peer_bandwidth = 2500000;
  std::size_t max_output_bytes = 64u << 20;  // a player this far behind is dropped
  // Inbound chunk-stream bounds by stage (review P4): before connect, after
  // connect, and once publishing (media messages up to the wire's 16 MiB - 1).
  ChunkLimits pre_connect_limits = kPreConnectLimits;
  ChunkLimits connected_limits = kConnectedLimits;
  ChunkLimits limits = kMediaLimits;
  // Optional access control (set by the rtmp-listen:// server): given
  // publish-or-play, the connect app and the stream name as sent (query
  // included), returns the registry key to use, or an error that refuses
  // the request (NetStream.Publish.BadName / NetStream.Play.StreamNotFound).
  std::function<Result<std::string>(bool publish, const std::string& app, const std::string& name)> authorize;
};

struct ServerEvent {
  enum class Kind { connected, publishing, playing, stopped, error } kind;
  std::string key;     // app/stream
  std::string detail;  // error text
};

class ServerSession : public StreamSink {
 public:
  ServerSession(StreamRegistry& registry, ServerOptions opts = {});
  ~ServerSession() override;
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Feeds bytes from the client. An error means: send pending output, then close.
  // After an error every later call returns that error (a session that saw
  // malformed input stays failed; the fuzz target checks it).
  Result<void> receive(ByteView data, TimePoint now);
  // Bytes to send to the client (moves them out).
  Bytes take_output();
  // Bytes waiting in take_output() (a transport uses it to spot slow players).
  std::size_t pending_output() const { return out_.size(); }
  std::vector<ServerEvent> take_events();
  bool closed() const { return closed_; }
  // Call when the connection ends: releases publish/play registrations.
  void close();

  // StreamSink (player side)
  void deliver(const Message& m) override;
  void publisher_started() override;
  void publisher_stopped() override;

 private:
  Result<void> on_message(Message m);
  Result<void> on_command(const Command& c, const Message& m);
  void send(Message m);
  void send_command(const std::string& name, double trid, Value obj, std::vector<Value> args, std::uint32_t sid);
  void status(std::uint32_t sid, std::string_view level, std::string_view code, std::string_view desc);
  void send_to_player(const Message& m);

  StreamRegistry& registry_;
  ServerOptions opts_;
  Handshake hs_;
  ChunkParser parser_;
  ChunkSerializer ser_;
  AckTracker acks_;
  Bytes out_;
  std::vector<ServerEvent> events_;
  bool connected_ = false;
  bool amf3_ = false;
  bool closed_ = false;
  std::optional<Error> failed_;
  Result<void> receive_bytes(ByteView data);
  std::string app_;
  std::uint32_t next_sid_ = 1;
  std::string publish_key_, play_key_;
  std::uint32_t publish_sid_ = 0, play_sid_ = 0;
  std::uint64_t hs_bytes_ = 0;
  // While add_player primes this session (metadata, headers, GOP), the
  // messages wait here so that they follow Play.Start (review I3).
  bool priming_ = false;
  std::vector<Message> primed_;
};

}  // namespace rtmfp::media::rtmp
