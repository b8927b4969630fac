#pragma once
// `switchyard usage`: totals and shares of requests, tokens and cost from the
// usage log, grouped by origin, family, provider, hosting, key or model, over
// an optional time range. Money is summed exactly, in __int128 picodollars.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/accounting/usage_record.hpp"

namespace switchyard {

struct UsageReportOptions {
  std::vector<std::string> logs;         // empty: "switchyard-usage.jsonl"
  bool all_rotated = false;              // also read LOG.5 .. LOG.1, oldest first
  std::optional<std::int64_t> since_ms;  // inclusive
  std::optional<std::int64_t> until_ms;  // exclusive
  std::string by = "origin";
  bool json = false;
  bool help = false;
};

// Parses the arguments after "usage". `now_unix_ms` anchors relative times
// ("24h" is now minus 24 hours). False with a message naming the option.
bool parse_usage_report_args(const std::vector<std::string_view>& args, std::int64_t now_unix_ms,
                             UsageReportOptions& options, std::string& error);

// A --since / --until value: RFC 3339, a date (YYYY-MM-DD, midnight UTC) or a
// duration before now (30m, 24h, 7d, 2w).
bool parse_time_bound(std::string_view text, std::int64_t now_unix_ms, std::int64_t& unix_ms);

// Sums over a whole log: a GCC/Clang extension, spelled so -Wpedantic accepts it.
__extension__ typedef __int128 UsageSum;

struct UsageTotals {
  std::int64_t requests = 0;
  UsageSum prompt_tokens = 0;
  UsageSum completion_tokens = 0;
  UsageSum cost = 0;  // picodollars
};

struct UsageReport {
  std::string by;
  std::map<std::string, UsageTotals> groups;  // "(none)" for an empty value
  UsageTotals total;  // of the groups: for a model property, requests that reached a model
  // Requests that never reached a model, when `by` is a model property
  // (origin, family, provider, hosting, weights, model): in no group, no share.
  UsageTotals failed_before_routing;
  std::uint64_t malformed_lines = 0;
};

// The group a record falls in for `by`; false for an unknown dimension.
bool usage_group_of(const UsageRecord& record, std::string_view by, std::string& group);

// Adds every line of `in` that parses and lies in the time range; counts the
// lines that do not parse. Blank lines are neither.
void accumulate_usage(std::istream& in, const UsageReportOptions& options, UsageReport& report);

// Groups by cost, then tokens, then requests, largest first, then a total row.
void write_usage_table(const UsageReport& report, std::ostream& out);
void write_usage_json(const UsageReport& report, const UsageReportOptions& options,
                      std::ostream& out);

// The subcommand, main-style: argv[0] is the command name ("usage", skipped),
// the options follow; main passes (argc - 1, argv + 1). Exit status: 0 done,
// 1 a log could not be read, 2 bad arguments (the message goes to `err`).
int run_usage_report(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace switchyard
