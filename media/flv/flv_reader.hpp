// Incremental FLV reader (sans-I/O): feed bytes as they arrive (e.g. from
// stdin), take tags out as soon as they are complete. Layout: flv_types.hpp.
//
//   flv::Reader rd;
//   while (read some bytes into buf) {
//     rd.feed(buf);
//     while (true) {
//       auto t = rd.next();
//       if (!t) { report(t.error()); break; }   // sticky: every later call fails too
//       if (!*t) break;                          // need more bytes
//       handle(**t);
//     }
//   }
//   if (auto end = rd.finish(); !end) report(end.error());  // "truncated tag at offset N"
//
// Tolerant of what real files contain: a PreviousTagSize that disagrees with
// the tag before it is counted (stats().prev_size_mismatches) and parsing
// continues if the next tag header is sane; a non-zero StreamID and reserved
// header flag bits are counted; a missing final PreviousTagSize is accepted.
// Strict about what is malformed: a bad signature, a version other than 1, a
// DataOffset < 9, reserved tag-type bits, an unknown tag type, or a size
// mismatch followed by garbage are errors. Tags with the Filter (encryption)
// bit are returned with Tag::filtered set and counted.
#pragma once

#include <cstdint>
#include <optional>

#include "media/flv/flv_types.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::flv {

struct ReaderStats {
  std::size_t tags = 0;
  std::size_t prev_size_mismatches = 0;
  std::size_t nonzero_stream_ids = 0;
  std::size_t filtered_tags = 0;
  std::size_t reserved_header_bits = 0;  // header flags with reserved bits set
  bool missing_final_prev_size = false;  // set by finish()
};

class Reader {
 public:
  // Bytes beyond the 9-byte header that DataOffset may ask us to skip.
  static constexpr std::uint32_t kMaxDataOffset = 1u << 20;

  void feed(ByteView bytes);
  // Next complete tag; std::nullopt when more input is needed. Errors are
  // sticky and name the absolute file offset.
  Result<std::optional<Tag>> next();
  // Declares end of input. Fails with "truncated tag at offset N" (or
  // header / previous-tag-size) if a partial structure remains buffered.
  Result<void> finish();

  const std::optional<Header>& header() const { return header_; }
  const ReaderStats& stats() const { return stats_; }
  // Absolute offset of the first byte not yet consumed.
  std::uint64_t offset() const { return consumed_; }

 private:
  enum class State { header, skip_offset, prev_size, tag_header, tag_body, failed };
  std::size_t available() const { return buf_.size() - pos_; }
  void consume(std::size_t n);
  Result<std::optional<Tag>> fail_sticky(Error e);

  Bytes buf_;
  std::size_t pos_ = 0;         // read position in buf_
  std::uint64_t consumed_ = 0;  // absolute offset of buf_[pos_]
  State state_ = State::header;
  std::optional<Header> header_;
  std::uint32_t skip_left_ = 0;
  std::uint32_t expected_prev_ = 0;
  bool prev_mismatch_pending_ = false;
  std::uint64_t prev_mismatch_offset_ = 0;
  Tag pending_;
  std::uint32_t pending_size_ = 0;
  ReaderStats stats_;
  Error error_;
};

// Whole-buffer convenience: header, every tag, stats. Fails like Reader.
struct File {
  Header header;
  std::vector<Tag> tags;
  ReaderStats stats;
};
Result<File> read_file(ByteView data);

}  // namespace rtmfp::media::flv
