// rtmp:// and rtmps:// client connection: drives rtmp::ClientSession over a
// NetStream (TCP, or TLS for rtmps) with bounded waits. Used by the relay
// for play sources and publish sinks, and by the benchmarks.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>

#include "media/io/net_stream.hpp"
#include "media/rtmp/client_session.hpp"

namespace rtmfp::media::io {

class RtmpClientConn {
 public:
  // TLS is used when o.url.tls() (rtmps://); `tls` supplies --ca-file etc.
  RtmpClientConn(rtmp::ClientOptions o, TlsOptions tls, milliseconds connect_timeout, milliseconds io_timeout);
  // Connects, handshakes and waits for Publish.Start / Play.Start.
  Result<void> open();
  // Play: next media message (nullopt = stream ended).
  Result<std::optional<rtmp::Message>> next();
  // Publish: sends one message (and services pings/acks without blocking).
  Result<void> send(const rtmp::Message& m);
  void close();
  // Any thread: a next() waiting for media returns nullopt within one read
  // timeout (200 ms) (the relay's shutdown on SIGINT/SIGTERM).
  void interrupt() { interrupted_ = true; }

 private:
  Result<void> step(milliseconds timeout);  // one read + process + flush
  Result<void> flush();
  rtmp::ClientSession sess_;
  std::string host_;
  std::uint16_t port_;
  TlsOptions tls_;
  NetStream net_;
  milliseconds connect_timeout_, io_timeout_;
  std::deque<rtmp::Message> media_;
  bool ended_ = false;
  bool closed_ = false;
  std::atomic<bool> interrupted_{false};
};

}  // namespace rtmfp::media::io
