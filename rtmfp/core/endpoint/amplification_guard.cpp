#include "rtmfp/core/endpoint/amplification_guard.hpp"

namespace rtmfp {

AmplificationGuard::Entry& AmplificationGuard::touch(const SocketAddress& a) {
  auto it = map_.find(a);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (map_.size() >= capacity_ && !lru_.empty()) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(a);
  Entry& e = map_[a];
  e.lru = lru_.begin();
  return e;
}

void AmplificationGuard::on_received(const SocketAddress& from, std::size_t bytes) {
  touch(from).in += bytes;
}

bool AmplificationGuard::try_send(const SocketAddress& to, std::size_t bytes) {
  Entry& e = touch(to);
  if (e.out + bytes > e.in * params::kAmplificationFactor) return false;
  e.out += bytes;
  return true;
}

void AmplificationGuard::forget(const SocketAddress& a) {
  auto it = map_.find(a);
  if (it == map_.end()) return;
  lru_.erase(it->second.lru);
  map_.erase(it);
}

}  // namespace rtmfp
