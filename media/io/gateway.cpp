// See gateway.hpp.
#include "media/io/gateway.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace rtmfp::media::io {

struct Gateway::Route {
  RouteSpec spec;
  RelayControl control;
  std::thread thread;
  mutable std::mutex mu;  // the figures below (route thread writes, main thread reads)
  RouteReport totals;
};

Gateway::Gateway(RelayOptions base, std::function<void()> on_route_ended, std::chrono::milliseconds restart_delay)
    : base_(std::move(base)), on_ended_(std::move(on_route_ended)), restart_delay_(restart_delay) {}

Gateway::~Gateway() {
  stop();
  if (own_key_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(key_dir_, ec);
  }
}

std::string Gateway::group_key_file(const std::string& dst) {
  std::lock_guard lk(key_mu_);
  if (key_dir_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rtmfp-gateway-keys-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return {};  // the sink then makes a key of its own, per run
    key_dir_ = tmpl;
    own_key_dir_ = true;
  }
  std::string name;
  for (char c : dst) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return key_dir_ + "/" + name + ".key";
}

void Gateway::start(Route& r) {
  {
    std::lock_guard lk(r.mu);
    r.totals.spec = r.spec;
    r.totals.running = true;
  }
  r.thread = std::thread([this, &r] { run(r); });
}

void Gateway::run(Route& r) {
  const std::string label = r.spec.label();
  int rc = relay_ok;
  for (;;) {
    RelayOptions o = base_;
    o.from = r.spec.src;
    o.to = r.spec.dst;
    o.route = label;
    o.reconnect = true;  // a lost server is reopened; the other routes are not concerned
    if (o.to.rfind("rtmfp-group://", 0) == 0 && o.group_key_file.empty()) o.group_key_file = group_key_file(o.to);
    o.on_finish = [&r](const RelayStats::Snapshot& s) {
      std::lock_guard lk(r.mu);
      r.totals.frames += s.frames;
      r.totals.bytes += s.bytes;
      r.totals.reconnects += s.reconnects;
      if (!s.last_error.empty()) r.totals.last_error = s.last_error;
    };
    rc = run_relay(o, &r.control);
    if (r.control.stop_requested()) {
      rc = relay_ok;
      break;
    }
    {
      std::lock_guard lk(r.mu);
      r.totals.exit_code = rc;
    }
    // A file at either end is never run again: the input would be replayed,
    // the recording overwritten.
    const bool network = endpoint_kind(r.spec.src) != EndpointKind::file && endpoint_kind(r.spec.dst) != EndpointKind::file;
    if (!network || (rc != relay_ok && rc != relay_connect_failed)) {
      std::fprintf(stderr, "gateway: route %s ended (exit %d)\n", label.c_str(), rc);
      break;
    }
    std::fprintf(stderr, "gateway: route %s ended (exit %d), starting it again in %.1f s\n", label.c_str(), rc,
                 static_cast<double>(restart_delay_.count()) / 1000);
    {
      std::lock_guard lk(r.mu);
      ++r.totals.restarts;
    }
    if (!r.control.wait_for(restart_delay_)) {
      rc = relay_ok;
      break;
    }
  }
  {
    std::lock_guard lk(r.mu);
    r.totals.running = false;
    r.totals.exit_code = rc;
  }
  std::fflush(stderr);
  if (on_ended_) on_ended_();
}

Gateway::Change Gateway::apply(const std::vector<RouteSpec>& routes) {
  Change c;
  std::lock_guard lk(mu_);
  auto named = [&](const RouteSpec& s) { return std::find(routes.begin(), routes.end(), s) != routes.end(); };
  // Routes no longer named: all asked to stop first (they stop in parallel), then joined.
  std::vector<std::unique_ptr<Route>> gone;
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (named((*it)->spec)) {
      ++it;
      continue;
    }
    (*it)->control.request_stop();
    gone.push_back(std::move(*it));
    it = routes_.erase(it);
  }
  for (auto& r : gone) {
    if (r->thread.joinable()) r->thread.join();
    RouteReport last;
    {
      std::lock_guard rl(r->mu);
      last = r->totals;
    }
    std::fprintf(stderr, "gateway: route %s removed\n%s\n", r->spec.label().c_str(), format(last, base_.json).c_str());
    ++c.removed;
  }
  for (const auto& s : routes) {
    auto it = std::find_if(routes_.begin(), routes_.end(), [&](const auto& r) { return r->spec == s; });
    if (it == routes_.end()) {
      routes_.push_back(std::make_unique<Route>());
      routes_.back()->spec = s;
      std::fprintf(stderr, "gateway: route %s added (%s)\n", s.label().c_str(), s.origin.c_str());
      start(*routes_.back());
      ++c.added;
      continue;
    }
    Route& r = **it;
    bool ended;
    {
      std::lock_guard rl(r.mu);
      ended = !r.totals.running;
    }
    const bool has_file = endpoint_kind(r.spec.src) == EndpointKind::file || endpoint_kind(r.spec.dst) == EndpointKind::file;
    if (!ended || has_file) {
      ++c.kept;  // untouched: same thread, same connections (or a file route that is done)
      continue;
    }
    // An ended route named again is started again (its figures carry on).
    if (r.thread.joinable()) r.thread.join();
    std::fprintf(stderr, "gateway: route %s started again\n", r.spec.label().c_str());
    start(r);
    ++c.restarted;
  }
  std::fflush(stderr);
  return c;
}

void Gateway::stop() {
  std::lock_guard lk(mu_);
  for (auto& r : routes_) r->control.request_stop();
  for (auto& r : routes_)
    if (r->thread.joinable()) r->thread.join();
}

std::size_t Gateway::running() const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  for (const auto& r : routes_) {
    std::lock_guard rl(r->mu);
    n += r->totals.running;
  }
  return n;
}

std::vector<Gateway::RouteReport> Gateway::report() const {
  std::lock_guard lk(mu_);
  std::vector<RouteReport> v;
  for (const auto& r : routes_) {
    std::lock_guard rl(r->mu);
    v.push_back(r->totals);
  }
  return v;
}

int Gateway::exit_code() const {
  for (const auto& r : report())
    if (!r.running && r.exit_code != relay_ok) return r.exit_code;
  return relay_ok;
}

std::string Gateway::format(const RouteReport& r, bool json) {
  if (json) {
    RelayStats::Snapshot s;
    s.frames = r.frames;
    s.bytes = r.bytes;
    s.reconnects = r.reconnects;
    s.last_error = r.last_error;
    std::string line = RelayStats::format(s, true, r.spec.label());
    // {"route":...,"frames":...} + the summary's own fields
    line.pop_back();
    line += ",\"restarts\":" + std::to_string(r.restarts) + ",\"exit\":" + std::to_string(r.exit_code) +
            ",\"summary\":true}";
    return line;
  }
  std::string line = "gateway: summary " + r.spec.label() + ": " + std::to_string(r.frames) + " frames, " +
                     std::to_string(r.bytes) + " bytes, " + std::to_string(r.reconnects) + " reconnects, " +
                     std::to_string(r.restarts) + " restarts, exit " + std::to_string(r.exit_code);
  if (!r.last_error.empty()) line += ", last error: " + r.last_error;
  return line;
}

}  // namespace rtmfp::media::io
