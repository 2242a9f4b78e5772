// See shared_rtmp_listener.hpp.
#include "media/io/shared_rtmp_listener.hpp"

#include <utility>

namespace rtmfp::media::io {

namespace {

// The process's listeners by "bind|port". A listener leaves this table
// inside its deleter, under the same mutex, so a new acquire for the same
// address waits until the old server has closed its socket. Recursive: a
// listener that failed to start is deleted inside acquire().
std::recursive_mutex& table_mu() {
  static std::recursive_mutex m;
  return m;
}
std::map<std::string, std::weak_ptr<SharedRtmpListener>>& table() {
  static std::map<std::string, std::weak_ptr<SharedRtmpListener>> t;
  return t;
}

}  // namespace

Result<std::shared_ptr<SharedRtmpListener>> SharedRtmpListener::acquire(RtmpListenServer::Options so) {
  const bool shared = so.port != 0;
  const std::string id = so.bind + "|" + std::to_string(so.port);
  std::lock_guard lk(table_mu());
  if (shared) {
    if (auto it = table().find(id); it != table().end())
      if (auto l = it->second.lock()) return l;
  }
  std::shared_ptr<SharedRtmpListener> l(new SharedRtmpListener(), [shared, id](SharedRtmpListener* p) {
    std::lock_guard lk(table_mu());
    if (shared)
      if (auto it = table().find(id); it != table().end() && it->second.expired()) table().erase(it);
    delete p;
  });
  const std::string bind = so.bind;
  so.access = ListenAccess{};
  so.session.authorize = [rules = l->rules_](bool publish, const std::string& app, const std::string& name)
      -> Result<std::string> {
    const std::string key = app + "/" + name.substr(0, name.find('?'));
    std::lock_guard lk(rules->mu);
    auto it = rules->by_key.find(key);
    if (it == rules->by_key.end()) return fail(Errc::refused, "stream '" + key + "' is not served here");
    return it->second.authorize(publish, app, name);
  };
  auto srv = RtmpListenServer::start(std::move(so));
  if (!srv) return std::unexpected(srv.error());
  l->server_ = std::move(*srv);
  l->where_ = bind + ":" + std::to_string(l->server_->port());
  if (shared) table()[id] = l;
  return l;
}

SharedRtmpListener::~SharedRtmpListener() = default;

Result<void> SharedRtmpListener::claim(const std::string& key, const ListenAccess& rule) {
  std::lock_guard lk(rules_->mu);
  if (rules_->by_key.contains(key))
    return fail(Errc::io_error, "rtmp-listen: " + key + " is already served on " + where_ + " by another endpoint");
  ListenAccess a = rule;
  a.streams = {key};
  rules_->by_key.emplace(key, std::move(a));
  return {};
}

void SharedRtmpListener::release(const std::string& key) {
  std::lock_guard lk(rules_->mu);
  rules_->by_key.erase(key);
}

std::size_t SharedRtmpListener::keys() const {
  std::lock_guard lk(rules_->mu);
  return rules_->by_key.size();
}

}  // namespace rtmfp::media::io
