// Internal: decode budget accounting shared by the AMF0 and AMF3 decoders
// (DecodeLimits::max_budget). Not part of the public API.
//
// The budget is in bytes of memory the decoded result (and the decoder's
// tables) really hold (review P3): sizeof(Value) per value, the key string
// of each object member, the heap block of every string longer than the
// small-string buffer, and table copies. A value's node is charged as the
// slot of the container holding it: containers whose item count is on the
// wire (arrays, vectors, dictionaries, sealed members) charge count * slot
// before reserving exactly that, so a count the budget cannot pay for fails
// before anything is allocated; property lists (count unknown) charge a
// slot per member and grow (vector growth may transiently hold up to twice
// what they charged).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "media/amf/amf_value.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::amf::detail {

// One decoded value node (besides its string/byte payload).
inline constexpr std::size_t kValueCost = sizeof(Value);
// What an object member / associative entry adds to its value: the key.
inline constexpr std::size_t kMemberCost = sizeof(Property) - sizeof(Value);
// A string object held outside a Value (AMF3 string table, trait names).
inline constexpr std::size_t kStringCost = sizeof(std::string);
// Heap bytes of a std::string of `len` bytes (libstdc++ keeps up to 15
// bytes inline; larger ones allocate len + 1).
inline constexpr std::size_t string_heap(std::size_t len) { return len > 15 ? len + 1 : 0; }

// The budget for one decoder over `input` bytes: min(max_budget, floor +
// per_input_byte * input), so a small message cannot claim the whole budget.
inline DecodeLimits effective_limits(DecodeLimits l, std::size_t input) {
  std::size_t prop = l.budget_floor;
  if (l.budget_per_input_byte != 0 && input <= (l.max_budget - std::min(l.max_budget, prop)) / l.budget_per_input_byte)
    prop += l.budget_per_input_byte * input;
  else
    prop = l.max_budget;
  l.max_budget = std::min(l.max_budget, prop);
  return l;
}

inline Result<void> charge(std::size_t& used, std::size_t bytes, std::size_t max) {
  if (bytes > max || used > max - bytes)
    return fail(Errc::limit_exceeded, "decoded data exceeds the budget of " + std::to_string(max) +
                                          " bytes (reference expansion or oversized input)");
  used += bytes;
  return {};
}

}  // namespace rtmfp::media::amf::detail
