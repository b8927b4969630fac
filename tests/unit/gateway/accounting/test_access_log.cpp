#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "gateway/accounting/access_log.hpp"

using namespace switchyard;

namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("switchyard-" + name + "-" + std::to_string(::getpid()) + ".log");
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

boost::json::object parse_object(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  CAPTURE(line);
  REQUIRE_FALSE(ec);
  REQUIRE(value.is_object());
  return value.as_object();
}

// Sends the process log (stderr) to a file for the lifetime of the object.
class StderrCapture {
 public:
  explicit StderrCapture(const std::filesystem::path& path) : saved_(::dup(STDERR_FILENO)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

// Leaves the process-wide log as the other tests expect it.
void restore_defaults() {
  std::string error;
  Log::configure("-", config::LogLevel::info, error);
}

}  // namespace

TEST_CASE("access log: one JSON line with every field") {
  const auto path = temp_path("access");
  std::filesystem::remove(path);
  std::string error;
  REQUIRE(Log::configure(path.string(), config::LogLevel::info, error));

  AccessEntry entry;
  entry.request_id = "req-42";
  entry.method = "POST";
  entry.path = "/v1/chat/completions";
  entry.status = 200;
  entry.model = "deepseek/deepseek-r1";
  entry.provider = "local-vllm";
  entry.duration_ms = 123.4567;
  entry.bytes_in = 512;
  entry.bytes_out = 4096;
  entry.remote = "10.0.0.7:51234";
  entry.key_name = "team-a";
  entry.attempts = 2;
  Log::access(entry);
  restore_defaults();

  const auto lines = read_lines(path);
  std::filesystem::remove(path);
  REQUIRE(lines.size() == 1);
  const auto line = parse_object(lines[0]);
  CHECK(line.at("level") == "info");
  CHECK(line.at("msg") == "access");
  CHECK(line.at("request_id") == "req-42");
  CHECK(line.at("method") == "POST");
  CHECK(line.at("path") == "/v1/chat/completions");
  CHECK(line.at("status") == 200);
  CHECK(line.at("model") == "deepseek/deepseek-r1");
  CHECK(line.at("provider") == "local-vllm");
  CHECK(line.at("duration_ms").as_double() == doctest::Approx(123.457));
  CHECK(line.at("bytes_in") == 512);
  CHECK(line.at("bytes_out") == 4096);
  CHECK(line.at("remote") == "10.0.0.7:51234");
  CHECK(line.at("key_name") == "team-a");
  CHECK(line.at("attempts") == 2);
  const std::string ts(line.at("ts").as_string());
  CHECK(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  // "ts", "level" and "msg" lead, so the line reads well in a terminal.
  CHECK(lines[0].rfind("{\"ts\":", 0) == 0);
}

TEST_CASE("access log: client-controlled text cannot break the line") {
  const auto path = temp_path("escape");
  std::filesystem::remove(path);
  std::string error;
  REQUIRE(Log::configure(path.string(), config::LogLevel::info, error));
  AccessEntry entry;
  entry.path = "/v1/\"x\"\\\n\r\t\x01\xff\xc3(\xe2\x82\xac";  // quotes, controls, bad UTF-8, €
  entry.model = "m\n{\"injected\":1}";
  Log::access(entry);
  restore_defaults();

  const auto lines = read_lines(path);
  std::filesystem::remove(path);
  REQUIRE(lines.size() == 1);  // the newline in the model did not split it
  const auto line = parse_object(lines[0]);
  CHECK(line.at("path") == "/v1/\"x\"\\\n\r\t\x01\xef\xbf\xbd\xef\xbf\xbd(\xe2\x82\xac");
  CHECK(line.at("model") == "m\n{\"injected\":1}");
  CHECK_FALSE(line.contains("injected"));
}

TEST_CASE("access log: concurrent lines stay whole; off writes nothing") {
  const auto path = temp_path("concurrent");
  std::filesystem::remove(path);
  std::string error;
  REQUIRE(Log::configure(path.string(), config::LogLevel::info, error));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t] {
      AccessEntry entry;
      entry.request_id = "thread-" + std::to_string(t);
      entry.path = std::string(300, 'p');
      for (int i = 0; i < 250; ++i) Log::access(entry);
    });
  for (auto& thread : threads) thread.join();

  REQUIRE(Log::configure("", config::LogLevel::info, error));  // off
  Log::access(AccessEntry{});
  restore_defaults();

  const auto lines = read_lines(path);
  std::filesystem::remove(path);
  CHECK(lines.size() == 1000);
  for (const auto& line : lines) parse_object(line);
}

TEST_CASE("access log: an unopenable target is an error naming it") {
  std::string error;
  CHECK_FALSE(Log::configure("/nonexistent-dir/x/access.log", config::LogLevel::info, error));
  CHECK(error.find("/nonexistent-dir/x/access.log") != std::string::npos);
  CHECK(error.rfind("access_log: ", 0) == 0);
}

TEST_CASE("process log: level filter, JSON to stderr") {
  std::string error;
  REQUIRE(Log::configure("", config::LogLevel::warn, error));
  CHECK_FALSE(Log::enabled(config::LogLevel::info));
  CHECK(Log::enabled(config::LogLevel::warn));
  CHECK(Log::enabled(config::LogLevel::error));

  const auto path = temp_path("stderr");
  {
    StderrCapture capture(path);
    log_debug("hidden debug");
    log_info("hidden info");
    log_warn("upstream \"slow\"");
    log_error("config reload failed");
  }
  restore_defaults();
  const auto lines = read_lines(path);
  std::filesystem::remove(path);
  REQUIRE(lines.size() == 2);
  const auto warn = parse_object(lines[0]);
  CHECK(warn.at("level") == "warn");
  CHECK(warn.at("msg") == "upstream \"slow\"");
  CHECK(warn.size() == 3);  // ts, level, msg
  CHECK(parse_object(lines[1]).at("level") == "error");
}
