// Randomness is injected: the core and the crypto profiles draw every random
// byte (tags, cookies secrets, session IDs, DH private keys) from a
// RandomSource, so a simulation replays exactly from its seed.
#pragma once

#include <cstdint>
#include <span>

namespace rtmfp {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  std::uint32_t u32();
  std::uint64_t u64();
  // Uniform in [0, bound) for bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [0, 1).
  double unit();
};

// Deterministic generator (xoshiro256** seeded with splitmix64) for tests and
// the simulator. Not for keys outside tests.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed);
  void fill(std::span<std::uint8_t> out) override;
  std::uint64_t next();

 private:
  std::uint64_t s_[4];
};

}  // namespace rtmfp
