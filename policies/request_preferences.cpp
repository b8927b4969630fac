#include "policies/request_preferences.hpp"

#include <cmath>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace switchyard::policies {

namespace {

namespace json = boost::json;

// Collects the first error with the path of the field that caused it.
class FieldErrors {
 public:
  FieldErrors(std::string& error, std::string& param) : error_(error), param_(param) {}

  bool fail(const std::string& path, std::string_view what) {
    param_ = path;
    error_ = path;
    error_ += ": ";
    error_ += what;
    return false;
  }

 private:
  std::string& error_;
  std::string& param_;
};

std::string join_path(std::string_view base, std::string_view field) {
  std::string out(base);
  out += '.';
  out += field;
  return out;
}

bool read_string_list(const json::value& value, const std::string& path,
                      std::vector<std::string>& out, FieldErrors& errors) {
  constexpr std::string_view kWhat = "must be a string or an array of non-empty strings";
  if (value.is_string()) {
    if (value.get_string().empty()) return errors.fail(path, kWhat);
    out.emplace_back(value.get_string());
    return true;
  }
  if (!value.is_array()) return errors.fail(path, kWhat);
  out.reserve(value.get_array().size());
  for (const json::value& item : value.get_array()) {
    if (!item.is_string() || item.get_string().empty()) return errors.fail(path, kWhat);
    out.emplace_back(item.get_string());
  }
  return true;
}

bool read_array_of_strings(const json::value& value, const std::string& path,
                           std::vector<std::string>& out, FieldErrors& errors) {
  if (!value.is_array()) return errors.fail(path, "must be an array of strings");
  return read_string_list(value, path, out, errors);
}

bool read_bool(const json::value& value, const std::string& path, bool& out, FieldErrors& errors) {
  if (!value.is_bool()) return errors.fail(path, "must be true or false");
  out = value.get_bool();
  return true;
}

// A finite, non-negative JSON number as a double.
bool read_non_negative(const json::value& value, const std::string& path, std::string_view what,
                       double& out, FieldErrors& errors) {
  if (value.is_int64()) {
    out = static_cast<double>(value.get_int64());
  } else if (value.is_uint64()) {
    out = static_cast<double>(value.get_uint64());
  } else if (value.is_double()) {
    out = value.get_double();
  } else {
    return errors.fail(path, what);
  }
  if (!std::isfinite(out) || out < 0) return errors.fail(path, what);
  return true;
}

// USD per million tokens -> picodollars per token (1 USD/M = 1e6 pUSD/token),
// rounded to nearest: 0.55 is 550000.0000000001 as a double and becomes 550000.
bool read_price(const json::value& value, const std::string& path, std::optional<Picousd>& out,
                FieldErrors& errors) {
  constexpr std::string_view kWhat = "must be a number >= 0 (USD per million tokens)";
  double usd_per_million = 0;
  if (!read_non_negative(value, path, kWhat, usd_per_million, errors)) return false;
  if (usd_per_million > 1e9) return errors.fail(path, "must be at most 1000000000");
  out = static_cast<Picousd>(std::llround(usd_per_million * 1e6));
  return true;
}

bool read_max_price(const json::value& value, RequestPreferences& out, FieldErrors& errors) {
  const std::string base = "provider.max_price";
  if (!value.is_object()) return errors.fail(base, "must be an object {prompt, completion}");
  for (const auto& [key, field] : value.get_object()) {
    std::string path = join_path(base, key);
    if (key == "prompt") {
      if (!read_price(field, path, out.max_prompt_price, errors)) return false;
    } else if (key == "completion") {
      if (!read_price(field, path, out.max_completion_price, errors)) return false;
    } else {
      return errors.fail(path, "unknown field (expected prompt, completion)");
    }
  }
  return true;
}

bool read_sort(const json::value& value, SortBy& out, FieldErrors& errors) {
  constexpr std::string_view kWhat = "must be one of price, latency, throughput";
  if (!value.is_string()) return errors.fail("provider.sort", kWhat);
  std::string_view text = value.get_string();
  if (text == "price") {
    out = SortBy::price;
  } else if (text == "latency") {
    out = SortBy::latency;
  } else if (text == "throughput") {
    out = SortBy::throughput;
  } else {
    return errors.fail("provider.sort", kWhat);
  }
  return true;
}

bool read_provider(const json::object& provider, RequestPreferences& out, FieldErrors& errors) {
  for (const auto& [key, value] : provider) {
    std::string path = join_path("provider", key);
    bool ok = true;
    if (key == "order") {
      ok = read_array_of_strings(value, path, out.order, errors);
    } else if (key == "only") {
      ok = read_array_of_strings(value, path, out.only, errors);
    } else if (key == "ignore") {
      ok = read_array_of_strings(value, path, out.ignore, errors);
    } else if (key == "allow_fallbacks") {
      ok = read_bool(value, path, out.allow_fallbacks, errors);
    } else if (key == "sort") {
      ok = read_sort(value, out.sort, errors);
    } else if (key == "max_price") {
      ok = read_max_price(value, out, errors);
    } else if (key == "data_collection") {
      if (value.is_string() && value.get_string() == "deny") {
        out.deny_data_collection = true;
      } else if (value.is_string() && value.get_string() == "allow") {
        out.deny_data_collection = false;
      } else {
        ok = errors.fail(path, "must be one of allow, deny");
      }
    } else if (key == "quantizations") {
      ok = read_array_of_strings(value, path, out.quantizations, errors);
    } else if (key == "require_parameters") {
      ok = read_bool(value, path, out.require_parameters, errors);
    } else if (key == "preferred_max_latency") {
      double seconds = 0;
      ok = read_non_negative(value, path, "must be a number of seconds >= 0", seconds, errors);
      if (ok) out.preferred_max_latency_s = seconds;
    } else if (key == "preferred_min_throughput") {
      double tps = 0;
      ok =
          read_non_negative(value, path, "must be a number of tokens per second >= 0", tps, errors);
      if (ok) out.preferred_min_throughput_tps = tps;
    } else {
      ok = errors.fail(path, "unknown field");
    }
    if (!ok) return false;
  }
  return true;
}

bool read_enum_field(const json::value& value, const std::string& path, std::string_view first,
                     std::string_view second, bool& is_first, FieldErrors& errors) {
  if (value.is_string() && value.get_string() == first) {
    is_first = true;
    return true;
  }
  if (value.is_string() && value.get_string() == second) {
    is_first = false;
    return true;
  }
  std::string what = "must be one of ";
  what += first;
  what += ", ";
  what += second;
  return errors.fail(path, what);
}

bool read_rule(const json::object& object, const std::string& base, config::Rule& rule,
               FieldErrors& errors) {
  for (const auto& [key, value] : object) {
    std::string path = join_path(base, key);
    bool ok = true;
    bool flag = false;
    if (key == "origin") {
      ok = read_string_list(value, path, rule.origin, errors);
    } else if (key == "family") {
      ok = read_string_list(value, path, rule.family, errors);
    } else if (key == "author") {
      ok = read_string_list(value, path, rule.author, errors);
    } else if (key == "license") {
      ok = read_string_list(value, path, rule.license, errors);
    } else if (key == "jurisdiction") {
      ok = read_string_list(value, path, rule.jurisdiction, errors);
    } else if (key == "model") {
      ok = read_string_list(value, path, rule.model, errors);
    } else if (key == "provider") {
      ok = read_string_list(value, path, rule.provider, errors);
    } else if (key == "weights") {
      ok = read_enum_field(value, path, "open", "closed", flag, errors);
      if (ok) rule.weights = flag ? config::Weights::open : config::Weights::closed;
    } else if (key == "hosting") {
      ok = read_enum_field(value, path, "local", "remote", flag, errors);
      if (ok)
        rule.hosting = flag ? config::HostingLocation::local : config::HostingLocation::remote;
    } else if (key == "retains_prompts") {
      ok = read_bool(value, path, flag, errors);
      if (ok) rule.retains_prompts = flag;
    } else if (key == "trains_on_prompts") {
      ok = read_bool(value, path, flag, errors);
      if (ok) rule.trains_on_prompts = flag;
    } else {
      ok = errors.fail(path, "unknown field");
    }
    if (!ok) return false;
  }
  return true;
}

bool read_rule_list(const json::value& value, const std::string& path,
                    std::vector<config::Rule>& out, FieldErrors& errors) {
  if (!value.is_array()) return errors.fail(path, "must be an array of rule objects");
  const json::array& rules = value.get_array();
  out.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!rules[i].is_object()) return errors.fail(item_path, "must be a rule object");
    config::Rule rule;
    if (!read_rule(rules[i].get_object(), item_path, rule, errors)) return false;
    out.push_back(std::move(rule));
  }
  return true;
}

bool read_provenance(const json::object& provenance, RequestPreferences& out, FieldErrors& errors) {
  const bool has_lists = provenance.contains("allow") || provenance.contains("deny");
  if (!has_lists) {
    if (provenance.empty()) return true;
    config::Rule rule;
    if (!read_rule(provenance, "provenance", rule, errors)) return false;
    out.provenance_allow.push_back(std::move(rule));
    return true;
  }
  for (const auto& [key, value] : provenance) {
    std::string path = join_path("provenance", key);
    if (key == "allow") {
      if (!read_rule_list(value, path, out.provenance_allow, errors)) return false;
    } else if (key == "deny") {
      if (!read_rule_list(value, path, out.provenance_deny, errors)) return false;
    } else {
      return errors.fail(path, "unknown field (use either {allow, deny} or a flat rule)");
    }
  }
  return true;
}

}  // namespace

bool parse_request_preferences(const boost::json::object* provider,
                               const boost::json::object* provenance, RequestPreferences& out,
                               std::string& error, std::string& param) {
  out = RequestPreferences{};
  FieldErrors errors(error, param);
  if (provider != nullptr && !read_provider(*provider, out, errors)) return false;
  if (provenance != nullptr && !read_provenance(*provenance, out, errors)) return false;
  return true;
}

}  // namespace switchyard::policies
