#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "gateway/accounting/accounting.hpp"
#include "gateway/accounting/usage_log.hpp"

using namespace switchyard;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp directory, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "switchyard-usage-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::vector<std::string> read_lines(const std::string& file) {
  std::vector<std::string> lines;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string read_all(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

UsageRecord sample(const std::string& id) {
  UsageRecord record;
  record.request_id = id;
  record.time_unix_ms = 1714566896789;
  record.requested_model = "deepseek/deepseek-r1";
  record.served_model = "deepseek/deepseek-r1";
  record.provider = "deepseek";
  record.family = "deepseek";
  record.origin = "CN";
  record.prompt_tokens = 100;
  record.completion_tokens = 200;
  record.cost = 493'000'000;
  record.attempts.push_back(
      {"deepseek/deepseek-r1", "deepseek", "deepseek-reasoner", "ok", 200, 812.5, false});
  return record;
}

config::UsageLog log_config(const std::string& path, config::FsyncPolicy fsync,
                            std::uint64_t rotate_bytes = 256ull * 1024 * 1024) {
  config::UsageLog config;
  config.path = path;
  config.fsync = fsync;
  config.rotate_bytes = rotate_bytes;
  config.fsync_interval = config::Millis{20};
  return config;
}

// Every line parses; returns the request ids in file order.
std::vector<std::string> parsed_ids(const std::string& file) {
  std::vector<std::string> ids;
  for (const std::string& line : read_lines(file)) {
    UsageRecord record;
    REQUIRE_MESSAGE(from_json_line(line, record), line);
    ids.push_back(record.request_id);
  }
  return ids;
}

}  // namespace

TEST_CASE("usage log: concurrent appends from 4 threads give whole lines, none lost") {
  for (auto policy : {config::FsyncPolicy::never, config::FsyncPolicy::always}) {
    TempDir dir;
    std::string path = dir.file("usage.jsonl");
    const int per_thread = policy == config::FsyncPolicy::always ? 100 : 1000;
    {
      UsageLogWriter writer;
      std::string error;
      REQUIRE(writer.open(log_config(path, policy), error));
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&writer, t, per_thread] {
          UsageRecord record = sample("");
          // Long enough that an interleaved write would be visible.
          record.policy_decisions.assign(8, std::string(200, static_cast<char>('a' + t)));
          for (int i = 0; i < per_thread; ++i) {
            record.request_id = std::to_string(t) + "-" + std::to_string(i);
            CHECK(writer.append(record));
          }
        });
      }
      for (auto& thread : threads) thread.join();
      CHECK(writer.failed_appends() == 0);
    }
    std::vector<std::string> ids = parsed_ids(path);
    CHECK(ids.size() == static_cast<std::size_t>(4 * per_thread));
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  }
}

TEST_CASE("usage log: rotation keeps whole lines and five old files") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  const std::size_t line_bytes = to_json_line(sample("000")).size() + 1;
  const std::uint64_t rotate_bytes = line_bytes * 4 + line_bytes / 2;  // 4 lines per file

  UsageLogWriter writer;
  std::string error;
  REQUIRE(writer.open(log_config(path, config::FsyncPolicy::never, rotate_bytes), error));
  auto id_of = [](int i) {
    std::string id = std::to_string(i);
    return std::string(3 - id.size(), '0') + id;  // same length: same line size
  };
  for (int i = 0; i < 20; ++i) REQUIRE(writer.append(sample(id_of(i))));

  // 20 lines, 4 per file: .4 .3 .2 .1 and the live file, oldest first.
  CHECK(fs::exists(path + ".1"));
  CHECK_FALSE(fs::exists(path + ".5"));
  std::vector<std::string> all;
  for (std::string file : {path + ".4", path + ".3", path + ".2", path + ".1", path}) {
    CHECK(fs::file_size(file) <= rotate_bytes);
    std::string bytes = read_all(file);
    REQUIRE(!bytes.empty());
    CHECK(bytes.back() == '\n');  // no line continues into the next file
    std::vector<std::string> ids = parsed_ids(file);
    CHECK(ids.size() == 4);
    all.insert(all.end(), ids.begin(), ids.end());
  }
  for (int i = 0; i < 20; ++i) CHECK(all[static_cast<std::size_t>(i)] == id_of(i));

  // Twelve more: the oldest files are dropped, never more than five kept.
  for (int i = 20; i < 32; ++i) REQUIRE(writer.append(sample(id_of(i))));
  CHECK(fs::exists(path + ".5"));
  CHECK_FALSE(fs::exists(path + ".6"));
  CHECK(parsed_ids(path + ".5") == std::vector<std::string>{"008", "009", "010", "011"});
  CHECK(parsed_ids(path) == std::vector<std::string>{"028", "029", "030", "031"});
}

TEST_CASE("usage log: a line longer than rotate_bytes still goes whole into one file") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  UsageLogWriter writer;
  std::string error;
  REQUIRE(writer.open(log_config(path, config::FsyncPolicy::never, 64), error));
  REQUIRE(writer.append(sample("a")));
  REQUIRE(writer.append(sample("b")));
  CHECK(parsed_ids(path + ".1") == std::vector<std::string>{"a"});
  CHECK(parsed_ids(path) == std::vector<std::string>{"b"});
}

TEST_CASE("usage log: fsync always makes the line visible and durable on return") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  UsageLogWriter writer;
  std::string error;
  REQUIRE(writer.open(log_config(path, config::FsyncPolicy::always), error));
  REQUIRE(writer.append(sample("one")));
  CHECK(parsed_ids(path) == std::vector<std::string>{"one"});  // no user-space buffer
  REQUIRE(writer.append(sample("two")));
  CHECK(writer.flush());
  CHECK(parsed_ids(path) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("usage log: fsync interval runs in the background and stops cleanly") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  {
    UsageLogWriter writer;
    std::string error;
    REQUIRE(writer.open(log_config(path, config::FsyncPolicy::interval), error));
    REQUIRE(writer.append(sample("x")));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a few sync periods
    REQUIRE(writer.append(sample("y")));
  }  // the destructor joins the thread; a hang here fails the run
  CHECK(parsed_ids(path) == std::vector<std::string>{"x", "y"});
}

TEST_CASE("usage log: open failures name the path") {
  TempDir dir;
  std::string missing = dir.file("no-such-dir/usage.jsonl");
  UsageLogWriter writer;
  std::string error;
  CHECK_FALSE(writer.open(log_config(missing, config::FsyncPolicy::never), error));
  CHECK(error.find(missing) != std::string::npos);

  UsageLogWriter unnamed;
  CHECK_FALSE(unnamed.open(log_config("", config::FsyncPolicy::never), error));
}

TEST_CASE("usage log: a line with a newline in it is refused, not split") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  UsageLogWriter writer;
  std::string error;
  REQUIRE(writer.open(log_config(path, config::FsyncPolicy::never), error));
  CHECK_FALSE(writer.append_line("{\"a\":1}\n{\"b\":2}"));
  CHECK(writer.failed_appends() == 1);
  CHECK(writer.last_error().find("several lines") != std::string::npos);
  CHECK(writer.append_line(to_json_line(sample("ok"))));
  CHECK(parsed_ids(path) == std::vector<std::string>{"ok"});
}

TEST_CASE("usage log: a torn tail from a power loss does not spoil the next record") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  std::string torn = to_json_line(sample("old"));
  {
    std::ofstream out(path, std::ios::binary);
    out << torn.substr(0, torn.size() / 2);  // no newline
  }
  {
    UsageLogWriter writer;
    std::string error;
    REQUIRE(writer.open(log_config(path, config::FsyncPolicy::never), error));
    REQUIRE(writer.append(sample("new")));
  }
  std::vector<std::string> lines = read_lines(path);
  REQUIRE(lines.size() == 2);
  UsageRecord record;
  CHECK_FALSE(from_json_line(lines[0], record));
  REQUIRE(from_json_line(lines[1], record));
  CHECK(record.request_id == "new");
}

TEST_CASE("usage log: a killed writer leaves only whole lines, every acknowledged one") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child appends until killed, reporting each acknowledged append.
    ::close(pipe_fds[0]);
    UsageLogWriter writer;
    std::string error;
    if (!writer.open(log_config(path, config::FsyncPolicy::always), error)) ::_exit(3);
    UsageRecord record = sample("");
    for (std::uint64_t count = 1;; ++count) {
      record.request_id = std::to_string(count);
      if (!writer.append(record)) ::_exit(4);
      if (::write(pipe_fds[1], &count, sizeof count) != sizeof count) ::_exit(5);
    }
  }
  ::close(pipe_fds[1]);

  std::string received;
  auto drain = [&](int timeout_ms) {
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, timeout_ms) <= 0) return false;
    char buffer[4096];
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) return false;  // end of file: the child is gone
    received.append(buffer, static_cast<std::size_t>(n));
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (std::chrono::steady_clock::now() < deadline) drain(10);
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  while (drain(1000)) {
  }
  ::close(pipe_fds[0]);
  REQUIRE_MESSAGE(WIFSIGNALED(status), "the child stopped on its own: exit ", WEXITSTATUS(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  std::uint64_t acknowledged = 0;
  std::size_t whole = received.size() / sizeof acknowledged * sizeof acknowledged;
  if (whole > 0)
    std::memcpy(&acknowledged, received.data() + whole - sizeof acknowledged, sizeof acknowledged);
  CHECK(acknowledged > 0);

  std::vector<std::string> ids = parsed_ids(path);  // every line parses
  CHECK(ids.size() >= acknowledged);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == std::to_string(i + 1));
  std::string bytes = read_all(path);
  CHECK((bytes.empty() || bytes.back() == '\n'));
}

TEST_CASE("accounting: record writes the usage log line, flush makes it durable") {
  TempDir dir;
  std::string path = dir.file("usage.jsonl");
  {
    Accounting accounting;
    std::string error;
    REQUIRE(accounting.open(log_config(path, config::FsyncPolicy::interval), error));
    accounting.record(sample("r1"));
    accounting.record(sample("r2"));
    accounting.flush();
    CHECK(parsed_ids(path) == std::vector<std::string>{"r1", "r2"});
  }
  Accounting without_log;
  std::string error;
  CHECK(without_log.open(log_config("", config::FsyncPolicy::never), error));
  without_log.record(sample("r3"));  // metrics and shares only, nothing to write

  Accounting unwritable;
  CHECK_FALSE(unwritable.open(
      log_config(dir.file("missing/usage.jsonl"), config::FsyncPolicy::never), error));
  CHECK(error.find("missing/usage.jsonl") != std::string::npos);
}
