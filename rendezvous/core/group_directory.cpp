#include "rendezvous/core/group_directory.hpp"

#include <algorithm>
#include <set>

namespace rtmfp::rendezvous {

namespace {
// Expired members are swept this often (a member may outlive its lifetime
// by this much).
constexpr Duration kSweepPeriod = seconds(2);
}  // namespace

GroupDirectory::GroupDirectory(RandomSource& random, GroupDirectoryLimits limits)
    : random_(random), limits_(limits) {}

std::optional<GroupPublisherKey> GroupDirectory::publisher_key(std::string_view name) const {
  auto it = publishers_.find(name);
  if (it == publishers_.end()) return std::nullopt;
  return it->second.key;
}

std::size_t GroupDirectory::members(std::string_view name, const GroupPublisherKey& key) const {
  auto it = groups_.find(Key(std::string(name), key));
  return it == groups_.end() ? 0 : it->second.members.size();
}

Result<GroupJoined> GroupDirectory::join(TimePoint now, const PeerId& member, std::string_view name,
                                         const std::optional<GroupPublisherKey>& key, bool publisher) {
  GroupPublisherKey k{};
  auto pub = publishers_.find(name);
  if (key) {
    k = *key;
  } else if (pub != publishers_.end()) {
    k = pub->second.key;
  } else {
    ++stats_.refused_no_publisher;
    return fail(Errc::not_found, "group '" + std::string(name) + "' has no publisher");
  }
  // A publisher with the name's key that comes back under a new peer ID (a
  // restarted `rtmfp publish --key`) takes the name over at once: the name
  // stays bound to the key, and members verify every fragment with it
  // (group_types.hpp, publisher runs). Another key is refused.
  if (publisher && pub != publishers_.end() && pub->second.peer != member && pub->second.key != k) {
    ++stats_.refused_name_taken;
    return fail(Errc::refused, "group '" + std::string(name) + "' has another publisher");
  }
  Key gk(std::string(name), k);
  auto g = groups_.find(gk);
  const bool is_member = g != groups_.end() && g->second.members.count(member);
  if (!is_member) {
    auto pp = per_peer_.find(member);
    const bool full = memberships_ >= limits_.max_memberships ||
                      (g == groups_.end() && groups_.size() >= limits_.max_groups) ||
                      (g != groups_.end() && g->second.members.size() >= limits_.max_members_per_group) ||
                      (pp != per_peer_.end() && pp->second >= limits_.max_groups_per_peer);
    if (full) {
      ++stats_.refused_full;
      return fail(Errc::limit_exceeded, "group directory full");
    }
    if (g == groups_.end()) g = groups_.emplace(std::move(gk), Group{}).first;
    g->second.members[member] = Member{g->second.order.size(), now + limits_.lifetime};
    g->second.order.push_back(member);
    ++per_peer_[member];
    ++memberships_;
    ++stats_.joins;
  } else {
    g->second.members[member].expires = now + limits_.lifetime;
    ++stats_.refreshes;
  }
  if (publisher) publishers_[std::string(name)] = Publisher{k, member};
  if (!sweep_at_) sweep_at_ = now + kSweepPeriod;
  GroupJoined out;
  out.key = k;
  out.sample = sample(g->second, member);
  pub = publishers_.find(name);
  if (pub != publishers_.end() && pub->second.key == k && pub->second.peer != member) out.publisher = pub->second.peer;
  return out;
}

std::vector<PeerId> GroupDirectory::sample(const Group& g, const PeerId& except) {
  std::vector<PeerId> out;
  const std::size_t n = g.order.size();
  if (n <= limits_.sample_size + 1) {
    for (const auto& p : g.order)
      if (p != except) out.push_back(p);
    if (out.size() > limits_.sample_size) out.resize(limits_.sample_size);
    return out;
  }
  // n well above the sample: distinct random picks (few collisions).
  std::set<std::size_t> picked;
  while (out.size() < limits_.sample_size) {
    const auto i = static_cast<std::size_t>(random_.below(n));
    if (!picked.insert(i).second || g.order[i] == except) continue;
    out.push_back(g.order[i]);
  }
  return out;
}

void GroupDirectory::remove(Groups::iterator g, const PeerId& member) {
  auto m = g->second.members.find(member);
  if (m == g->second.members.end()) return;
  // Swap-remove from the pick order.
  const std::size_t i = m->second.index;
  auto& order = g->second.order;
  if (i + 1 != order.size()) {
    order[i] = order.back();
    g->second.members[order[i]].index = i;
  }
  order.pop_back();
  g->second.members.erase(m);
  --memberships_;
  if (auto pp = per_peer_.find(member); pp != per_peer_.end() && --pp->second == 0) per_peer_.erase(pp);
  auto pub = publishers_.find(g->first.first);
  if (pub != publishers_.end() && pub->second.peer == member && pub->second.key == g->first.second)
    publishers_.erase(pub);
  if (g->second.members.empty()) groups_.erase(g);
}

void GroupDirectory::leave(const PeerId& member, std::string_view name, const GroupPublisherKey& key) {
  auto g = groups_.find(Key(std::string(name), key));
  if (g == groups_.end() || !g->second.members.count(member)) return;
  ++stats_.leaves;
  remove(g, member);
}

void GroupDirectory::leave_all(const PeerId& member) {
  if (!per_peer_.count(member)) return;
  for (auto g = groups_.begin(); g != groups_.end();) {
    auto next = std::next(g);
    if (g->second.members.count(member)) {
      ++stats_.leaves;
      remove(g, member);
    }
    g = next;
  }
}

void GroupDirectory::expire(TimePoint now) {
  if (!sweep_at_ || now < *sweep_at_) return;
  for (auto g = groups_.begin(); g != groups_.end();) {
    auto next = std::next(g);
    std::vector<PeerId> gone;
    for (const auto& [id, m] : g->second.members)
      if (m.expires <= now) gone.push_back(id);
    if (!gone.empty()) {
      const Key key = g->first;  // remove() erases the group with its last member
      for (const auto& id : gone) {
        ++stats_.expired;
        auto again = groups_.find(key);
        if (again == groups_.end()) break;
        remove(again, id);
      }
    }
    g = next;
  }
  sweep_at_ = groups_.empty() ? std::nullopt : std::optional<TimePoint>(now + kSweepPeriod);
}

}  // namespace rtmfp::rendezvous
