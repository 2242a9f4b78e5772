// Sans-I/O RTMP client session: handshake (C1 version 0), connect (tcUrl,
// app, flashVer, fpad, capabilities, audio/videoCodecs when playing,
// objectEncoding 3 on request: then, if the server answers 3 (E§8.1.1), every
// later command goes as type 17, like Flash Player; connect itself stays
// type 20 since the encoding is not agreed yet),
// createStream, then publish (releaseStream + FCPublish first, like ffmpeg)
// or play (+ SetBufferLength). Answers PingRequest, sends acknowledgements,
// reports onStatus results and clear errors for _error / BadName / Rejected.
#pragma once

#include <string>

#include "media/rtmp/chunk_stream.hpp"
#include "media/rtmp/command.hpp"
#include "media/rtmp/control.hpp"
#include "media/rtmp/handshake.hpp"
#include "media/rtmp/url.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::media::rtmp {

struct ClientOptions {
  RtmpUrl url;
  bool publish = false;  // else play
  std::string flash_ver = "FMLE/3.0 (compatible; rtmfp-media)";
  std::uint32_t chunk_size = 4096;
  std::uint32_t buffer_ms = 3000;
  int object_encoding = 0;  // 0 = AMF0, 3 = ask for AMF3 commands
  // Window Acknowledgement Size we announce after connect (R§5.4.4), as
  // ffmpeg and librtmp do (review I6).
  std::uint32_t window_ack_size = 2500000;
  ChunkLimits limits = kMediaLimits;  // a server may send keyframes up to the wire's 16 MiB - 1 (review P4)
};

struct ClientEvent {
  enum class Kind { connected, publishing, playing, media, status, ended, error } kind;
  std::string code;  // onStatus code, or error text
  Message message;   // for media (audio/video/data; @setDataFrame stripped for players)
};

class ClientSession {
 public:
  explicit ClientSession(ClientOptions opts);
  // Produces C0+C1.
  Bytes start(TimePoint now);
  Result<void> receive(ByteView data, TimePoint now);
  Bytes take_output() { return std::exchange(out_, Bytes{}); }
  std::vector<ClientEvent> take_events() { return std::exchange(events_, {}); }
  bool ready() const { return state_ == State::streaming; }
  // True once the server agreed to objectEncoding 3 (commands are type 17).
  bool amf3() const { return amf3_; }

  // Publishing: audio/video/data message (stream ID and csid are filled in;
  // onMetaData gets @setDataFrame added).
  Result<void> send_media(Message m);
  // Polite end: FCUnpublish + deleteStream (on stream 0, E§8.3).
  void finish();

 private:
  enum class State { handshake, connecting, creating, starting, streaming, failed };
  Result<void> on_message(Message m);
  Result<void> on_command(const Command& c);
  // Fails the session. `code` says whose fault: refused (the server said no:
  // _error, BadName, Rejected), closed (close command), or the peer's bytes
  // were bad (malformed, truncated, limit_exceeded: a protocol error).
  Result<void> failure(std::string what, Errc code = Errc::malformed);
  void send(Message m) { (void)ser_.write(m, out_); }
  void call(const std::string& name, double trid, Value obj, std::vector<Value> args, std::uint32_t sid = 0);

  ClientOptions opts_;
  State state_ = State::handshake;
  Handshake hs_;
  ChunkParser parser_;
  ChunkSerializer ser_;
  AckTracker acks_;
  // R§5.4.5 state: the window we last announced and the peer's last limit type.
  std::uint32_t sent_window_ = 0;
  std::uint32_t peer_limit_ = 0;
  int peer_limit_type_ = -1;
  Bytes out_;
  std::vector<ClientEvent> events_;
  double next_trid_ = 1;
  double connect_trid_ = 0, create_trid_ = 0;
  std::uint32_t sid_ = 0;
  std::uint64_t hs_bytes_ = 0;
  bool amf3_ = false;
};

}  // namespace rtmfp::media::rtmp
