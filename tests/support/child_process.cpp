#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rtmfp::testing {

std::optional<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return std::nullopt;
  char tmpl[] = "/tmp/rtmfp-test-stderr-XXXXXX";
  int errfd = mkstemp(tmpl);
  if (errfd < 0) return std::nullopt;
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    // Dies with the test process (not only with the test object): a crashed
    // or killed test binary leaves no nginx, relay or ffmpeg holding ports.
    // The signal fires when the forking thread exits, so children are
    // spawned from the test's main thread (or one that outlives them).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    dup2(pipefd[1], 1);
    dup2(errfd, 2);
    close(pipefd[0]);
    close(pipefd[1]);
    close(errfd);
    setpgid(0, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  close(errfd);
  ChildProcess c;
  c.pid_ = pid;
  c.out_fd_ = pipefd[0];
  c.stderr_path_ = tmpl;
  return c;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), out_fd_(o.out_fd_), buffer_(std::move(o.buffer_)), stderr_path_(std::move(o.stderr_path_)),
      reaped_(o.reaped_) {
  o.pid_ = -1;
  o.out_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    // The child leads its own process group (setpgid above): kill the group,
    // so whatever it started (ip netns exec's command, a shell's children) goes too.
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void ChildProcess::signal(int sig) {
  if (pid_ > 0 && !reaped_) {
    if (kill(-pid_, sig) != 0) kill(pid_, sig);  // the group; the pid if it left the group
  }
}

bool ChildProcess::exited() const {
  if (reaped_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return true;  // no such child
  return info.si_pid == pid_;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    usleep(10000);
  }
}

std::string ChildProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long ChildProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult r;
  auto c = ChildProcess::spawn(argv);
  if (!c) return r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto line = c->read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
             deadline - std::chrono::steady_clock::now()))) {
    r.out += *line + "\n";
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  auto code = c->wait(std::max(left, std::chrono::milliseconds(100)));
  r.exit_code = code ? *code : -999;
  r.err = c->stderr_text();
  return r;
}

}  // namespace rtmfp::testing
