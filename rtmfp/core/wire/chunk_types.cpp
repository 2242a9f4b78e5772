// RFC 7016 §2.3 chunk type registry lookups (table: chunk_types.def).
#include "rtmfp/core/wire/chunk_types.hpp"

#include <array>

namespace rtmfp::wire {

namespace {
constexpr std::array kChunkTypes = {
#define X(name, code, section, startup_only) ChunkTypeInfo{ChunkType::name, #name, section, startup_only},
#include "rtmfp/core/wire/chunk_types.def"
#undef X
};
}  // namespace

std::optional<ChunkTypeInfo> chunk_type_info(std::uint8_t code) {
  for (const auto& info : kChunkTypes)
    if (static_cast<std::uint8_t>(info.type) == code) return info;
  return std::nullopt;
}

const char* chunk_type_name(std::uint8_t code) {
  auto info = chunk_type_info(code);
  return info ? info->name : "unknown";
}

}  // namespace rtmfp::wire
