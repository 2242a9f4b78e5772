#include "rendezvous/core/nat_checker.hpp"

#include <algorithm>

namespace rtmfp::rendezvous {
namespace {

bool same_ip(const SocketAddress& a, const SocketAddress& b) {
  SocketAddress x = a, y = b;
  x.port = y.port = 0;
  return x == y;
}

}  // namespace

NatChecker::NatChecker(Endpoint& endpoint, RandomSource& rng, NatCheckerConfig config, Done done)
    : endpoint_(endpoint), rng_(rng), config_(config), done_(std::move(done)) {}

void NatChecker::start(TimePoint now) {
  for (auto& r : requests_)
    if (r) endpoint_.forget_probe_tag(r->tag), r.reset();
  obs_ = {};
  result_.reset();
  sent_ = 0;
  started_ = now;
  rtt_ = {};
  phase_ = Phase::filtering;
  phase_end_ = now + config_.answer_timeout;
  send(now, kSame, config_.server, NatCheckReplyFrom::same);
  send(now, kFromOtherPort, config_.server, NatCheckReplyFrom::other_port);
  send(now, kFromOtherAddress, config_.server, NatCheckReplyFrom::other_address);
}

void NatChecker::send(TimePoint now, Slot slot, const SocketAddress& to, NatCheckReplyFrom from) {
  auto& r = requests_[slot];
  if (!r) {
    r.emplace();
    r->tag.resize(params::kTagSize);
    rng_.fill(r->tag);
    r->to = to;
    r->from = from;
  }
  r->next_send = now + config_.resend;
  ++sent_;
  (void)endpoint_.send_probe_ihello(now, config_.profile, encode_nat_check_epd(from), r->tag, to);
}

void NatChecker::resend_due(TimePoint now) {
  for (int i = 0; i < kSlots; ++i) {
    auto& r = requests_[i];
    if (r && !r->answered && now >= r->next_send) send(now, static_cast<Slot>(i), r->to, r->from);
  }
}

std::optional<NatChecker::Slot> NatChecker::slot_of(ByteView tag) const {
  for (int i = 0; i < kSlots; ++i)
    if (requests_[i] && std::equal(tag.begin(), tag.end(), requests_[i]->tag.begin(), requests_[i]->tag.end()))
      return static_cast<Slot>(i);
  return std::nullopt;
}

bool NatChecker::on_event(TimePoint now, const EndpointEvent& event) {
  if (!running()) return false;
  if (const auto* r = std::get_if<ProbeRedirect>(&event)) {
    auto slot = slot_of(r->tag);
    if (!slot) return false;
    on_answer(now, *slot, *r);
    maybe_advance(now);
    return true;
  }
  if (const auto* l = std::get_if<ProbeLoopedBack>(&event)) {
    auto slot = slot_of(l->tag);
    if (!slot) return false;
    if (*slot == kHairpin) {
      requests_[kHairpin]->answered = true;
      obs_.hairpin = true;
    }
    maybe_advance(now);
    return true;
  }
  return false;
}

void NatChecker::on_answer(TimePoint now, Slot slot, const ProbeRedirect& r) {
  Request& q = *requests_[slot];
  if (q.answered) return;  // a duplicate (a resend answered twice)
  // [0] is the source the server saw (nat_check.hpp).
  if (r.addresses.empty() || r.addresses[0].origin != wire::AddressOrigin::observed) return;
  const SocketAddress seen = r.addresses[0].address;
  switch (slot) {
    case kSame: {
      if (r.from != config_.server) return;  // test 1 must come from the socket asked
      q.answered = true;
      obs_.reflexive = seen;
      rtt_ = now - started_;  // first send to answer: an upper bound of one RTT
      for (std::size_t i = 1; i < r.addresses.size(); ++i) {
        if (r.addresses[i].origin != wire::AddressOrigin::local) continue;
        SocketAddress a = r.addresses[i].address;
        if (a.v6 != config_.server.v6) continue;
        if (a.is_unspecified()) {  // a wildcard listener: the address we sent to
          const std::uint16_t port = a.port;
          a = config_.server;
          a.port = port;
        }
        if (same_ip(a, config_.server) && a.port != config_.server.port && !obs_.other_port)
          obs_.other_port = a;
        else if (!same_ip(a, config_.server) && !obs_.other_address)
          obs_.other_address = a;
      }
      phase_end_ = now + std::max(config_.filter_wait, 4 * rtt_);
      // RFC 4787 §6: does the NAT send our packet to our own public address
      // back to us? Asked now, beside the filtering tests (it goes to our
      // own NAT, not to the server's other sockets, so it opens nothing
      // they test); only we can receive it, as ProbeLoopedBack.
      send(now, kHairpin, seen, NatCheckReplyFrom::same);
      hairpin_end_ = now + config_.hairpin_wait;
      break;
    }
    case kFromOtherPort:
      q.answered = true;
      obs_.reached_from_other_port = same_ip(r.from, config_.server) && r.from.port != config_.server.port;
      break;
    case kFromOtherAddress:
      q.answered = true;
      obs_.reached_from_other_address = !same_ip(r.from, config_.server);
      break;
    case kMapOtherPort:
      q.answered = true;
      obs_.reflexive_other_port = seen;
      break;
    case kMapOtherAddress:
      q.answered = true;
      obs_.reflexive_other_address = seen;
      break;
    default:
      break;
  }
}

void NatChecker::maybe_advance(TimePoint now) {
  auto done = [&](Slot s) { return !requests_[s] || requests_[s]->answered; };
  // The hairpin test ends when our IHello came back or its window passed
  // (then the NAT does not hairpin, or lost it every time).
  if (requests_[kHairpin] && !requests_[kHairpin]->answered && now >= hairpin_end_) requests_[kHairpin]->answered = true;
  if (phase_ == Phase::filtering) {
    if (!done(kSame)) return;
    // Answers that cannot come (the server lacks that socket) are not waited for.
    const bool port_done = done(kFromOtherPort) || !obs_.other_port;
    const bool address_done = done(kFromOtherAddress) || !obs_.other_address;
    if ((port_done && address_done) || now >= phase_end_) begin_mapping(now);
    return;
  }
  if (phase_ == Phase::mapping) {
    if ((done(kMapOtherPort) && done(kMapOtherAddress) && done(kHairpin)) || now >= phase_end_) finish(now);
  }
}

void NatChecker::begin_mapping(TimePoint now) {
  // The filtering requests are over: answers arriving later mean nothing.
  for (Slot s : {kFromOtherPort, kFromOtherAddress})
    if (requests_[s] && !requests_[s]->answered) requests_[s]->answered = true;
  phase_ = Phase::mapping;
  phase_end_ = now + std::max(config_.mapping_wait, 4 * rtt_);
  if (obs_.other_port) send(now, kMapOtherPort, *obs_.other_port, NatCheckReplyFrom::same);
  if (obs_.other_address) send(now, kMapOtherAddress, *obs_.other_address, NatCheckReplyFrom::same);
  maybe_advance(now);
}

void NatChecker::finish(TimePoint now, std::string error) {
  phase_ = Phase::done;
  NatCheckResult res;
  res.ok = error.empty();
  res.error = std::move(error);
  res.observed = obs_;
  res.nat = classify(obs_);
  res.elapsed = now - started_;
  res.requests_sent = sent_;
  for (auto& r : requests_)
    if (r) endpoint_.forget_probe_tag(r->tag), r.reset();
  result_ = res;
  if (done_) done_(now, *result_);
}

std::optional<TimePoint> NatChecker::next_deadline() const {
  if (!running()) return std::nullopt;
  TimePoint t = phase_end_;
  if (requests_[kHairpin] && !requests_[kHairpin]->answered) t = std::min(t, hairpin_end_);
  for (const auto& r : requests_)
    if (r && !r->answered) t = std::min(t, r->next_send);
  return t;
}

void NatChecker::on_deadline(TimePoint now) {
  if (!running()) return;
  if (phase_ == Phase::filtering && !obs_.reflexive && now >= phase_end_) {
    finish(now, "no answer from the rendezvous's NAT check (UDP blocked, or a server without it)");
    return;
  }
  maybe_advance(now);
  if (running()) resend_due(now);
}

void NatChecker::on_shutdown(TimePoint now) {
  if (running()) finish(now, "stopped");
}

}  // namespace rtmfp::rendezvous
