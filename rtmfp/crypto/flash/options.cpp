#include "rtmfp/crypto/flash/options.hpp"

#include <string>

namespace rtmfp::crypto::flash {

Result<std::vector<SeqOption>> parse_options(ByteView data, const char* what) {
  auto seq = wire::parse_option_sequence(data);
  if (!seq) return fail(seq.error().code, std::string(what) + ": " + seq.error().message());
  std::vector<SeqOption> out;
  out.reserve(seq->size());
  for (const auto& o : *seq) out.push_back(SeqOption{o.marker, o.type, o.value});
  return out;
}

Result<std::uint64_t> vlu_value(ByteView value, const char* what) {
  ByteReader r(value);
  const std::uint64_t v = read_vlu(r);
  if (!r.ok() || !r.empty()) return fail(Errc::malformed, std::string(what) + ": bad VLU value");
  return v;
}

}  // namespace rtmfp::crypto::flash
