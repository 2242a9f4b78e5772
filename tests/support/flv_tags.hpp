// FLV reading for the benchmarks and tools that check what a process wrote
// (no GoogleTest here): a file's audio and video tags, and whether a tag is a
// sequence header (AVC decoder configuration or AAC AudioSpecificConfig).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "media/flv/flv_reader.hpp"

namespace rtmfp::testing {

// Every audio and video tag of an FLV file (script data left out); empty if
// the file cannot be read or parsed.
inline std::vector<media::flv::Tag> read_av_tags(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(f)), {});
  auto file = media::flv::read_file(b);
  std::vector<media::flv::Tag> r;
  if (!file) return r;
  for (auto& t : file->tags)
    if (t.type != media::flv::TagType::script) r.push_back(std::move(t));
  return r;
}

// An H.264 sequence header (AVCPacketType 0) or an AAC one (AACPacketType 0).
inline bool is_sequence_header(const media::flv::Tag& t) {
  using media::flv::TagType;
  const bool avc = t.type == TagType::video && t.data.size() >= 2 && (t.data[0] & 0x0f) == 7 && t.data[1] == 0;
  const bool aac = t.type == TagType::audio && t.data.size() >= 2 && (t.data[0] >> 4) == 10 && t.data[1] == 0;
  return avc || aac;
}

}  // namespace rtmfp::testing
