// Fuzzes the incremental FLV reader: the input is fed in chunks whose sizes
// come from the first byte, then finish() is called. Invariants: no crash;
// the same input read in one piece gives the same tags and the same outcome;
// script tags go through the onMetaData helper and A/V tags through the
// info helpers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/flv/flv_media.hpp"
#include "media/flv/flv_reader.hpp"

using namespace rtmfp;
using namespace rtmfp::media::flv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t step = 1 + data[0] % 17;
  ByteView in(data + 1, size - 1);
  Reader rd;
  std::vector<Tag> tags;
  bool failed = false;
  for (std::size_t i = 0; i < in.size() && !failed; i += step) {
    rd.feed(in.subspan(i, std::min(step, in.size() - i)));
    for (;;) {
      auto t = rd.next();
      if (!t) {
        failed = true;
        break;
      }
      if (!*t) break;
      tags.push_back(std::move(**t));
    }
  }
  if (!failed) failed = !rd.finish();
  auto whole = read_file(in);
  if (whole.has_value() == failed) std::abort();
  if (whole && whole->tags != tags) std::abort();
  for (const auto& t : tags) {
    if (t.type == TagType::script) (void)parse_script(t.data);
    else if (t.type == TagType::video) (void)parse_video(t.data);
    else (void)parse_audio(t.data);
  }
  return 0;
}
