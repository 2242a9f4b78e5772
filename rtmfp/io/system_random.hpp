// Operating-system randomness (getrandom(2)) for production endpoints.
#pragma once

#include "rtmfp/core/random.hpp"

namespace rtmfp::io {

class SystemRandom final : public RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace rtmfp::io
