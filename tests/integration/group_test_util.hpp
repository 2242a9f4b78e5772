// Shared by the P2P group integration tests (group_cli_test.cpp on
// loopback, nat_lab_test.cpp behind NATs): what a joiner's FLV must hold.
#pragma once

#include "tests/integration/rtmp_test_util.hpp"

namespace rtmp_it {

inline bool is_config(const Tag& t) { return is_avc_header(t) || is_aac_header(t); }

// The joiner's audio/video frames (sequence headers aside) are the source's
// from the position of its first frame to the end, in order, byte for byte,
// and its first frame is a keyframe.
inline void expect_tail_of(const std::vector<Tag>& in_all, const std::vector<Tag>& out_all) {
  std::vector<const Tag*> in, out;
  for (const auto& t : in_all)
    if (!is_config(t)) in.push_back(&t);
  for (const auto& t : out_all)
    if (!is_config(t)) out.push_back(&t);
  ASSERT_FALSE(out.empty()) << "the joiner played nothing";
  // Its first video frame is a keyframe (audio before it may come first).
  for (const Tag* t : out)
    if (t->type == TagType::video) {
      EXPECT_TRUE(is_keyframe(*t)) << "first video frame is not a keyframe";
      break;
    }
  std::size_t start = in.size();
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i]->type == out[0]->type && in[i]->data == out[0]->data) {
      start = i;
      break;
    }
  ASSERT_LT(start, in.size()) << "the joiner's first frame is not in the source";
  EXPECT_EQ(out.size(), in.size() - start) << "frames from the join point to the end";
  const std::size_t n = std::min(out.size(), in.size() - start);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (out[i]->type != in[start + i]->type || out[i]->data != in[start + i]->data) ++differ;
  EXPECT_EQ(differ, 0u) << "frames not byte-identical to the source";
  // Sequence headers came before the media.
  bool avc = false, aac = false;
  for (const auto& t : out_all) {
    avc = avc || is_avc_header(t);
    aac = aac || is_aac_header(t);
  }
  EXPECT_TRUE(avc && aac) << "sequence headers";
}

}  // namespace rtmp_it
