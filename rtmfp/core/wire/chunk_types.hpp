// Chunk type codes generated from chunk_types.def (RFC 7016 §2.3).
#pragma once

#include <cstdint>
#include <optional>

namespace rtmfp::wire {

enum class ChunkType : std::uint8_t {
#define X(name, code, section, startup_only) name = code,
#include "rtmfp/core/wire/chunk_types.def"
#undef X
};

inline constexpr std::uint8_t kPaddingChunk0 = 0x00;  // §2.3
inline constexpr std::uint8_t kPaddingChunkFF = 0xff; // §2.3

struct ChunkTypeInfo {
  ChunkType type;
  const char* name;
  const char* section;  // RFC 7016 section
  bool startup_only;
};

// nullopt for an unknown code (which a receiver MUST ignore, §2.3).
std::optional<ChunkTypeInfo> chunk_type_info(std::uint8_t code);
const char* chunk_type_name(std::uint8_t code);  // "unknown" if not in the table

}  // namespace rtmfp::wire
