// The Profile Version rule shared by modern certificates (WIRE.md §3) and
// keying components (§5): the first option MUST be Profile Version (type
// 0x4d in both registries) with the 1-byte value 01, and it appears nowhere else.
#pragma once

#include <cstddef>
#include <string_view>

#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"
#include "rtmfp/core/wire/option.hpp"
#include "rtmfp/crypto/modern/option_types.hpp"

namespace rtmfp::crypto::modern {

inline constexpr std::uint64_t kProfileVersionOption = 0x4d;
static_assert(static_cast<std::uint64_t>(CertOption::profile_version) == kProfileVersionOption &&
              static_cast<std::uint64_t>(KeyingOption::profile_version) == kProfileVersionOption);

// Checks the option at `index` (0 = first) of a certificate or keying
// component. Errors: malformed if the first option is not Profile Version or a
// later one is; unsupported for a Profile Version value other than 01.
// `what` ("modern certificate", "modern SKIC") starts the message.
Result<void> check_profile_version_rule(const wire::Option& o, std::size_t index, std::string_view what);

// opt(0x4d, 01): the first option of everything we build.
void write_profile_version(ByteWriter& w);

}  // namespace rtmfp::crypto::modern
