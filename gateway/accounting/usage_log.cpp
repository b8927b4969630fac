#include "gateway/accounting/usage_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace switchyard {

namespace {

std::string errno_message(int error_number) {
  return std::error_code(error_number, std::system_category()).message();
}

std::string rotated_name(const std::string& path, int index) {
  return path + "." + std::to_string(index);
}

// Makes a created or renamed directory entry survive a power loss: fsync of
// the file covers its data, not its name.
void sync_directory_of(const std::string& path) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The live file, opened for append. A file whose last byte is not a newline
// (a power loss can leave a torn or zero-filled tail) gets one first, so the
// damage stays on its own malformed line instead of spoiling our next record.
int open_live_file(const std::string& path, std::uint64_t& size, std::string& error) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = "usage log " + path + ": cannot open: " + errno_message(errno);
    return -1;
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    error = "usage log " + path + ": cannot stat: " + errno_message(errno);
    ::close(fd);
    return -1;
  }
  size = static_cast<std::uint64_t>(status.st_size);
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, status.st_size - 1) == 1 && last != '\n') {
    if (::write(fd, "\n", 1) == 1) ++size;
  }
  return fd;
}

}  // namespace

UsageLogWriter::~UsageLogWriter() {
  if (sync_thread_.joinable()) {
    {
      std::lock_guard lock(stop_mutex_);
      stopping_ = true;
    }
    stop_signal_.notify_all();
    sync_thread_.join();
  }
  flush();
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool UsageLogWriter::open(const config::UsageLog& config, std::string& error) {
  config_ = config;
  if (config_.path.empty()) {
    error = "usage log: no path configured";
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) {
      error = "usage log " + config_.path + ": already open";
      return false;
    }
    if (!reopen_locked()) {
      error = last_error_;
      return false;
    }
  }
  if (config_.fsync == config::FsyncPolicy::interval) {
    sync_thread_ = std::thread([this] { interval_sync_loop(); });
  }
  return true;
}

bool UsageLogWriter::reopen_locked() {
  std::uint64_t size = 0;
  int fd = open_live_file(config_.path, size, last_error_);
  if (fd < 0) return false;
  fd_ = fd;
  size_ = size;
  if (config_.fsync != config::FsyncPolicy::never) sync_directory_of(config_.path);
  return true;
}

bool UsageLogWriter::append(const UsageRecord& record) {
  return append_line(to_json_line(record));
}

bool UsageLogWriter::append_line(std::string_view json_line) {
  if (json_line.find('\n') != std::string_view::npos) {
    std::lock_guard lock(mutex_);
    ++failures_;
    last_error_ = "usage log " + config_.path + ": refused a record spanning several lines";
    return false;
  }
  std::string bytes;
  bytes.reserve(json_line.size() + 1);
  bytes.append(json_line);
  bytes.push_back('\n');

  std::uint64_t sequence = 0;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0 && !reopen_locked()) {
      ++failures_;
      return false;
    }
    // A line longer than rotate_bytes still goes whole into a fresh file.
    bool would_exceed =
        config_.rotate_bytes > 0 && size_ > 0 && size_ + bytes.size() > config_.rotate_bytes;
    // A failed rotation keeps writing to the current file: a file past its
    // size is better than a lost record. It is retried only after another
    // rotate_bytes, since each try shifts the older files along.
    if (would_exceed && size_ >= rotate_retry_at_ && !rotate_locked()) {
      rotate_retry_at_ = size_ + config_.rotate_bytes;
    }
    if (!write_locked(bytes)) {
      ++failures_;
      return false;
    }
    sequence = ++written_;
  }
  // "Acknowledged" means durable: an fsync error fails the append even though
  // the line is in the file, because it may not survive a power loss.
  if (config_.fsync == config::FsyncPolicy::always && !sync_through(sequence)) {
    std::lock_guard lock(mutex_);
    ++failures_;
    return false;
  }
  return true;
}

bool UsageLogWriter::write_locked(std::string_view bytes) {
  std::size_t done = 0;
  int write_errno = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_errno = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (done == bytes.size()) {
    size_ += done;
    return true;
  }
  // A short write left part of a line at the end of the file: cut it off so
  // every line stays whole. We are the file's only writer, so its tail is ours.
  struct stat status {};
  if (done > 0 && ::fstat(fd_, &status) == 0 &&
      static_cast<std::uint64_t>(status.st_size) >= done) {
    ::ftruncate(fd_, status.st_size - static_cast<off_t>(done));
  }
  last_error_ = "usage log " + config_.path + ": write failed: " + errno_message(write_errno);
  return false;
}

bool UsageLogWriter::rotate_locked() {
  const std::string& path = config_.path;
  // What is in the file being retired must be durable before it is closed:
  // later fsyncs only reach the new file.
  if (config_.fsync != config::FsyncPolicy::never) ::fdatasync(fd_);
  // rename() replaces its target, so shifting .4 onto .5 drops the oldest.
  for (int index = kUsageLogRotatedKept - 1; index >= 1; --index) {
    ::rename(rotated_name(path, index).c_str(), rotated_name(path, index + 1).c_str());
  }
  if (::rename(path.c_str(), rotated_name(path, 1).c_str()) != 0) {
    last_error_ = "usage log " + path + ": cannot rotate: " + errno_message(errno);
    return false;
  }
  std::uint64_t size = 0;
  int fd = open_live_file(path, size, last_error_);
  if (fd < 0) return false;  // keep appending to the renamed file rather than lose lines
  ::close(fd_);
  fd_ = fd;
  size_ = size;
  rotate_retry_at_ = 0;
  if (config_.fsync != config::FsyncPolicy::never) sync_directory_of(path);
  return true;
}

// Group commit: whoever holds sync_mutex_ fsyncs every line written so far,
// so appenders that queued behind it find their line already durable.
bool UsageLogWriter::sync_through(std::uint64_t sequence) {
  std::lock_guard sync_lock(sync_mutex_);
  if (synced_ >= sequence) return true;
  int fd = -1;
  std::uint64_t target = 0;
  {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return false;
    // A duplicate stays valid if a rotation closes fd_ meanwhile; lines in a
    // rotated-away file were fsynced by the rotation itself.
    fd = ::dup(fd_);
    target = written_;
    if (fd < 0) {
      last_error_ = "usage log " + config_.path + ": dup failed: " + errno_message(errno);
      return false;
    }
  }
  bool ok = ::fdatasync(fd) == 0;
  int sync_errno = errno;
  ::close(fd);
  if (!ok) {
    std::lock_guard lock(mutex_);
    last_error_ = "usage log " + config_.path + ": fsync failed: " + errno_message(sync_errno);
    return false;
  }
  synced_ = target;
  return true;
}

bool UsageLogWriter::flush() {
  std::uint64_t target = 0;
  {
    std::lock_guard lock(mutex_);
    target = written_;
  }
  return sync_through(target);
}

void UsageLogWriter::interval_sync_loop() {
  const auto period = std::max(config_.fsync_interval, config::Millis{10});
  std::unique_lock lock(stop_mutex_);
  while (!stop_signal_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    flush();
    lock.lock();
  }
}

std::uint64_t UsageLogWriter::failed_appends() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::string UsageLogWriter::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

// Civil dates from and to days since 1970-01-01 in the proleptic Gregorian
// calendar (Howard Hinnant's algorithms): no time zone database, no locale.
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned shifted_month = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
  month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads exactly `count` digits at `pos`, advancing it.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, unsigned& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) return false;
  ++pos;
  return true;
}

}  // namespace

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  // Four-digit years only, as RFC 3339 requires.
  constexpr std::int64_t kMin = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  unix_ms = std::clamp(unix_ms, kMin, kMax);
  std::int64_t days = unix_ms / kMsPerDay;
  std::int64_t ms_of_day = unix_ms % kMsPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMsPerDay;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  char buffer[80];  // room for any int64 year, so no truncation
  std::snprintf(
      buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
      static_cast<long long>(year), month, day, static_cast<long long>(ms_of_day / 3'600'000),
      static_cast<long long>(ms_of_day / 60'000 % 60),
      static_cast<long long>(ms_of_day / 1000 % 60), static_cast<long long>(ms_of_day % 1000));
  return buffer;
}

bool parse_rfc3339_ms(std::string_view text, std::int64_t& unix_ms) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !read_digits(text, pos, 2, day)) {
    return false;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return false;
  }
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !read_digits(text, pos, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (std::size_t i = digits; i < 3; ++i) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    unsigned offset_hours = 0, offset_mins = 0;
    if (!read_digits(text, pos, 2, offset_hours) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
      return false;
    }
    offset_minutes = sign * static_cast<std::int64_t>(offset_hours * 60 + offset_mins);
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  std::int64_t seconds = days_from_civil(year, month, day) * 86'400 + hour * 3'600 + minute * 60 +
                         second - offset_minutes * 60;
  unix_ms = seconds * 1000 + millis;
  return true;
}

}  // namespace switchyard
