#include "rtmfp/core/crypto/crypto_profile.hpp"

namespace rtmfp {

const char* profile_name(ProfileKind k) {
  switch (k) {
    case ProfileKind::flash:
      return "flash";
    case ProfileKind::modern:
      return "modern";
  }
  return "unknown";
}

}  // namespace rtmfp
