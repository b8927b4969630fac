#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/cli/usage_report.hpp"

using namespace switchyard;
namespace fs = std::filesystem;

namespace {

// Five requests, a blank line and one malformed line. Costs in picodollars:
//   a CN deepseek 1'645'000'000   b CN qwen 300'000'000   c US gpt 5'000'000'000
//   d FR mistral 1 (one picodollar, to show nothing is rounded)   e denied, none
// Total 6'945'000'001 = 0.006945000001 USD; tokens 1500+3000+1000+500+0 = 6000.
constexpr const char* kLog =
    R"({"request_id":"a","time":"2024-05-01T10:00:00.000Z","origin":"CN","family":"deepseek","provider":"deepseek","hosting":"remote","key":"team-a","served_model":"deepseek/deepseek-r1","prompt_tokens":1000,"completion_tokens":500,"cost_usd":"0.001645","cost_picousd":1645000000}
{"request_id":"b","time":"2024-05-02T10:00:00.000Z","origin":"CN","family":"qwen","provider":"local-vllm","hosting":"local","key":"team-b","served_model":"qwen/qwen3-32b","prompt_tokens":2000,"completion_tokens":1000,"cost_usd":"0.0003","cost_picousd":300000000}

{"request_id":"c","time":"2024-05-03T10:00:00.000Z","origin":"US","family":"gpt","provider":"openai","hosting":"remote","key":"team-a","served_model":"openai/gpt-4o","prompt_tokens":500,"completion_tokens":500,"cost_usd":"0.005","cost_picousd":5000000000}
{"request_id":"c2","time":"2024-05-03T10:3
{"request_id":"d","time":"2024-05-03T12:00:00.000Z","origin":"FR","family":"mistral","provider":"local-vllm","hosting":"local","key":"team-b","served_model":"mistral/mistral-small","prompt_tokens":500,"completion_tokens":0,"cost_usd":"0.000000000001","cost_picousd":1}
{"request_id":"e","time":"2024-05-03T13:00:00.000Z","key":"team-a","requested_model":"deepseek/deepseek-r1","prompt_tokens":0,"completion_tokens":0,"cost_usd":"0","cost_picousd":0,"denied_by":"no-cn","outcome":"denied","status":403}
)";

struct TempLog {
  fs::path directory;
  std::string path;
  explicit TempLog(const std::string& content) {
    std::string pattern = (fs::temp_directory_path() / "switchyard-report-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    directory = pattern;
    path = (directory / "usage.jsonl").string();
    write(path, content);
  }
  ~TempLog() {
    std::error_code ec;
    fs::remove_all(directory, ec);
  }
  static void write(const std::string& file, const std::string& content) {
    std::ofstream(file, std::ios::binary) << content;
  }
};

struct Run {
  int status = 0;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), "usage");  // as main passes it: the command name first
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  std::ostringstream out, err;
  Run result;
  result.status = run_usage_report(static_cast<int>(argv.size()), argv.data(), out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, text);
  REQUIRE(value.is_object());
  return value.as_object();
}

const boost::json::object& group(const boost::json::object& report, std::size_t index) {
  return report.at("groups").as_array().at(index).as_object();
}

double number(const boost::json::object& object, const char* name) {
  return object.at(name).to_number<double>();
}

}  // namespace

TEST_CASE("usage report: exact totals and shares by origin, as JSON") {
  TempLog log(kLog);
  Run result = run({"--log", log.path, "--format", "json"});
  REQUIRE(result.status == 0);
  CHECK(result.err == "skipped 1 malformed line\n");
  boost::json::object report = parse_object(result.out);
  CHECK(report.at("by").as_string() == "origin");
  CHECK(report.at("malformed_lines").as_int64() == 1);
  CHECK(report.at("since").is_null());

  const boost::json::object& total = report.at("total").as_object();
  // Shares are over the four requests that reached a model; the denied one
  // is counted apart, in no origin.
  CHECK(total.at("requests").as_int64() == 4);
  CHECK(report.at("failed_before_routing").as_object().at("requests").as_int64() == 1);
  CHECK(total.at("prompt_tokens").as_int64() == 4000);
  CHECK(total.at("completion_tokens").as_int64() == 2000);
  CHECK(total.at("cost_usd").as_string() == "0.006945000001");
  CHECK(total.at("cost_picousd").as_int64() == 6'945'000'001);

  // Largest cost first: US, CN, FR; the denied request is in no group.
  REQUIRE(report.at("groups").as_array().size() == 3);
  CHECK(group(report, 0).at("name").as_string() == "US");
  CHECK(group(report, 0).at("cost_usd").as_string() == "0.005");
  CHECK(number(group(report, 0), "cost_pct") == 71.99);
  CHECK(number(group(report, 0), "tokens_pct") == 16.67);
  CHECK(number(group(report, 0), "requests_pct") == 25);

  const boost::json::object& cn = group(report, 1);
  CHECK(cn.at("name").as_string() == "CN");
  CHECK(cn.at("requests").as_int64() == 2);
  CHECK(cn.at("tokens").as_int64() == 4500);
  CHECK(cn.at("cost_usd").as_string() == "0.001945");
  CHECK(number(cn, "requests_pct") == 50);
  CHECK(number(cn, "tokens_pct") == 75);
  CHECK(number(cn, "cost_pct") == 28.01);

  CHECK(group(report, 2).at("name").as_string() == "FR");
  CHECK(group(report, 2).at("cost_usd").as_string() == "0.000000000001");
  for (const auto& entry : report.at("groups").as_array())
    CHECK(entry.at("name").as_string() != "other");
}

TEST_CASE("usage report: table by family with a total row") {
  TempLog log(kLog);
  Run result = run({"--log=" + log.path, "--by", "family"});
  REQUIRE(result.status == 0);
  std::istringstream lines(result.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  // header, four families, a rule, the total, the failed-before-routing row
  REQUIRE(rows.size() == 8);
  CHECK(rows[0].starts_with("family "));
  CHECK(rows[1].starts_with("gpt "));
  CHECK(rows[2].starts_with("deepseek "));
  CHECK(rows[2].find(" 0.001645 ") != std::string::npos);
  CHECK(rows[2].find(" 23.69") != std::string::npos);  // 1645000000 / 6945000001
  CHECK(rows[3].starts_with("qwen "));
  CHECK(rows[3].find(" 50.00 ") != std::string::npos);  // 3000 of 6000 tokens
  CHECK(rows[5].find_first_not_of('-') == std::string::npos);
  CHECK(rows[6].starts_with("total "));
  CHECK(rows[6].find(" 0.006945000001 ") != std::string::npos);
  CHECK(rows[6].find(" 100.00") != std::string::npos);
  CHECK(rows[7].starts_with("failed before routing "));
  CHECK(rows[7].find(" 100.00") == std::string::npos);  // in no share
  // Columns line up: every row is as wide as the header.
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].size() == rows[0].size());
}

TEST_CASE("usage report: time range filtering") {
  TempLog log(kLog);
  // Since is inclusive, until exclusive: b (05-02 10:00) and c (05-03 10:00).
  Run result = run({"--log", log.path, "--since", "2024-05-02", "--until", "2024-05-03T12:00:00Z",
                    "--format", "json", "--by", "key"});
  REQUIRE(result.status == 0);
  boost::json::object report = parse_object(result.out);
  CHECK(report.at("since").as_string() == "2024-05-02T00:00:00.000Z");
  const boost::json::object& total = report.at("total").as_object();
  CHECK(total.at("requests").as_int64() == 2);
  CHECK(total.at("cost_usd").as_string() == "0.0053");
  REQUIRE(report.at("groups").as_array().size() == 2);
  CHECK(group(report, 0).at("name").as_string() == "team-a");
  CHECK(group(report, 1).at("name").as_string() == "team-b");

  Run offset = run({"--log", log.path, "--since", "2024-05-03T13:00:00+01:00", "--format",
                    "json"});  // 12:00 UTC: d, and e which failed before routing
  const boost::json::object offset_report = parse_object(offset.out);
  CHECK(offset_report.at("total").as_object().at("requests").as_int64() == 1);
  CHECK(offset_report.at("failed_before_routing").as_object().at("requests").as_int64() == 1);
}

TEST_CASE("usage report: relative and absolute time bounds") {
  const std::int64_t now = 1714566896789;
  std::int64_t bound = 0;
  REQUIRE(parse_time_bound("24h", now, bound));
  CHECK(bound == now - 86'400'000);
  REQUIRE(parse_time_bound("7d", now, bound));
  CHECK(bound == now - 7 * 86'400'000LL);
  REQUIRE(parse_time_bound("30m", now, bound));
  CHECK(bound == now - 1'800'000);
  REQUIRE(parse_time_bound("2024-05-01", now, bound));
  CHECK(bound == 1714521600000);
  CHECK_FALSE(parse_time_bound("24x", now, bound));
  CHECK_FALSE(parse_time_bound("h", now, bound));
  CHECK_FALSE(parse_time_bound("-5d", now, bound));
  CHECK_FALSE(parse_time_bound("2024-13-01", now, bound));
  CHECK_FALSE(parse_time_bound("yesterday", now, bound));
}

TEST_CASE("usage report: by key or outcome every request counts, the denied one too") {
  TempLog log(kLog);
  Run result = run({"--log", log.path, "--format", "json", "--by", "outcome"});
  REQUIRE(result.status == 0);
  boost::json::object report = parse_object(result.out);
  CHECK(report.at("total").as_object().at("requests").as_int64() == 5);
  CHECK(report.at("failed_before_routing").as_object().at("requests").as_int64() == 0);
}

TEST_CASE("usage report: the model and outcome dimensions name empty values") {
  TempLog log(kLog);
  UsageReportOptions options;
  options.by = "model";
  UsageReport report;
  std::ifstream in(log.path);
  accumulate_usage(in, options, report);
  CHECK(report.groups.size() == 4);
  CHECK(report.groups.count("(none)") == 0);  // the denied request served nothing
  CHECK(report.failed_before_routing.requests == 1);
  CHECK(report.groups.at("openai/gpt-4o").cost == 5'000'000'000);
  CHECK(report.malformed_lines == 1);
}

TEST_CASE("usage report: by user and by metadata.KEY") {
  TempLog log(
      R"({"request_id":"a","time":"2024-05-01T10:00:00.000Z","provider":"openai","user":"alice","metadata":{"team":"search","app":"ui"},"prompt_tokens":10,"completion_tokens":0,"cost_picousd":5}
{"request_id":"b","time":"2024-05-01T11:00:00.000Z","provider":"openai","user":"alice","metadata":{"team":"ads"},"prompt_tokens":20,"completion_tokens":0,"cost_picousd":7}
{"request_id":"c","time":"2024-05-01T12:00:00.000Z","provider":"openai","prompt_tokens":30,"completion_tokens":0,"cost_picousd":1}
)");
  Run by_user = run({"--log", log.path, "--format", "json", "--by", "user"});
  REQUIRE(by_user.status == 0);
  boost::json::object users = parse_object(by_user.out);
  REQUIRE(users.at("groups").as_array().size() == 2);
  CHECK(group(users, 0).at("name").as_string() == "alice");
  CHECK(group(users, 0).at("requests").as_int64() == 2);
  CHECK(group(users, 1).at("name").as_string() == "(none)");

  Run by_team = run({"--log", log.path, "--format", "json", "--by", "metadata.team"});
  REQUIRE(by_team.status == 0);
  boost::json::object teams = parse_object(by_team.out);
  REQUIRE(teams.at("groups").as_array().size() == 3);
  CHECK(group(teams, 0).at("name").as_string() == "ads");
  CHECK(group(teams, 1).at("name").as_string() == "search");
  CHECK(group(teams, 2).at("name").as_string() == "(none)");
  CHECK(run({"--log", log.path, "--by", "metadata."}).status == 2);
}

TEST_CASE("usage report: rotated files are read when asked") {
  TempLog log(kLog);
  TempLog::write(log.path + ".1", std::string(kLog).substr(0, std::string(kLog).find('\n') + 1));
  Run live_only = run({"--log", log.path, "--format", "json"});
  Run all = run({"--log", log.path, "--all-rotated", "--format", "json"});
  REQUIRE(all.status == 0);
  CHECK(parse_object(live_only.out).at("total").as_object().at("requests").as_int64() == 4);
  CHECK(parse_object(all.out).at("total").as_object().at("requests").as_int64() == 5);
}

TEST_CASE("usage report: bad arguments exit 2 with a message, help exits 0") {
  Run by = run({"--by", "planet"});
  CHECK(by.status == 2);
  CHECK(by.err.find("--by") != std::string::npos);
  CHECK(run({"--format", "xml"}).status == 2);
  CHECK(run({"--since"}).status == 2);
  CHECK(run({"--since", "soon"}).status == 2);
  CHECK(run({"--since", "2024-05-02", "--until", "2024-05-01"}).status == 2);
  Run unknown = run({"--frobnicate"});
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("--frobnicate") != std::string::npos);
  CHECK(unknown.out.empty());

  Run help = run({"--help"});
  CHECK(help.status == 0);
  CHECK(help.out.find("--since") != std::string::npos);

  Run missing = run({"--log", "no-such-usage-log.jsonl"});
  CHECK(missing.status == 1);
  CHECK(missing.err.find("no-such-usage-log.jsonl") != std::string::npos);
}

TEST_CASE("usage report: an empty log prints zero totals") {
  TempLog log("");
  Run result = run({"--log", log.path, "--format", "json"});
  REQUIRE(result.status == 0);
  CHECK(result.err.empty());
  boost::json::object report = parse_object(result.out);
  CHECK(report.at("groups").as_array().empty());
  CHECK(report.at("total").as_object().at("cost_usd").as_string() == "0");
  CHECK(number(report.at("total").as_object(), "cost_pct") == 0);
}
