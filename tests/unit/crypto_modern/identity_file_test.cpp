// The identity file holds private keys (RFC 7425 §4.3.4 static DH keys, the
// modern Ed25519 seed): created 0600 from the start, whatever the umask, and
// a reader of the previous file never gets the new keys.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "rtmfp/crypto/profiles.hpp"

namespace rtmfp::crypto {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/rtmfp-idfile-XXXXXX";
    path = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    ::unlink((path + "/id").c_str());
    ::unlink((path + "/id.new").c_str());
    ::rmdir(path.c_str());
  }
};

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(IdentityFile, CreatedPrivateAndNeverWrittenIntoAnOldReadableFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string path = dir.path + "/id";
  // An old identity file left world-readable, which someone holds open.
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "old\n", 4), 4);
    ::fchmod(fd, 0644);
    ::close(fd);
  }
  const int reader = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0);
  const mode_t old_umask = ::umask(0);  // the widest umask: creation mode alone must make it private
  IdentityFile ids;
  ids.modern = Bytes(32, 0xab);
  auto saved = save_identity_file(path, ids);
  ::umask(old_umask);
  ASSERT_TRUE(saved) << saved.error().message();
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_all(reader).find("abab"), std::string::npos) << "new keys visible through the old file";
  ::close(reader);
  auto loaded = load_identity_file(path);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->modern, ids.modern);
  EXPECT_NE(::access((path + ".new").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace rtmfp::crypto
