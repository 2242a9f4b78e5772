// Running a real program as a child process in tests: spawn with arguments,
// read its stdout line by line with a timeout, signal it, wait with a bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace rtmfp::testing {

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; stdout is captured, stderr goes
  // to a file in /tmp (path in stderr_path()).
  static std::optional<ChildProcess> spawn(const std::vector<std::string>& argv);
  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILL + wait if still running

  // Next stdout line, or nullopt on timeout/EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void signal(int sig);
  // Waits up to `timeout`; returns the exit status (or -signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  // True once the child has exited (it is not reaped: wait() still reports
  // its status). Safe to call from another thread than wait()'s.
  bool exited() const;
  const std::string& stderr_path() const { return stderr_path_; }
  std::string stderr_text() const;
  // Resident set size in KiB from /proc, or 0.
  long rss_kib() const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::string stderr_path_;
  bool reaped_ = false;
};

// Runs a command to completion (bounded); returns exit code and stdout.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace rtmfp::testing
