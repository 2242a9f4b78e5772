// AMF0 codec (amf0_spec_121207.txt §2, §3.1). Sans-I/O, no exceptions.
//
// Decoding: every marker of §2.1. movieclip 0x04 and recordset 0x0E are
// reserved and rejected (§2.6, §2.16); a bare object-end 0x09 is rejected.
// Reference 0x07 (§2.9) is resolved against the decoder's object table (one
// table per Decoder, i.e. per RTMP message). 0x11 avmplus-object (§3.1)
// decodes the following value as AMF3 with a fresh AMF3 context (as in the
// RTMP errata E§7.2 "decode_amf3()"): the switch is transparent, the result
// is an ordinary Value. The date time-zone field is ignored (§2.13).
// The ECMA array count (§2.10) is only a hint: entries are read up to the
// object-end marker.
//
// Encoding: undefined/null/unsupported/boolean/number/string/date/object
// (typed when class_name is set)/ECMA array/strict array/xml-document map to
// their AMF0 markers; strings > 65535 bytes use long-string 0x0C (§2.14);
// integer is written as a number; an array with associative entries is
// written as an ECMA array (dense items under keys "0".."n-1" first). Types
// AMF0 cannot express (xml, byte array, vector, dictionary, externalizable
// objects) are written through the avmplus switch 0x11 + AMF3. The encoder
// never emits references (value semantics: no shared instances).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "media/amf/amf_value.hpp"
#include "rtmfp/core/bytes.hpp"
#include "rtmfp/core/error.hpp"

namespace rtmfp::media::amf::amf0 {

// §2.1 type markers.
enum class Marker : std::uint8_t {
  number = 0x00,
  boolean = 0x01,
  string = 0x02,
  object = 0x03,
  movieclip = 0x04,  // reserved
  null = 0x05,
  undefined = 0x06,
  reference = 0x07,
  ecma_array = 0x08,
  object_end = 0x09,
  strict_array = 0x0A,
  date = 0x0B,
  long_string = 0x0C,
  unsupported = 0x0D,
  recordset = 0x0E,  // reserved
  xml_document = 0x0F,
  typed_object = 0x10,
  avmplus_object = 0x11,
};

// Decodes a sequence of AMF0 values from one buffer (e.g. an RTMP type 20
// command or type 18 data message body). The reference table persists across
// the values of one Decoder.
class Decoder {
 public:
  explicit Decoder(ByteView data, DecodeLimits limits = {});
  // Decodes the next value. Errors name what was wrong and the byte offset;
  // they are sticky (the reference table may be half-built).
  Result<Value> next();
  bool done() const { return reader_.empty(); }
  std::size_t position() const { return reader_.position(); }

 private:
  struct Impl;
  // §2.9 object table. Each entry is where the complex value was encoded
  // ([begin, end) in `data_`), not a copy of it: a reference decodes that
  // range again (charging the budget for the copy it makes), so the table
  // costs 24 bytes per object however large the objects are (review P3).
  struct Span {
    std::size_t begin = 0, end = 0;
    bool complete = false;
  };
  ByteView data_;
  ByteReader reader_;
  DecodeLimits limits_;
  std::size_t budget_used_ = 0;
  std::vector<Span> spans_;
  std::optional<Error> error_;
};

// Exactly one value; trailing bytes are an error.
Result<Value> decode(ByteView data, const DecodeLimits& limits = {});
// All values of the buffer (an RTMP command is such a sequence).
Result<std::vector<Value>> decode_all(ByteView data, const DecodeLimits& limits = {});

// Appends the AMF0 encoding of `v` to `out`. Fails only for values AMF0
// cannot carry (a string or XML text > 4 GiB, nesting deeper than 256) or
// AMF3 errors inside an avmplus switch.
Result<void> encode_to(const Value& v, Bytes& out);
Result<Bytes> encode(const Value& v);
Result<Bytes> encode_all(std::span<const Value> values);
Result<Bytes> encode_all(std::initializer_list<Value> values);
// Writes `v` as 0x11 followed by its AMF3 encoding (fresh AMF3 context).
Result<void> encode_avmplus_to(const Value& v, Bytes& out);

}  // namespace rtmfp::media::amf::amf0
