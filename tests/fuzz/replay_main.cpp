// Replays every file of a corpus directory through LLVMFuzzerTestOneInput, so
// fuzz corpora are regression tests in builds without libFuzzer. Fails (exit 1)
// if a path is missing or no corpus file was found, so a renamed or emptied
// corpus cannot pass as "replayed nothing".
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (!std::filesystem::exists(p)) {
      std::fprintf(stderr, "corpus path does not exist: %s\n", argv[i]);
      return 1;
    }
    auto run = [&](const std::filesystem::path& f) {
      std::ifstream in(f, std::ios::binary);
      std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++n;
    };
    if (std::filesystem::is_directory(p)) {
      for (auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) run(e.path());
    } else {
      run(p);
    }
  }
  // Also run the empty input and a few fixed patterns.
  std::uint8_t zeros[64] = {};
  LLVMFuzzerTestOneInput(zeros, 0);
  LLVMFuzzerTestOneInput(zeros, sizeof zeros);
  std::printf("replayed %zu corpus inputs\n", n);
  if (n == 0) {
    std::fprintf(stderr, "no corpus inputs found: a replay test that replays nothing proves nothing\n");
    return 1;
  }
  return 0;
}
