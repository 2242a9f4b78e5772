#include "rendezvous/redis/redis_directory.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <sys/time.h>

namespace rtmfp::rendezvous {

namespace {

// Deletes KEYS[1] only while it still holds ARGV[1]: what this instance
// wrote. Atomic on the Redis side (a script runs alone).
constexpr const char* kCompareAndDelete =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

timeval to_timeval(Duration d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(d.count() % 1'000'000);
  return tv;
}

std::string context_error(redisContext* c) {
  if (!c) return "cannot allocate a Redis context";
  return c->errstr[0] ? std::string(c->errstr) : std::string("connection failed");
}

}  // namespace

std::string RedisUrl::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<RedisUrl> parse_redis_url(std::string_view text) {
  constexpr std::string_view scheme = "redis://";
  auto bad = [&](const char* why) {
    return fail(Errc::malformed, std::string("invalid directory URL '") + std::string(text) + "': " + why +
                                     " (expected redis://HOST:PORT)");
  };
  if (text.substr(0, scheme.size()) != scheme) return bad("not redis://");
  std::string_view rest = text.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos)
    return bad("no path or credentials supported");
  RedisUrl url;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    url.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after ']'");
      port = rest.substr(1);
    }
  } else {
    const auto colon = rest.rfind(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (url.host.empty()) return bad("no host");
  if (!port.empty() || rest.ends_with(":")) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return bad("bad port");
    url.port = static_cast<std::uint16_t>(p);
  }
  return url;
}

Result<void> redis_ping(const RedisUrl& url, Duration timeout) {
  redisContext* c = redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(timeout));
  if (!c || c->err) {
    std::string why = context_error(c);
    if (c) redisFree(c);
    return fail(Errc::io_error, "cannot reach the directory at " + url.to_string() + ": " + why);
  }
  redisSetTimeout(c, to_timeval(timeout));
  auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
  std::string why;
  if (!reply)
    why = context_error(c);
  else if (reply->type == REDIS_REPLY_ERROR)
    why = std::string(reply->str, reply->len);
  if (reply) freeReplyObject(reply);
  redisFree(c);
  if (!why.empty()) return fail(Errc::io_error, "the directory at " + url.to_string() + " does not answer: " + why);
  return {};
}

RedisDirectory::RedisDirectory(RedisDirectoryOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

RedisDirectory::~RedisDirectory() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (ctx_) redisFree(ctx_);
}

bool RedisDirectory::submit(DirectoryCommand command) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(command));
  }
  wake_.notify_one();
  return true;
}

void RedisDirectory::set_on_result(std::function<void(const DirectoryLookupResult&)> on_result) {
  std::lock_guard lock(result_mutex_);
  on_result_ = std::move(on_result);
}

void RedisDirectory::answer(const DirectoryLookupResult& r) {
  std::lock_guard lock(result_mutex_);
  if (on_result_) on_result_(r);
}

std::string RedisDirectory::stats_text() const {
  return " directory_ops=" + std::to_string(done_.load()) + " directory_failures=" + std::to_string(failures_.load()) +
         " directory_dropped=" + std::to_string(dropped_.load()) +
         " directory_up=" + (connected_.load() ? "yes" : "no");
}

std::string RedisDirectory::key(const PeerId& peer) const {
  return options_.key_prefix + to_hex(ByteView(peer.data(), peer.size()));
}

bool RedisDirectory::ensure_connected() {
  if (ctx_) return true;
  ctx_ = redisConnectWithTimeout(options_.url.host.c_str(), options_.url.port, to_timeval(options_.timeout));
  if (!ctx_ || ctx_->err) {
    if (ctx_) redisFree(ctx_);
    ctx_ = nullptr;
    connected_ = false;
    return false;
  }
  redisSetTimeout(ctx_, to_timeval(options_.timeout));
  ++reconnects_;
  connected_ = true;
  backoff_ = milliseconds(100);
  return true;
}

void RedisDirectory::fail(std::deque<DirectoryCommand>& batch, std::size_t from) {
  for (std::size_t i = from; i < batch.size(); ++i) {
    ++failures_;
    if (const auto* l = std::get_if<DirectoryLookup>(&batch[i])) answer({l->peer, false, std::nullopt});
  }
}

void RedisDirectory::execute(std::deque<DirectoryCommand>& batch) {
  // Pipelined: every command appended, then every reply read in order.
  for (const auto& c : batch) {
    int rc = REDIS_ERR;
    if (const auto* p = std::get_if<DirectoryPublish>(&c)) {
      const std::string k = key(p->peer);
      const long long ms = std::max<long long>(1, std::chrono::duration_cast<milliseconds>(p->ttl).count());
      rc = redisAppendCommand(ctx_, "SET %b %b PX %lld", k.data(), k.size(), p->value.data(), p->value.size(), ms);
    } else if (const auto* r = std::get_if<DirectoryRemove>(&c)) {
      const std::string k = key(r->peer);
      rc = redisAppendCommand(ctx_, "EVAL %s 1 %b %b", kCompareAndDelete, k.data(), k.size(), r->value.data(),
                              r->value.size());
    } else if (const auto* l = std::get_if<DirectoryLookup>(&c)) {
      const std::string k = key(l->peer);
      rc = redisAppendCommand(ctx_, "GET %b", k.data(), k.size());
    }
    if (rc != REDIS_OK) {
      fail(batch, 0);
      redisFree(ctx_);
      ctx_ = nullptr;
      connected_ = false;
      return;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw) {
      // The connection is gone (or timed out): what has no reply failed.
      fail(batch, i);
      redisFree(ctx_);
      ctx_ = nullptr;
      connected_ = false;
      return;
    }
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
      ++failures_;
      if (const auto* l = std::get_if<DirectoryLookup>(&batch[i])) answer({l->peer, false, std::nullopt});
    } else {
      ++done_;
      if (const auto* l = std::get_if<DirectoryLookup>(&batch[i])) {
        DirectoryLookupResult r{l->peer, true, std::nullopt};
        // hiredis parsed the reply; a value too large to be an entry is
        // left to the core's decoder to refuse (it checks every length).
        if (reply->type == REDIS_REPLY_STRING && reply->len <= kMaxDirectoryEntrySize)
          r.value = Bytes(reinterpret_cast<const std::uint8_t*>(reply->str),
                          reinterpret_cast<const std::uint8_t*>(reply->str) + reply->len);
        else if (reply->type == REDIS_REPLY_STRING)
          r.value = Bytes{};  // oversized: malformed
        answer(r);
      }
    }
    freeReplyObject(reply);
  }
}

void RedisDirectory::run() {
  for (;;) {
    std::deque<DirectoryCommand> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_ && queue_.empty()) return;  // what was queued before the stop is still carried out
      const std::size_t n = std::min(options_.max_batch, queue_.size());
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!ensure_connected()) {
      fail(batch, 0);
      // Back off before the next attempt (stop still wakes us at once).
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff_, [&] { return stop_; });
      backoff_ = std::min<Duration>(seconds(2), backoff_ * 2);
      continue;
    }
    execute(batch);
  }
}

}  // namespace rtmfp::rendezvous
