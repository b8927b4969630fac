#pragma once
// One structured JSON line per HTTP request (no prompt text, no secrets), to
// stderr, a file, or nowhere. Also the process log with a level.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace switchyard {

struct AccessEntry {
  std::string request_id;
  std::string method;
  std::string path;  // without the query string
  int status = 0;
  std::string model;
  std::string provider;
  double duration_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string remote;  // client address
  std::string key_name;
  int attempts = 0;
};

class Log {
 public:
  // target: "-" stderr, "" off, else a path opened for append.
  static bool configure(const std::string& access_target, config::LogLevel level,
                        std::string& error);
  static void access(const AccessEntry& entry);
  static void write(config::LogLevel level, std::string_view message);
  static bool enabled(config::LogLevel level);
};

inline void log_info(std::string_view m) {
  Log::write(config::LogLevel::info, m);
}
inline void log_warn(std::string_view m) {
  Log::write(config::LogLevel::warn, m);
}
inline void log_error(std::string_view m) {
  Log::write(config::LogLevel::error, m);
}
inline void log_debug(std::string_view m) {
  Log::write(config::LogLevel::debug, m);
}

}  // namespace switchyard
