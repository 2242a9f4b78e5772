// Incremental FLV reader. See flv_reader.hpp and flv_types.hpp (Video File
// Format Specification v10.1, Annex E.2-E.4.1).
#include "media/flv/flv_reader.hpp"

#include <algorithm>
#include <string>

namespace rtmfp::media::flv {
namespace {

std::uint32_t be24(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]; }
std::uint32_t be32(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 24) | be24(p + 1); }

bool valid_type(std::uint8_t t) { return t == 8 || t == 9 || t == 18; }

}  // namespace

void Reader::feed(ByteView bytes) {
  if (state_ == State::failed) return;
  // Compact once the consumed prefix dominates, so memory stays ~ one tag.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

void Reader::consume(std::size_t n) {
  pos_ += n;
  consumed_ += n;
}

Result<std::optional<Tag>> Reader::fail_sticky(Error e) {
  state_ = State::failed;
  error_ = e;
  buf_.clear();
  pos_ = 0;
  return std::unexpected(std::move(e));
}

Result<std::optional<Tag>> Reader::next() {
  for (;;) {
    switch (state_) {
      case State::failed: return std::unexpected(error_);

      case State::header: {  // E.2
        // Check the signature as soon as its bytes arrive, so a non-FLV
        // stream fails fast.
        static constexpr std::uint8_t sig[3] = {'F', 'L', 'V'};
        for (std::size_t i = 0; i < 3 && i < available(); ++i)
          if (buf_[pos_ + i] != sig[i]) return fail_sticky(Error{Errc::malformed, "bad FLV signature (expected 'FLV')"});
        if (available() < kHeaderSize) return std::optional<Tag>{};
        const std::uint8_t* p = buf_.data() + pos_;
        Header h;
        h.version = p[3];
        if (h.version != 1)
          return fail_sticky(Error{Errc::unsupported, "FLV version " + std::to_string(h.version) + " not supported (only 1)"});
        std::uint8_t flags = p[4];
        if (flags & ~0x05) ++stats_.reserved_header_bits;
        h.has_audio = flags & 0x04;
        h.has_video = flags & 0x01;
        h.data_offset = be32(p + 5);
        if (h.data_offset < kHeaderSize)
          return fail_sticky(Error{Errc::malformed, "FLV DataOffset " + std::to_string(h.data_offset) + " is less than 9"});
        if (h.data_offset > kMaxDataOffset)
          return fail_sticky(Error{Errc::limit_exceeded, "FLV DataOffset " + std::to_string(h.data_offset) + " too large"});
        header_ = h;
        consume(kHeaderSize);
        skip_left_ = h.data_offset - static_cast<std::uint32_t>(kHeaderSize);
        expected_prev_ = 0;  // PreviousTagSize0
        state_ = State::skip_offset;
        break;
      }

      case State::skip_offset: {
        std::size_t n = std::min<std::size_t>(skip_left_, available());
        consume(n);
        skip_left_ -= static_cast<std::uint32_t>(n);
        if (skip_left_ > 0) return std::optional<Tag>{};
        state_ = State::prev_size;
        break;
      }

      case State::prev_size: {  // E.3
        if (available() < 4) return std::optional<Tag>{};
        std::uint32_t prev = be32(buf_.data() + pos_);
        if (prev != expected_prev_) {
          ++stats_.prev_size_mismatches;
          prev_mismatch_pending_ = true;
          prev_mismatch_offset_ = consumed_;
        }
        consume(4);
        state_ = State::tag_header;
        break;
      }

      case State::tag_header: {  // E.4.1
        if (available() < kTagHeaderSize) return std::optional<Tag>{};
        const std::uint8_t* p = buf_.data() + pos_;
        std::uint8_t type = p[0] & 0x1F;
        bool sane = (p[0] & 0xC0) == 0 && valid_type(type);
        std::uint32_t stream_id = be24(p + 8);
        if (prev_mismatch_pending_) {
          // After a bad PreviousTagSize only accept a clearly sane tag.
          if (!sane || stream_id != 0)
            return fail_sticky(Error{Errc::malformed, "previous tag size mismatch at offset " +
                                                          std::to_string(prev_mismatch_offset_) +
                                                          " and no valid tag follows at offset " + std::to_string(consumed_)});
          prev_mismatch_pending_ = false;
        }
        if (p[0] & 0xC0)
          return fail_sticky(Error{Errc::malformed, "reserved tag-type bits set in tag at offset " + std::to_string(consumed_)});
        if (!valid_type(type))
          return fail_sticky(Error{Errc::malformed, "unknown tag type " + std::to_string(type) + " at offset " +
                                                        std::to_string(consumed_)});
        pending_ = Tag{};
        pending_.type = static_cast<TagType>(type);
        pending_.filtered = (p[0] & 0x20) != 0;
        pending_size_ = be24(p + 1);
        pending_.timestamp = be24(p + 4) | (std::uint32_t{p[7]} << 24);
        pending_.stream_id = stream_id;
        pending_.offset = consumed_;
        if (pending_.filtered) ++stats_.filtered_tags;
        if (stream_id != 0) ++stats_.nonzero_stream_ids;
        consume(kTagHeaderSize);
        state_ = State::tag_body;
        break;
      }

      case State::tag_body: {
        if (available() < pending_size_) return std::optional<Tag>{};
        pending_.data.assign(buf_.begin() + static_cast<std::ptrdiff_t>(pos_),
                             buf_.begin() + static_cast<std::ptrdiff_t>(pos_ + pending_size_));
        consume(pending_size_);
        expected_prev_ = static_cast<std::uint32_t>(kTagHeaderSize) + pending_size_;
        state_ = State::prev_size;
        ++stats_.tags;
        return std::optional<Tag>{std::move(pending_)};
      }
    }
  }
}

Result<void> Reader::finish() {
  if (state_ == State::failed) return std::unexpected(error_);
  auto fail_at = [&](Errc c, std::string what) -> Result<void> {
    auto r = fail_sticky(Error{c, std::move(what)});
    return std::unexpected(r.error());
  };
  switch (state_) {
    case State::header:
      return fail_at(Errc::truncated, "truncated FLV header (" + std::to_string(available()) + " of 9 bytes)");
    case State::skip_offset:
      return fail_at(Errc::truncated, "truncated FLV header: input ended inside DataOffset padding");
    case State::prev_size:
      if (available() == 0) {
        // Header-only input, or a file whose last PreviousTagSize is absent.
        if (stats_.tags > 0) stats_.missing_final_prev_size = true;
        return {};
      }
      return fail_at(Errc::truncated, "truncated previous tag size at offset " + std::to_string(consumed_));
    case State::tag_header:
      if (available() == 0) return {};  // clean end after a PreviousTagSize
      return fail_at(Errc::truncated, "truncated tag at offset " + std::to_string(consumed_));
    case State::tag_body:
      return fail_at(Errc::truncated, "truncated tag at offset " + std::to_string(pending_.offset) + " (" +
                                          std::to_string(available()) + " of " + std::to_string(pending_size_) +
                                          " data bytes)");
    case State::failed: break;
  }
  return std::unexpected(error_);
}

Result<File> read_file(ByteView data) {
  Reader rd;
  rd.feed(data);
  File f;
  for (;;) {
    auto t = rd.next();
    if (!t) return std::unexpected(t.error());
    if (!*t) break;
    f.tags.push_back(std::move(**t));
  }
  if (auto end = rd.finish(); !end) return std::unexpected(end.error());
  f.header = *rd.header();
  f.stats = rd.stats();
  return f;
}

}  // namespace rtmfp::media::flv
