// `rtmfp probe --nat rtmfp://HOST:PORT`: the NAT check (rendezvous/core/
// nat_check.hpp) against a rendezvous, on a Node run by a NodeHost, with no
// session at all (probe IHellos and their Redirect answers only).
#pragma once

#include <string>

#include "rendezvous/core/nat_checker.hpp"
#include "rtmfp/core/crypto/crypto_profile.hpp"
#include "rtmfp/core/trace.hpp"

namespace rtmfp::rendezvous {

struct NatProbeOptions {
  std::string uri;  // rtmfp://HOST[:PORT]
  TraceSink* trace = nullptr;
};

struct NatProbeOutcome {
  NatCheckResult result;
  std::string error;  // bad URI, resolve, socket: before any check
  int exit_code = 0;  // 0 ok, 2 bad URI, 3 resolve, 4 no answer, 6 I/O
};

NatProbeOutcome run_nat_probe(const NatProbeOptions& options, CryptoProfile& profile, RandomSource& rng);

}  // namespace rtmfp::rendezvous
