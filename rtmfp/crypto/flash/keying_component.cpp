#include "rtmfp/crypto/flash/keying_component.hpp"

#include <string>

#include "rtmfp/crypto/flash/option_types.hpp"
#include "rtmfp/crypto/flash/options.hpp"

namespace rtmfp::crypto::flash {
namespace {

Result<Negotiation> parse_negotiation(ByteView v, bool with_length, const std::string& what) {
  ByteReader r(v);
  const std::uint8_t flags = r.u8();
  Negotiation n;
  n.send_always = flags & kNegotiateSendAlways;
  n.send_on_request = flags & kNegotiateSendOnRequest;
  n.request = flags & kNegotiateRequest;
  if (with_length) {
    const std::uint64_t len = read_vlu(r);
    if (!r.ok()) return fail(Errc::malformed, what + ": HMAC Negotiation truncated (RFC 7425 §4.5.2.4)");
    const bool will_send = n.send_always || n.send_on_request;
    if (will_send ? (len < 4 || len > 32) : len != 0)
      return fail(Errc::malformed, what + ": hmacLength must be 4..32, or 0 iff SND and SOR are clear (RFC 7425 §4.5.2.4)");
    n.hmac_length = static_cast<std::size_t>(len);
  }
  if (!r.ok()) return fail(Errc::malformed, what + ": negotiation option truncated (RFC 7425 §4.5.2.5)");
  return n;
}

void write_negotiation(ByteWriter& w, KeyingOption type, const Negotiation& n, bool with_length) {
  Bytes v;
  ByteWriter vw(v);
  vw.u8(static_cast<std::uint8_t>((n.send_always ? kNegotiateSendAlways : 0) |
                                  (n.send_on_request ? kNegotiateSendOnRequest : 0) |
                                  (n.request ? kNegotiateRequest : 0)));
  if (with_length) write_vlu(vw, n.hmac_length);
  write_option(w, static_cast<std::uint64_t>(type), v);
}

}  // namespace

Result<KeyingComponent> parse_keying_component(ByteView data, const char* what) {
  const std::string name(what);
  auto opts = parse_options(data, what);
  if (!opts) return std::unexpected(opts.error());
  KeyingComponent c;
  for (const auto& o : *opts) {
    if (o.marker) continue;
    switch (o.type) {
      case static_cast<std::uint64_t>(KeyingOption::ephemeral_key): {
        if (c.ephemeral_key) return fail(Errc::malformed, name + ": more than one Ephemeral DH Public Key (RFC 7425 §4.5.2.1)");
        auto k = read_group_key(o.value);
        if (!k) return fail(Errc::malformed, name + ": Ephemeral DH Public Key malformed (RFC 7425 §4.5.2.1)");
        c.ephemeral_key = EphemeralKey{k->group, Bytes(k->key.begin(), k->key.end())};
        break;
      }
      case static_cast<std::uint64_t>(KeyingOption::extra_randomness):
        if (!c.extra_randomness) c.extra_randomness.emplace();
        c.extra_randomness->insert(c.extra_randomness->end(), o.value.begin(), o.value.end());
        break;
      case static_cast<std::uint64_t>(KeyingOption::group_select): {
        if (c.group_select) return fail(Errc::malformed, name + ": more than one DH Group Select (RFC 7425 §4.5.2.3)");
        auto g = vlu_value(o.value, what);
        if (!g) return std::unexpected(g.error());
        c.group_select = *g;
        break;
      }
      case static_cast<std::uint64_t>(KeyingOption::hmac_negotiation): {
        if (c.hmac) return fail(Errc::malformed, name + ": repeated HMAC Negotiation");
        auto n = parse_negotiation(o.value, true, name);
        if (!n) return std::unexpected(n.error());
        c.hmac = *n;
        break;
      }
      case static_cast<std::uint64_t>(KeyingOption::sseq_negotiation): {
        if (c.sseq) return fail(Errc::malformed, name + ": repeated Session Sequence Number Negotiation");
        auto n = parse_negotiation(o.value, false, name);
        if (!n) return std::unexpected(n.error());
        c.sseq = *n;
        break;
      }
      default:
        break;  // §4.5.2: unknown types MUST be ignored
    }
  }
  if (c.ephemeral_key && c.group_select)
    return fail(Errc::malformed, name + ": DH Group Select together with an Ephemeral DH Public Key (RFC 7425 §4.5.2.3)");
  return c;
}

Bytes build_keying_component(const KeyingComponent& c) {
  Bytes out;
  ByteWriter w(out);
  if (c.group_select) write_vlu_option(w, static_cast<std::uint64_t>(KeyingOption::group_select), *c.group_select);
  if (c.extra_randomness) write_option(w, static_cast<std::uint64_t>(KeyingOption::extra_randomness), *c.extra_randomness);
  if (c.hmac) write_negotiation(w, KeyingOption::hmac_negotiation, *c.hmac, true);
  if (c.sseq) write_negotiation(w, KeyingOption::sseq_negotiation, *c.sseq, false);
  if (c.ephemeral_key)
    write_group_key_option(w, static_cast<std::uint64_t>(KeyingOption::ephemeral_key), c.ephemeral_key->group,
                           c.ephemeral_key->public_key);
  return out;
}

Negotiation negotiation_from(const CheckPolicy& p, std::size_t hmac_length) {
  Negotiation n;
  n.send_always = p.send_always;
  n.send_on_request = p.send_on_request;
  n.request = p.request || p.require;
  n.hmac_length = (n.send_always || n.send_on_request) ? hmac_length : 0;
  return n;
}

namespace {
bool sends(const std::optional<Negotiation>& sender, const std::optional<Negotiation>& other) {
  if (!sender) return false;
  return sender->send_always || (sender->send_on_request && other && other->request);
}
bool could_send(const std::optional<Negotiation>& n) { return n && (n->send_always || n->send_on_request); }
}  // namespace

Result<DirectionChecks> negotiate_send(const KeyingComponent& near, const KeyingComponent& far) {
  DirectionChecks d;
  d.hmac = sends(near.hmac, far.hmac);  // §4.6.4
  d.hmac_length = d.hmac ? near.hmac->hmac_length : 0;
  d.sseq = sends(near.sseq, far.sseq);  // §4.6.6
  return d;
}

Result<DirectionChecks> negotiate_receive(const KeyingComponent& near, const KeyingComponent& far,
                                          const CheckPolicy& hmac_policy, const CheckPolicy& sseq_policy) {
  if (hmac_policy.require && !could_send(far.hmac))
    return fail(Errc::refused, "far end will not send an HMAC, which this end requires (RFC 7425 §4.6.4)");
  if (sseq_policy.require && !could_send(far.sseq))
    return fail(Errc::refused, "far end will not send session sequence numbers, which this end requires (RFC 7425 §4.6.6)");
  DirectionChecks d;
  d.hmac = sends(far.hmac, near.hmac);
  d.hmac_length = d.hmac ? far.hmac->hmac_length : 0;
  d.sseq = sends(far.sseq, near.sseq);
  return d;
}

}  // namespace rtmfp::crypto::flash
