// Media relay: Source → Sink pipeline over RTMP (Asio TCP, TLS) and FLV files.
// Endpoints:
//   path.flv / -              FLV file, or stdin (source) / stdout (sink)
//   rtmp://host[:port]/app/stream         play (source) or publish (sink)
//   rtmps://host[:port]/app/stream        the same over TLS (default port 443,
//                                         SNI, certificate + hostname checked)
//   rtmp-listen://addr:port/app/stream    built-in server (concurrent clients):
//                                         as a source it waits for a publisher;
//                                         as a destination players connect to it
//   rtmfp://host[:port]/app/stream        RTMP over RTMFP (RFC 7425 §5) client:
//   rtmfp-listen://addr:port/app/stream   play/publish, and the RTMFP server
//                                         (see media/io/rtmfp_endpoints.hpp)
// New endpoint kinds implement Source / Sink and are added in
// open_source / open_sink.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

using rtmp::Message;  // audio 8, video 9, data 18 (onMetaData without @setDataFrame)

class Source {
 public:
  virtual ~Source() = default;
  // Next media/data message; std::nullopt at a clean end of stream.
  virtual Result<std::optional<Message>> next() = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Result<void> write(const Message& m) = 0;
  virtual Result<void> finish() = 0;
};

struct RelayOptions {
  std::string from;
  std::string to;
  bool reconnect = false;      // reopen both ends after a network failure
  bool json = false;           // stats lines as JSON
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{15000};  // no data for this long = failure
  std::chrono::seconds stats_interval{5};
  int max_reconnects = 1000;
  std::string ca_file;       // rtmps://: extra trusted CA certificates (PEM)
  int object_encoding = 0;   // rtmp(s):// client: 0 (AMF0) or 3 (AMF3 commands, type 17)
  bool log_clients = true;   // rtmp-listen://: a stderr line per publisher/player
  bool realtime = false;     // pace writes by the message timestamps (like ffmpeg -re), for file sources
  std::string rtmfp_crypto = "flash";  // rtmfp:// client crypto profile: flash (RFC 7425) or modern
  std::size_t max_datagram_limit = 0;  // rtmfp endpoints: path MTU probing ceiling (EndpointConfig); 0: by family
};

// Exit codes of run_relay.
enum RelayExit : int {
  relay_ok = 0,
  relay_bad_url = 2,
  relay_connect_failed = 3,  // connection refused / timeout / DNS
  relay_refused = 4,         // publish/play refused by the server (BadName, _error, Rejected)
  relay_bad_input = 5,       // truncated or malformed input
  relay_io_error = 6,
  relay_tls_failed = 7,      // TLS certificate verification failed (rtmps://)
};

Result<std::unique_ptr<Source>> open_source(const std::string& url, const RelayOptions& o);
Result<std::unique_ptr<Sink>> open_sink(const std::string& url, const RelayOptions& o);

// Runs until the source ends (0) or a failure; prints errors and stats to stderr.
int run_relay(const RelayOptions& options);

}  // namespace rtmfp::media::io
