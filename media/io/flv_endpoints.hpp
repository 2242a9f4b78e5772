// FLV file / stdio relay endpoints: FlvSource reads tags (onMetaData with
// @setDataFrame normalised away), FlvSink writes a header and tags. Errors
// are local I/O (the relay maps them to exit code 6 and never retries them,
// so a recording is never reopened or truncated). A sink that is not a
// regular file (a pipe, `-`) is flushed after every tag: live consumers get
// each tag at once and a closed reader is noticed at the next tag.
#pragma once

#include <cstdio>

#include "media/flv/flv_reader.hpp"
#include "media/io/relay.hpp"

namespace rtmfp::media::io {

class FlvSource : public Source {
 public:
  FlvSource(std::FILE* f, bool owned);
  ~FlvSource() override;
  Result<std::optional<Message>> next() override;
  // Wakes a read blocked on a pipe (eventfd); next() then returns nullopt.
  void interrupt() override;

 private:
  std::FILE* f_;
  bool owned_;
  int wake_fd_ = -1;
  bool eof_ = false;
  flv::Reader reader_;
};

class FlvSink : public Sink {
 public:
  FlvSink(std::FILE* f, bool owned);
  ~FlvSink() override;
  Result<void> write(const Message& m) override;
  // Flushes (the last tag is complete on disk / in the pipe).
  Result<void> finish() override;

 private:
  std::FILE* f_;
  bool owned_;
  bool flush_each_ = false;  // not a regular file
  bool header_done_ = false;
};

}  // namespace rtmfp::media::io
