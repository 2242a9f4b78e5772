#include "rtmfp/group/crypto/group_specifier.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace rtmfp::group {
namespace {

TEST(GroupSpecifier, ParsesNameAndPinnedKeyAndRefusesBadOnes) {
  auto a = parse_group_specifier("news");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "news");
  EXPECT_FALSE(a->key);
  const std::string hex(64, 'a');
  auto b = parse_group_specifier("news:" + hex);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->key);
  EXPECT_EQ((*b->key)[0], 0xaa);
  EXPECT_EQ(b->to_string(), "news:" + hex);
  EXPECT_FALSE(parse_group_specifier(""));
  EXPECT_FALSE(parse_group_specifier("a/b"));
  EXPECT_FALSE(parse_group_specifier("news:abc"));
  EXPECT_FALSE(parse_group_specifier("news:" + std::string(64, 'g')));
  EXPECT_FALSE(parse_group_specifier(std::string(129, 'n')));
}

TEST(GroupSpecifier, TheGroupIdDependsOnNameAndKey) {
  PublicKey k1{}, k2{};
  k2[0] = 1;
  EXPECT_EQ(group_id("a", k1), group_id("a", k1));
  EXPECT_NE(group_id("a", k1), group_id("a", k2));
  EXPECT_NE(group_id("a", k1), group_id("b", k1));
  // The name's length is hashed: ("ab", key) is not ("a", "b" + key).
  EXPECT_NE(group_id("ab", k1), group_id("a", k1));
}

TEST(GroupSpecifier, AKeyFileIsCreatedPrivateAndGivesTheSameKeyAgain) {
  char tmpl[] = "/tmp/group_key_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/pub.key";
  auto k1 = load_or_create_publisher_keys(path);
  ASSERT_TRUE(k1);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = load_or_create_publisher_keys(path);
  ASSERT_TRUE(k2);
  EXPECT_EQ(k1->public_key, k2->public_key);
  EXPECT_FALSE(load_or_create_publisher_keys(std::string(tmpl) + "/no/such/dir/key"));
  ::unlink(path.c_str());
  ::rmdir(tmpl);
}

// Two creators at once (two gateway routes into one group open their
// destinations together) end with one key, and no file left over besides it.
TEST(GroupSpecifier, CreatorsAtOnceAllGetTheOneKeyTheFileHolds) {
  char tmpl[] = "/tmp/group_key_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/pub.key";
  for (int round = 0; round < 20; ++round) {
    constexpr int kThreads = 4;
    std::vector<Result<PublisherKeys>> keys(kThreads, fail(Errc::io_error, "not run"));
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&, i] { keys[i] = load_or_create_publisher_keys(path); });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kThreads; ++i) {
      ASSERT_TRUE(keys[i]) << round << " " << i << ": " << keys[i].error().message();
      EXPECT_EQ(keys[i]->public_key, keys[0]->public_key) << round << " " << i;
    }
    auto again = load_or_create_publisher_keys(path);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->public_key, keys[0]->public_key);
    ASSERT_EQ(::unlink(path.c_str()), 0);
  }
  EXPECT_EQ(::rmdir(tmpl), 0) << "a temporary key file was left";
}

}  // namespace
}  // namespace rtmfp::group
