// A client byte stream over TCP, optionally wrapped in TLS (rtmps://), with
// deadline-bounded operations. One read stays outstanding across calls (a
// read that timed out is not cancelled, so no TLS record is ever cut in two),
// and a write may run while it is pending. Used by RtmpClientConn.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

using std::chrono::milliseconds;

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;  // extra trusted CA certificates (PEM); the system store is always trusted
  bool verify = true;   // certificate chain + hostname (or IP) check
};

class NetStream {
 public:
  NetStream();
  ~NetStream();
  NetStream(const NetStream&) = delete;
  NetStream& operator=(const NetStream&) = delete;

  // Resolves, connects and (with tls.enabled) runs the TLS handshake with SNI
  // and verification, all within `timeout`. A certificate that fails
  // verification gives Errc::crypto_failure naming the host and the reason.
  Result<void> connect(const std::string& host, std::uint16_t port, const TlsOptions& tls, milliseconds timeout);
  Result<void> write_all(ByteView data, milliseconds timeout);
  // Bytes that arrived within `timeout` (empty on timeout; 0 = just poll).
  // Errc::closed at the peer's end of stream.
  Result<Bytes> read_some(milliseconds timeout);
  void close();

 private:
  template <class F>
  void with_stream(F&& f);
  // Runs handlers until pred() or the deadline.
  template <class Pred>
  void run_until(Pred pred, std::chrono::steady_clock::time_point deadline);
  void drain(std::chrono::steady_clock::time_point deadline);
  void start_read();

  asio::io_context io_;
  asio::ip::tcp::socket sock_;
  std::unique_ptr<asio::ssl::context> ctx_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  Bytes read_buf_;
  bool read_pending_ = false;
  bool read_done_ = false;
  asio::error_code read_ec_;
  std::size_t read_n_ = 0;
  bool closed_ = false;
};

}  // namespace rtmfp::media::io
