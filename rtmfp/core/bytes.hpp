// Byte buffers and bounds-checked readers/writers used by every codec.
// Sans-I/O: no exceptions; a failed read sets the reader's error flag and
// returns zero, so decoders can read a whole structure and check once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtmfp {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex of a byte range ("0a1b...").
std::string to_hex(ByteView b);
// Parses hex; whitespace is skipped. Returns false on an odd digit count or a
// non-hex character.
bool from_hex(std::string_view hex, Bytes& out);

// Forward-only reader over a byte range. Every read is bounds checked; on a
// short read `ok()` becomes false and stays false.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  bool ok() const { return ok_; }
  bool empty() const { return pos_ >= data_.size(); }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  std::size_t position() const { return pos_; }

  std::uint8_t u8();
  std::uint16_t u16();  // big-endian
  std::uint32_t u32();  // big-endian
  std::uint64_t u64();  // big-endian
  // Returns a view of the next n bytes (empty view and !ok() if short).
  ByteView take(std::size_t n);
  ByteView rest();  // everything that remains
  void skip(std::size_t n) { (void)take(n); }
  // Marks the reader failed (used by decoders on semantic errors).
  void fail() { ok_ = false; }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Appending writer over a Bytes vector.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  std::size_t size() const { return out_.size(); }
  Bytes& buffer() { return out_; }
  // Overwrites a big-endian u16 previously written at `pos`.
  void patch_u16(std::size_t pos, std::uint16_t v);

 private:
  Bytes& out_;
};

}  // namespace rtmfp
