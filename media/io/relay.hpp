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
//   rtmfp-group://host:port/NAME[:KEYHEX] a P2P broadcast group (the
//                                         rendezvous and the group): publish
//                                         (sink) or join (source), see
//                                         media/io/group_endpoints.hpp
// New endpoint kinds implement Source / Sink and are added in
// open_source / open_sink.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "media/io/relay_stats.hpp"
#include "media/rtmp/chunk_stream.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::io {

using rtmp::Message;  // audio 8, video 9, data 18 (onMetaData without @setDataFrame)

class Source {
 public:
  virtual ~Source() = default;
  // Next media/data message; std::nullopt at a clean end of stream.
  virtual Result<std::optional<Message>> next() = 0;
  // Any thread (a signal watcher): a blocked next() returns soon, with
  // nullopt or an error. Default: nothing (next() returns when it returns).
  virtual void interrupt() {}
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Result<void> write(const Message& m) = 0;
  virtual Result<void> finish() = 0;
  // Figures for the stats line (skipped, players), called from the stats
  // thread while the sink exists, so thread-safe: media the destination
  // skipped (thinned for slow players) and players connected (listen
  // destinations). 0 where the destination has none.
  virtual std::uint64_t skipped() { return 0; }
  virtual std::uint64_t players() { return 0; }
};

struct RelayOptions {
  std::string from;
  std::string to;
  // After a network failure (exit class 3) reopen the end that failed (the
  // other one is kept); a listen source waits for the next publisher.
  bool reconnect = false;
  bool json = false;           // stats lines as JSON
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{15000};  // no data for this long = failure
  std::chrono::milliseconds stats_interval{5000};  // <= 0: no stats lines
  int max_reconnects = 1000;   // consecutive failed attempts (reset after a good period)
  std::chrono::milliseconds reconnect_delay{500};       // first delay, doubles (±20% jitter)
  std::chrono::milliseconds reconnect_max_delay{30000};
  std::string ca_file;       // rtmps://: extra trusted CA certificates (PEM)
  int object_encoding = 0;   // rtmp(s):// client: 0 (AMF0) or 3 (AMF3 commands, type 17)
  bool log_clients = true;   // rtmp-listen://: a stderr line per publisher/player
  bool realtime = false;     // pace writes by the message timestamps (like ffmpeg -re), for file sources
  std::string rtmfp_crypto = "flash";  // rtmfp:// client crypto profile: flash (RFC 7425) or modern
  std::size_t max_datagram_limit = 0;  // rtmfp endpoints: path MTU probing ceiling (EndpointConfig); 0: by family
  // rtmp-listen:// and rtmfp-listen://: connections (sessions) in all and
  // from one address (review R5: the oldest idle one is evicted when full).
  std::size_t max_clients = 256;
  std::size_t max_clients_per_address = 64;
  // rtmfp-group:// destination (publisher): the Ed25519 key file (created
  // 0600 if missing); empty: a fresh key for this run (a new group).
  std::string group_key_file;
  // rtmfp-group:// source: the stream has ended after this long without a
  // frame (once one played).
  std::chrono::milliseconds group_idle_end{15000};
  // Called with "rtmp://ADDR:PORT/APP/STREAM" when an rtmp-listen:// endpoint
  // listens (besides the stderr line); tests read the bound port from it.
  std::function<void(const std::string&)> on_listening;
  // Called with the full group specifier (NAME:KEYHEX) when an
  // rtmfp-group:// endpoint joined its group.
  std::function<void(const std::string&)> on_group;
  // Called with every stats line as printed (besides stderr; stats thread).
  std::function<void(const std::string&)> on_stats;
  // A name for this relay among several in one process (the gateway's
  // routes): stderr lines start "relay ROUTE:" instead of "relay:", and JSON
  // stats lines carry "route":ROUTE. Empty: a lone relay.
  std::string route;
  // Called once when run_relay returns, with the final figures (relay thread).
  std::function<void(const RelayStats::Snapshot&)> on_finish;
};

// Exit codes of run_relay.
enum RelayExit : int {
  relay_ok = 0,              // the source ended in order, or SIGINT/SIGTERM (clean stop)
  relay_bad_url = 2,
  relay_connect_failed = 3,  // connection refused / reset / timeout / DNS, publisher lost (retriable)
  relay_refused = 4,         // publish/play refused by the server (BadName, _error, Rejected)
  relay_bad_input = 5,       // truncated or malformed input, protocol error or limit from the far end
  relay_io_error = 6,        // local I/O: FLV file/stdio read or write, cannot listen, relay too slow
  relay_tls_failed = 7,      // TLS certificate verification failed (rtmps://)
};

// Which kind of endpoint an error came from decides its exit code: an
// io_error is local (6) for files, stdio and listeners, but a network
// failure (3) for a client connection.
enum class EndpointKind { file, listen, client };
EndpointKind endpoint_kind(const std::string& url);
int exit_code_for(const Error& e, EndpointKind kind);

// Stops a running relay from another thread (the CLI's signal watcher): the
// source is interrupted, the destination finished in order (FLV flushed,
// FCUnpublish/deleteStream sent, listen players told), exit code 0.
class RelayControl {
 public:
  void request_stop();
  bool stop_requested() const { return stop_.load(); }
  // Relay thread: the source request_stop() interrupts (nullptr: none).
  void attach(Source* s);
  // Relay thread: waits `d` (a reconnect delay); false if a stop came.
  bool wait_for(std::chrono::milliseconds d);

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  Source* source_ = nullptr;
};

Result<std::unique_ptr<Source>> open_source(const std::string& url, const RelayOptions& o);
Result<std::unique_ptr<Sink>> open_sink(const std::string& url, const RelayOptions& o);

// Runs until the source ends (0), a stop (0) or a failure; prints errors and
// stats to stderr.
int run_relay(const RelayOptions& options, RelayControl* control = nullptr);

}  // namespace rtmfp::media::io
