#include "rendezvous/core/introducer.hpp"

#include <chrono>

#include "rtmfp/core/params.hpp"
#include "rtmfp/core/siphash.hpp"

namespace rtmfp::rendezvous {

const char* refusal_name(Refusal r) {
  switch (r) {
#define RTMFP_INTRO_REFUSAL_NAME(name, text) \
  case Refusal::name:                        \
    return #name;
    RTMFP_INTRO_REFUSAL_TABLE(RTMFP_INTRO_REFUSAL_NAME)
#undef RTMFP_INTRO_REFUSAL_NAME
    case Refusal::count_:
      break;
  }
  return "unknown";
}

const char* refusal_text(Refusal r) {
  switch (r) {
#define RTMFP_INTRO_REFUSAL_TEXT(name, text) \
  case Refusal::name:                        \
    return text;
    RTMFP_INTRO_REFUSAL_TABLE(RTMFP_INTRO_REFUSAL_TEXT)
#undef RTMFP_INTRO_REFUSAL_TEXT
    case Refusal::count_:
      break;
  }
  return "unknown";
}

std::size_t Introducer::TagKeyHash::operator()(const TagKey& k) const noexcept {
  // Tags come from initiators; an unkeyed hash is fine here because the table
  // is bounded and the rate limits run first. Mix the target in.
  std::size_t h = 0xcbf29ce484222325ull ^ k.target;
  for (auto b : k.tag) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

std::vector<wire::WireAddress> redirect_addresses(const PeerRecord& target, const SocketAddress& initiator) {
  const bool same_nat = !target.reflexive.is_unspecified() && target.reflexive.v6 == initiator.v6 &&
                        target.reflexive.ip == initiator.ip;
  std::vector<wire::WireAddress> out;
  auto push = [&](const SocketAddress& a, wire::AddressOrigin origin) {
    if (out.size() >= params::kRedirectThreshold) return;
    for (const auto& w : out)
      if (w.address == a) return;
    out.push_back(wire::WireAddress{a, origin});
  };
  for (bool family_v6 : {initiator.v6, !initiator.v6}) {
    auto reflexive = [&] {
      if (target.reflexive.v6 == family_v6 && !target.reflexive.is_unspecified())
        push(target.reflexive, wire::AddressOrigin::observed);
    };
    auto hosts = [&] {
      for (const auto& h : target.host_addresses)
        if (h.v6 == family_v6) push(h, wire::AddressOrigin::local);
    };
    if (same_nat) {
      hosts();
      reflexive();
    } else {
      reflexive();
      hosts();
    }
  }
  return out;
}

Introducer::Introducer()
    : tags_(1.0 / std::chrono::duration<double>(limits::kTagRepeatInterval).count(), 1.0,
            limits::kTagTableSize),
      sources_(limits::kSourceRatePerSecond, limits::kSourceBurst, limits::kRateTableSize),
      targets_(limits::kTargetRatePerSecond, limits::kTargetBurst, limits::kRateTableSize) {}

std::unexpected<Refusal> Introducer::refuse(Refusal r) {
  ++stats_.refused[static_cast<std::size_t>(r)];
  return std::unexpected(r);
}

std::expected<Introduction, Refusal> Introducer::introduce(TimePoint now, const IntroductionRequest& request,
                                                           const Registry& registry) {
  if (!request.target) return refuse(Refusal::no_fingerprint);
  const PeerRecord* target = registry.find(*request.target);
  if (!target) return refuse(Refusal::unknown_peer);
  if (target->profile != request.profile) return refuse(Refusal::wrong_profile);
  // A peer asking the introducer for itself from its own registered address
  // would get an FIHello naming its own session: nothing to open.
  if (target->reflexive == request.from) return refuse(Refusal::self);
  // Cheapest and most specific first: a repeat costs no rate token.
  if (!tags_.take(now, TagKey{request.tag, target->session})) return refuse(Refusal::repeat);
  if (!sources_.take(now, request.from)) return refuse(Refusal::source_rate);
  if (!targets_.take(now, target->session)) return refuse(Refusal::target_rate);

  Introduction intro;
  intro.redirect = redirect_addresses(*target, request.from);
  intro.forward_session = target->session;
  intro.reply_address = wire::WireAddress{request.from, wire::AddressOrigin::observed};
  ++stats_.introductions;
  return intro;
}

}  // namespace rtmfp::rendezvous
