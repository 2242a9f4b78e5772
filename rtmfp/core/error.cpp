#include "rtmfp/core/error.hpp"

namespace rtmfp {

const char* errc_text(Errc e) {
  switch (e) {
#define RTMFP_ERRC_TEXT(name, text) \
  case Errc::name:                  \
    return text;
    RTMFP_ERRC_TABLE(RTMFP_ERRC_TEXT)
#undef RTMFP_ERRC_TEXT
  }
  return "unknown error";
}

const char* errc_name(Errc e) {
  switch (e) {
#define RTMFP_ERRC_NAME(name, text) \
  case Errc::name:                  \
    return #name;
    RTMFP_ERRC_TABLE(RTMFP_ERRC_NAME)
#undef RTMFP_ERRC_NAME
  }
  return "unknown";
}

}  // namespace rtmfp
