// The FIFO helpers never leave a test waiting (tests.md M8): a writer whose
// reader never comes gives up, and a reader blocked in open() is released.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include "tests/support/fifo.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

fs::path make_fifo(const char* name) {
  const fs::path p = fs::temp_directory_path() / (std::string(name) + "." + std::to_string(::getpid()));
  fs::remove(p);
  EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0);
  return p;
}

TEST(Fifo, WriterGivesUpWhenTheReaderIsGone) {
  const fs::path p = make_fifo("fifo_writer");
  auto w = std::async(std::launch::async, [&] { return rtmfp::testing::open_fifo_writer(p, [] { return true; }, 60s); });
  // A plain fopen(p, "wb") would wait here for a reader that never comes.
  ASSERT_EQ(w.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(w.get(), nullptr);
  fs::remove(p);
}

TEST(Fifo, WriterOpensOnceTheReaderIsThere) {
  const fs::path p = make_fifo("fifo_pair");
  auto r = std::async(std::launch::async, [&] {
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) return std::string();
    char buf[16] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    return std::string(buf, n);
  });
  rtmfp::testing::FifoReaderRelease release(p);  // the reader never hangs the test
  std::FILE* f = rtmfp::testing::open_fifo_writer(p, [] { return false; }, 10s);
  ASSERT_NE(f, nullptr);
  std::fputs("hello", f);
  std::fclose(f);
  ASSERT_EQ(r.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(r.get(), "hello");
  fs::remove(p);
}

TEST(Fifo, ReleaseLetsABlockedReaderReturn) {
  const fs::path p = make_fifo("fifo_reader");
  auto r = std::async(std::launch::async, [&] {
    std::FILE* f = std::fopen(p.c_str(), "rb");  // blocks: no writer
    if (!f) return false;
    const bool eof = std::fgetc(f) == EOF;
    std::fclose(f);
    return eof;
  });
  // Released (again) until the reader, once in open(), returns.
  bool done = false;
  for (int i = 0; i < 500 && !done; ++i) {
    { rtmfp::testing::FifoReaderRelease release(p); }
    done = r.wait_for(10ms) == std::future_status::ready;
  }
  ASSERT_TRUE(done) << "the reader is still blocked in open()";
  EXPECT_TRUE(r.get()) << "it read end of file";
  fs::remove(p);
}

}  // namespace
