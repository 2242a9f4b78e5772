// The shared peer directory kept in Redis (issue 12 §4), with hiredis: one
// key per peer, "rtmfp:peer:<64 hex>" -> its directory entry
// (rendezvous/core/directory_entry.hpp), written with SET ... PX <ttl> by
// the owning instance, removed by a compare-and-delete script (an entry
// another instance wrote meanwhile survives), read with GET.
//
// Threading: one client thread of its own with a bounded command queue.
// The host's thread only enqueues (never blocks on Redis, never waits for a
// reply); the client thread takes batches, pipelines them on a blocking
// hiredis connection with a 1 s socket timeout, and hands lookup answers to
// set_on_result's function (the server posts them to its host). A thread
// keeps hiredis's blocking API (timeouts, reconnects) simple and the
// introducer's thread free of Redis entirely; at our rates (one lookup per
// unknown peer per cache lifetime, refreshes spread over the TTL) one
// connection with pipelining is plenty.
//
// Redis down: every command of a failed batch counts as a failure, lookups
// are answered "failed" (the core keeps serving its local peers), and the
// thread reconnects with backoff (100 ms doubling to 2 s).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "rendezvous/io/directory_store.hpp"
#include "rtmfp/core/error.hpp"

struct redisContext;

namespace rtmfp::rendezvous {

struct RedisUrl {
  std::string host;
  std::uint16_t port = 6379;
  std::string to_string() const;  // redis://HOST:PORT
};
// redis://HOST[:PORT][/] (IPv6 in brackets); nothing else (no auth, no db).
Result<RedisUrl> parse_redis_url(std::string_view text);

// One PING, blocking, bounded by `timeout`: the start-up check, so a wrong
// URL fails at once with the reason instead of at the first lookup.
Result<void> redis_ping(const RedisUrl& url, Duration timeout);

struct RedisDirectoryOptions {
  RedisUrl url;
  std::string key_prefix = "rtmfp:peer:";
  std::size_t max_queue = 65'536;  // commands waiting for the client thread
  std::size_t max_batch = 512;     // commands pipelined per round trip
  Duration timeout = seconds(1);   // connect and socket timeout
};

class RedisDirectory final : public DirectoryStore {
 public:
  explicit RedisDirectory(RedisDirectoryOptions options);
  ~RedisDirectory() override;  // carries out what is queued (bounded by the timeout), then stops
  RedisDirectory(const RedisDirectory&) = delete;
  RedisDirectory& operator=(const RedisDirectory&) = delete;

  bool submit(DirectoryCommand command) override;
  void set_on_result(std::function<void(const DirectoryLookupResult&)> on_result) override;
  std::string stats_text() const override;
  std::string url() const override { return options_.url.to_string(); }

  std::uint64_t done() const { return done_.load(); }
  std::uint64_t failures() const { return failures_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }
  bool connected() const { return connected_.load(); }

 private:
  void run();
  bool ensure_connected();
  void execute(std::deque<DirectoryCommand>& batch);
  void fail(std::deque<DirectoryCommand>& batch, std::size_t from);
  void answer(const DirectoryLookupResult& r);
  std::string key(const PeerId& peer) const;

  RedisDirectoryOptions options_;
  redisContext* ctx_ = nullptr;  // client thread only
  Duration backoff_ = milliseconds(100);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<DirectoryCommand> queue_;
  bool stop_ = false;

  std::mutex result_mutex_;
  std::function<void(const DirectoryLookupResult&)> on_result_;

  std::atomic<std::uint64_t> done_{0}, failures_{0}, dropped_{0}, reconnects_{0};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace rtmfp::rendezvous
