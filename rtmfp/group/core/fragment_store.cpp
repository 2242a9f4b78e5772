#include "rtmfp/group/core/fragment_store.hpp"

#include <algorithm>
#include <iterator>

namespace rtmfp::group {

namespace {
constexpr std::size_t kCandidatesPerNumber = 2;
}

FragmentStore::FragmentStore(const GroupId& group, const Authenticator& auth, const GroupConfig& config)
    : group_(group), auth_(auth), config_(config) {}

const Bytes* FragmentStore::get(Seq s) const {
  auto it = held_.find(s);
  return it == held_.end() ? nullptr : &it->second.content;
}

Seq FragmentStore::held_run_below(Seq s, std::size_t limit) const {
  auto it = held_.lower_bound(s);
  Seq low = s;
  while (it != held_.begin() && limit-- > 0) {
    --it;
    if (it->first + 1 != low) break;
    low = it->first;
  }
  return low;
}

std::vector<std::pair<Seq, Seq>> FragmentStore::held_runs_below(Seq s, std::size_t max_runs) const {
  std::vector<std::pair<Seq, Seq>> runs;
  for (auto it = std::make_reverse_iterator(held_.lower_bound(s)); it != held_.rend(); ++it) {
    if (!runs.empty() && it->first + 1 == runs.back().first) {
      runs.back().first = it->first;
      continue;
    }
    if (runs.size() == max_runs) break;
    runs.emplace_back(it->first, it->first);
  }
  return runs;
}

Seq FragmentStore::next_held(Seq s) const {
  auto it = held_.lower_bound(s);
  return it == held_.end() ? 0 : it->first;
}

void FragmentStore::store(TimePoint now, Seq s, Bytes content, std::vector<Seq>& newly) {
  bytes_ += content.size();
  held_.emplace(s, Held{std::move(content), now});
  newest_ = std::max(newest_, s);
  newly.push_back(s);
  enforce_bounds();
}

void FragmentStore::add_own(TimePoint now, Seq s, Bytes content) {
  if (s < floor_ || held_.count(s)) return;
  auto parsed = parse_content(content);
  if (parsed && std::holds_alternative<ManifestContent>(*parsed))
    manifests_[s] = (*std::get_if<ManifestContent>(&*parsed)).hashes;
  std::vector<Seq> ignored;
  store(now, s, std::move(content), ignored);
}

Offer FragmentStore::offer(TimePoint now, Seq s, ByteView content, std::vector<Seq>& newly) {
  if (s < floor_ || (newest_ > config_.max_fragments && s < newest_ - config_.max_fragments)) return Offer::stale;
  if (held_.count(s)) return Offer::duplicate;
  auto parsed = parse_content(content);
  if (!parsed) return Offer::malformed;

  if (auto* m = std::get_if<ManifestContent>(&*parsed)) {
    if (!auth_.verify(manifest_signed_bytes(group_, s, m->hashes), m->signature)) return Offer::forged;
    manifests_[s] = m->hashes;
    store(now, s, Bytes(content.begin(), content.end()), newly);
    verify_waiting(now, s, newly);
    return Offer::stored;
  }
  const auto& d = (*std::get_if<DataContent>(&*parsed));
  if (d.back > s) return Offer::forged;
  const Seq ms = s - d.back;
  if (auto it = manifests_.find(ms); it != manifests_.end()) {
    const auto& hashes = it->second;
    if (d.back > hashes.size() || auth_.hash(s, content) != hashes[d.back - 1u]) return Offer::forged;
    store(now, s, Bytes(content.begin(), content.end()), newly);
    return Offer::stored;
  }
  if (held_.count(ms)) return Offer::forged;  // points at something that is not a manifest
  auto& cands = waiting_[s];
  for (const auto& c : cands)
    if (std::equal(c.begin(), c.end(), content.begin(), content.end())) return Offer::duplicate;
  if (cands.size() >= kCandidatesPerNumber || unverified_count_ >= config_.max_unverified) {
    if (cands.empty()) waiting_.erase(s);
    return Offer::stale;  // no room: a later copy (or a pull) brings it again
  }
  cands.emplace_back(content.begin(), content.end());
  ++unverified_count_;
  return Offer::pending;
}

void FragmentStore::verify_waiting(TimePoint now, Seq m, std::vector<Seq>& newly) {
  const std::vector<FragmentHash> hashes = manifests_[m];  // a copy: storing may raise the floor
  std::vector<std::pair<Seq, std::vector<Bytes>>> covered;
  for (auto it = waiting_.lower_bound(m + 1); it != waiting_.end() && it->first <= m + hashes.size();) {
    unverified_count_ -= it->second.size();
    covered.emplace_back(it->first, std::move(it->second));
    it = waiting_.erase(it);
  }
  for (auto& [s, cands] : covered) {
    for (auto& c : cands) {
      if (s < floor_ || held_.count(s) || auth_.hash(s, c) != hashes[s - m - 1]) continue;
      auto parsed = parse_content(c);
      if (parsed && std::holds_alternative<DataContent>(*parsed) && (*std::get_if<DataContent>(&*parsed)).back == s - m)
        store(now, s, std::move(c), newly);
    }
  }
}

void FragmentStore::raise_floor(Seq f) {
  if (f <= floor_) return;
  floor_ = f;
  while (!held_.empty() && held_.begin()->first < floor_) {
    bytes_ -= held_.begin()->second.content.size();
    held_.erase(held_.begin());
  }
  while (!waiting_.empty() && waiting_.begin()->first < floor_) {
    unverified_count_ -= waiting_.begin()->second.size();
    waiting_.erase(waiting_.begin());
  }
  // A manifest is needed while anything it covers may still arrive.
  while (!manifests_.empty() && manifests_.begin()->first + kMaxManifestSpan < floor_)
    manifests_.erase(manifests_.begin());
}

void FragmentStore::enforce_bounds() {
  while (!held_.empty() && (held_.size() > config_.max_fragments || bytes_ > config_.max_fragment_bytes))
    raise_floor(held_.begin()->first + 1);
}

void FragmentStore::expire(TimePoint now) {
  // Fragments are numbered in publishing order, so the oldest arrivals are
  // (nearly) the lowest numbers: drop from the bottom while too old.
  while (!held_.empty() && now - held_.begin()->second.at > config_.window) raise_floor(held_.begin()->first + 1);
  if (newest_ > config_.max_fragments) raise_floor(newest_ - config_.max_fragments);
}

}  // namespace rtmfp::group
