#include "gateway/cli/usage_report.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>

#include <boost/json/serialize.hpp>

#include "gateway/accounting/usage_log.hpp"

namespace switchyard {

namespace {

constexpr std::string_view kDefaultLog = "switchyard-usage.jsonl";
constexpr std::string_view kNoValue = "(none)";
// What --by can group on, and the record field each one reads.
// `of_model` marks a property of the model that served: grouping on it is a
// share, computed over requests that reached a model only (the definition the
// Prometheus rules and /v1/stats/share use); the others are reported apart as
// failed before routing.
struct Dimension {
  std::string_view name;
  std::string UsageRecord::*field;
  bool of_model;
};
constexpr Dimension kDimensions[] = {
    {"origin", &UsageRecord::origin, true},      {"family", &UsageRecord::family, true},
    {"provider", &UsageRecord::provider, true},  {"hosting", &UsageRecord::hosting, true},
    {"weights", &UsageRecord::weights, true},    {"key", &UsageRecord::key_name, false},
    {"model", &UsageRecord::served_model, true}, {"outcome", &UsageRecord::outcome, false},
    {"user", &UsageRecord::user, false},
};
// `--by metadata.KEY` groups on one key of the caller's metadata.
constexpr std::string_view kMetadataPrefix = "metadata.";
// Stands for every metadata.KEY dimension in the table above.
constexpr Dimension kMetadataDimension = {"metadata", nullptr, false};

const Dimension* find_dimension(std::string_view name) {
  if (name.size() > kMetadataPrefix.size() && name.starts_with(kMetadataPrefix))
    return &kMetadataDimension;
  for (const Dimension& dimension : kDimensions) {
    if (dimension.name == name) return &dimension;
  }
  return nullptr;
}

constexpr std::string_view kHelp =
    "usage: switchyard usage [options]\n"
    "\n"
    "Totals and shares of requests, tokens and cost from the usage log.\n"
    "\n"
    "  --log FILE         usage log to read (repeatable; default switchyard-usage.jsonl)\n"
    "  --all-rotated      also read the rotated files FILE.5 .. FILE.1\n"
    "  --since TIME       only requests that arrived at or after TIME\n"
    "  --until TIME       only requests that arrived before TIME\n"
    "                     TIME: RFC 3339 (2024-05-01T12:00:00Z), a date (2024-05-01,\n"
    "                     midnight UTC) or a duration before now (30m, 24h, 7d, 2w)\n"
    "  --by DIMENSION     origin (default) | family | provider | hosting | weights |\n"
    "                     key | model | outcome | user | metadata.KEY\n"
    "                     shares by a model property count only requests that\n"
    "                     reached a model; the rest are 'failed before routing'\n"
    "  --format FORMAT    table (default) | json\n"
    "  --help             this text\n";

std::string int128_text(UsageSum value) {
  bool negative = value < 0;
  // Work in negative numbers so the most negative value does not overflow.
  if (!negative) value = -value;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' - static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// part / total as a percentage with two decimals, rounded half up, in integer
// arithmetic so the same log always prints the same shares.
std::string percent_text(UsageSum part, UsageSum total) {
  if (total <= 0 || part <= 0) return "0.00";
  UsageSum hundredths = (part * 10'000 * 2 + total) / (2 * total);
  std::string fraction = int128_text(hundredths % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return int128_text(hundredths / 100) + "." + fraction;
}

UsageSum tokens_of(const UsageTotals& totals) {
  return totals.prompt_tokens + totals.completion_tokens;
}

void add(UsageTotals& totals, const UsageRecord& record) {
  ++totals.requests;
  totals.prompt_tokens += record.prompt_tokens;
  totals.completion_tokens += record.completion_tokens;
  totals.cost += record.cost;
}

std::vector<std::pair<std::string, UsageTotals>> sorted_groups(const UsageReport& report) {
  std::vector<std::pair<std::string, UsageTotals>> groups(report.groups.begin(),
                                                          report.groups.end());
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    if (a.second.cost != b.second.cost) return a.second.cost > b.second.cost;
    if (tokens_of(a.second) != tokens_of(b.second))
      return tokens_of(a.second) > tokens_of(b.second);
    return a.second.requests > b.second.requests;
  });
  return groups;
}

bool parse_duration_before(std::string_view text, std::int64_t now_unix_ms, std::int64_t& unix_ms) {
  if (text.size() < 2 || text.size() > 10) return false;
  std::int64_t unit_ms = 0;
  switch (text.back()) {
    case 's':
      unit_ms = 1'000;
      break;
    case 'm':
      unit_ms = 60'000;
      break;
    case 'h':
      unit_ms = 3'600'000;
      break;
    case 'd':
      unit_ms = 86'400'000;
      break;
    case 'w':
      unit_ms = 7 * 86'400'000LL;
      break;
    default:
      return false;
  }
  std::int64_t count = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return false;
    count = count * 10 + (c - '0');  // at most 9 digits: no overflow below
  }
  unix_ms = now_unix_ms - count * unit_ms;
  return true;
}

// Splits "--name=value"; a bare "--name" takes the next argument as its value.
bool take_value(const std::vector<std::string_view>& args, std::size_t& index,
                std::string_view inline_value, bool has_inline, std::string_view name,
                std::string_view& value, std::string& error) {
  if (has_inline) {
    value = inline_value;
    return true;
  }
  if (index + 1 >= args.size()) {
    error = std::string(name) + " needs a value";
    return false;
  }
  value = args[++index];
  return true;
}

}  // namespace

bool parse_time_bound(std::string_view text, std::int64_t now_unix_ms, std::int64_t& unix_ms) {
  if (parse_duration_before(text, now_unix_ms, unix_ms)) return true;
  if (text.size() == 10) return parse_rfc3339_ms(std::string(text) + "T00:00:00Z", unix_ms);
  return parse_rfc3339_ms(text, unix_ms);
}

bool parse_usage_report_args(const std::vector<std::string_view>& args, std::int64_t now_unix_ms,
                             UsageReportOptions& options, std::string& error) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view name = arg;
    std::string_view inline_value;
    std::size_t equals = arg.find('=');
    bool has_inline = arg.starts_with("--") && equals != std::string_view::npos;
    if (has_inline) {
      name = arg.substr(0, equals);
      inline_value = arg.substr(equals + 1);
    }
    std::string_view value;
    if (name == "--help" || name == "-h") {
      options.help = true;
    } else if (name == "--all-rotated") {
      options.all_rotated = true;
    } else if (name == "--log") {
      if (!take_value(args, i, inline_value, has_inline, name, value, error)) return false;
      if (value.empty()) {
        error = "--log needs a file name";
        return false;
      }
      options.logs.emplace_back(value);
    } else if (name == "--since" || name == "--until") {
      if (!take_value(args, i, inline_value, has_inline, name, value, error)) return false;
      std::int64_t bound = 0;
      if (!parse_time_bound(value, now_unix_ms, bound)) {
        error = std::string(name) + ": '" + std::string(value) +
                "' is not a time (RFC 3339, YYYY-MM-DD, or a duration such as 24h or 7d)";
        return false;
      }
      (name == "--since" ? options.since_ms : options.until_ms) = bound;
    } else if (name == "--by") {
      if (!take_value(args, i, inline_value, has_inline, name, value, error)) return false;
      if (!find_dimension(value)) {
        error = "--by: '" + std::string(value) + "' is not one of";
        for (const Dimension& dimension : kDimensions) error += " " + std::string(dimension.name);
        error += " metadata.KEY";
        return false;
      }
      options.by = value;
    } else if (name == "--format") {
      if (!take_value(args, i, inline_value, has_inline, name, value, error)) return false;
      if (value != "table" && value != "json") {
        error = "--format: '" + std::string(value) + "' is not table or json";
        return false;
      }
      options.json = value == "json";
    } else {
      error = "unknown argument '" + std::string(arg) + "' (see --help)";
      return false;
    }
  }
  if (options.since_ms && options.until_ms && *options.since_ms >= *options.until_ms) {
    error = "--since must be before --until";
    return false;
  }
  return true;
}

bool usage_group_of(const UsageRecord& record, std::string_view by, std::string& group) {
  const Dimension* dimension = find_dimension(by);
  if (!dimension) return false;
  if (!dimension->field) {
    const std::string_view key = by.substr(kMetadataPrefix.size());
    group = std::string(kNoValue);
    for (const auto& [name, value] : record.metadata) {
      if (name == key && !value.empty()) group = value;
    }
    return true;
  }
  const std::string& value = record.*(dimension->field);
  group = value.empty() ? std::string(kNoValue) : value;
  return true;
}

void accumulate_usage(std::istream& in, const UsageReportOptions& options, UsageReport& report) {
  report.by = options.by;
  std::string line;
  UsageRecord record;
  std::string group;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!from_json_line(line, record)) {
      ++report.malformed_lines;
      continue;
    }
    if (options.since_ms && record.time_unix_ms < *options.since_ms) continue;
    if (options.until_ms && record.time_unix_ms >= *options.until_ms) continue;
    if (!usage_group_of(record, options.by, group)) continue;
    const Dimension* dimension = find_dimension(options.by);
    if (dimension->of_model && record.provider.empty()) {
      add(report.failed_before_routing, record);
      continue;
    }
    add(report.groups[group], record);
    add(report.total, record);
  }
}

void write_usage_table(const UsageReport& report, std::ostream& out) {
  using Row = std::array<std::string, 8>;
  std::vector<Row> rows;
  rows.push_back({report.by, "requests", "requests%", "prompt_tokens", "completion_tokens",
                  "tokens%", "cost_usd", "cost%"});
  auto row_of = [&](const std::string& name, const UsageTotals& totals) {
    return Row{name,
               std::to_string(totals.requests),
               percent_text(totals.requests, report.total.requests),
               int128_text(totals.prompt_tokens),
               int128_text(totals.completion_tokens),
               percent_text(tokens_of(totals), tokens_of(report.total)),
               format_usd_wide(totals.cost),
               percent_text(totals.cost, report.total.cost)};
  };
  for (const auto& [name, totals] : sorted_groups(report)) rows.push_back(row_of(name, totals));
  rows.push_back(row_of("total", report.total));
  const bool show_failed = report.failed_before_routing.requests > 0;
  if (show_failed) {
    Row failed = row_of("failed before routing", report.failed_before_routing);
    for (std::size_t column : {2, 5, 7}) failed[column] = "-";  // in no share
    rows.push_back(failed);
  }

  std::array<std::size_t, 8> widths{};
  for (const Row& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::size_t line_width = 0;
  for (std::size_t width : widths) line_width += width + 2;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (r + (show_failed ? 2 : 1) == rows.size()) out << std::string(line_width - 2, '-') << '\n';
    std::string line;
    for (std::size_t column = 0; column < rows[r].size(); ++column) {
      const std::string& cell = rows[r][column];
      std::string padding(widths[column] - cell.size(), ' ');
      // The group name reads left to right; numbers line up on the right.
      line += column == 0 ? cell + padding : padding + cell;
      if (column + 1 < rows[r].size()) line += "  ";
    }
    out << line << '\n';
  }
}

void write_usage_json(const UsageReport& report, const UsageReportOptions& options,
                      std::ostream& out) {
  auto quoted = [](std::string_view text) { return boost::json::serialize(text); };
  // The fields of one totals object, without the braces.
  auto totals_json = [&](const UsageTotals& totals) {
    std::string text = "\"requests\":" + std::to_string(totals.requests);
    text += ",\"prompt_tokens\":" + int128_text(totals.prompt_tokens);
    text += ",\"completion_tokens\":" + int128_text(totals.completion_tokens);
    text += ",\"tokens\":" + int128_text(tokens_of(totals));
    text += ",\"cost_usd\":" + quoted(format_usd_wide(totals.cost));
    text += ",\"cost_picousd\":" + int128_text(totals.cost);
    text += ",\"requests_pct\":" + percent_text(totals.requests, report.total.requests);
    text += ",\"tokens_pct\":" + percent_text(tokens_of(totals), tokens_of(report.total));
    text += ",\"cost_pct\":" + percent_text(totals.cost, report.total.cost);
    return text;
  };
  auto bound_json = [&](const std::optional<std::int64_t>& bound) {
    return bound ? quoted(format_rfc3339_ms(*bound)) : std::string("null");
  };
  out << "{\"by\":" << quoted(report.by) << ",\"since\":" << bound_json(options.since_ms)
      << ",\"until\":" << bound_json(options.until_ms) << ",\"groups\":[";
  bool first = true;
  for (const auto& [name, totals] : sorted_groups(report)) {
    out << (first ? "{" : ",{") << "\"name\":" << quoted(name) << ',' << totals_json(totals) << '}';
    first = false;
  }
  const UsageTotals& failed = report.failed_before_routing;
  out << "],\"total\":{" << totals_json(report.total) << "},\"failed_before_routing\":{"
      << "\"requests\":" << failed.requests
      << ",\"prompt_tokens\":" << int128_text(failed.prompt_tokens)
      << ",\"cost_picousd\":" << int128_text(failed.cost)
      << "},\"malformed_lines\":" << report.malformed_lines << "}\n";
}

int run_usage_report(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  UsageReportOptions options;
  std::string error;
  if (!parse_usage_report_args(args, now, options, error)) {
    err << "switchyard usage: " << error << '\n';
    return 2;
  }
  if (options.help) {
    out << kHelp;
    return 0;
  }
  if (options.logs.empty()) options.logs.emplace_back(kDefaultLog);

  std::vector<std::string> files;
  for (const std::string& log : options.logs) {
    if (options.all_rotated) {
      for (int index = kUsageLogRotatedKept; index >= 1; --index) {
        std::string rotated = log + "." + std::to_string(index);
        std::error_code ec;
        if (std::filesystem::exists(rotated, ec)) files.push_back(rotated);
      }
    }
    files.push_back(log);
  }

  UsageReport report;
  report.by = options.by;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "switchyard usage: cannot read " << file << '\n';
      return 1;
    }
    accumulate_usage(in, options, report);
  }
  if (report.malformed_lines > 0) {
    err << "skipped " << report.malformed_lines << " malformed line"
        << (report.malformed_lines == 1 ? "" : "s") << '\n';
  }
  if (options.json) {
    write_usage_json(report, options, out);
  } else {
    write_usage_table(report, out);
  }
  return 0;
}

}  // namespace switchyard
