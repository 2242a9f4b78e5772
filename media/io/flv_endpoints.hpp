// FLV file / stdio relay endpoints: FlvSource reads tags (onMetaData with
// @setDataFrame normalised away), FlvSink writes a header and tags.
#pragma once

#include <cstdio>

#include "media/flv/flv_reader.hpp"
#include "media/io/relay.hpp"

namespace rtmfp::media::io {

class FlvSource : public Source {
 public:
  FlvSource(std::FILE* f, bool owned) : f_(f), owned_(owned) {}
  ~FlvSource() override;
  Result<std::optional<Message>> next() override;

 private:
  std::FILE* f_;
  bool owned_;
  bool eof_ = false;
  flv::Reader reader_;
};

class FlvSink : public Sink {
 public:
  FlvSink(std::FILE* f, bool owned) : f_(f), owned_(owned) {}
  ~FlvSink() override;
  Result<void> write(const Message& m) override;
  Result<void> finish() override;

 private:
  std::FILE* f_;
  bool owned_;
  bool header_done_ = false;
};

}  // namespace rtmfp::media::io
