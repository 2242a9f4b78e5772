// Where a rendezvous keeps the shared peer directory (issue 12 §4): the
// io-side interface the server shell drives (rendezvous/core/directory.hpp
// decides, a store carries its commands out). Implemented by RedisDirectory
// (rendezvous/redis, hiredis); the server does not depend on which.
#pragma once

#include <functional>
#include <string>

#include "rendezvous/core/directory.hpp"

namespace rtmfp::rendezvous {

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;
  // Never blocks; false when the store's queue is full (the command is
  // dropped and counted: a publish comes again with the next refresh, a
  // lookup times out in the core).
  virtual bool submit(DirectoryCommand command) = 0;
  // Where lookup answers go. Called on the store's own thread: the server
  // posts them to its host. Empty: answers are dropped. Safe from any thread;
  // once it returns, the previous function is no longer running or called.
  virtual void set_on_result(std::function<void(const DirectoryLookupResult&)> on_result) = 0;
  // For the stats line: " directory_failures=N ..." (leading space).
  virtual std::string stats_text() const = 0;
  // What it talks to, for messages (redis://HOST:PORT).
  virtual std::string url() const = 0;
};

}  // namespace rtmfp::rendezvous
