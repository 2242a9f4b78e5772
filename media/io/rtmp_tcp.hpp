// Blocking-with-timeouts RTMP over Asio TCP: a client connection driving
// rtmp::ClientSession, and a one-publisher listener driving rtmp::ServerSession.
// Used by the relay (media/io/relay.cpp).
#pragma once

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <optional>

#include "media/rtmp/client_session.hpp"
#include "media/rtmp/server_session.hpp"

namespace rtmfp::media::io {

using std::chrono::milliseconds;

// A TCP socket with deadline-bounded operations (async op + run_for).
class TcpStream {
 public:
  TcpStream() : sock_(io_) {}
  Result<void> connect(const std::string& host, std::uint16_t port, milliseconds timeout);
  Result<void> accept(asio::ip::tcp::acceptor& acc, milliseconds timeout);
  Result<void> write_all(ByteView data, milliseconds timeout);
  // Reads what is available (waits up to timeout); empty result on timeout.
  Result<Bytes> read_some(milliseconds timeout);
  asio::io_context& io() { return io_; }
  void close();

 private:
  asio::io_context io_;
  asio::ip::tcp::socket sock_;
};

// rtmp:// client (play or publish).
class RtmpClientConn {
 public:
  RtmpClientConn(rtmp::ClientOptions o, milliseconds connect_timeout, milliseconds io_timeout);
  // Connects, handshakes and waits for Publish.Start / Play.Start.
  Result<void> open();
  // Play: next media message (nullopt = stream ended).
  Result<std::optional<rtmp::Message>> next();
  // Publish: sends one message (and services pings/acks).
  Result<void> send(const rtmp::Message& m);
  void close();

 private:
  Result<void> step(milliseconds timeout);  // one read + process + flush
  Result<void> flush();
  rtmp::ClientSession sess_;
  std::string host_;
  std::uint16_t port_;
  TcpStream tcp_;
  milliseconds connect_timeout_, io_timeout_;
  std::deque<rtmp::Message> media_;
  bool ended_ = false;
  rtmfp::TimePoint now() const;
};

// rtmp-listen:// source: accepts connections until one publishes app/stream,
// then yields its messages.
class RtmpListenSource {
 public:
  RtmpListenSource(std::string bind, std::uint16_t port, std::string key, milliseconds io_timeout);
  Result<void> open();
  Result<std::optional<rtmp::Message>> next();

 private:
  struct Capture : rtmp::StreamSink {
    std::deque<rtmp::Message> q;
    bool stopped = false;
    void deliver(const rtmp::Message& m) override { q.push_back(m); }
    void publisher_started() override {}
    void publisher_stopped() override { stopped = true; }
  };
  std::string bind_;
  std::uint16_t port_;
  std::string key_;
  milliseconds io_timeout_;
  asio::io_context io_;
  std::optional<asio::ip::tcp::acceptor> acc_;
  std::unique_ptr<TcpStream> conn_;
  rtmp::StreamRegistry reg_;
  std::unique_ptr<rtmp::ServerSession> sess_;
  Capture cap_;
  bool registered_ = false;
};

}  // namespace rtmfp::media::io
