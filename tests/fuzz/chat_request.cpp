// The chat request parser and the request preferences it validates, on
// arbitrary bodies. Invariants: an accepted request's forwarded body is
// finite JSON without the routing-only fields, and putting the routing fields
// back and parsing it again gives the same request and preferences.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "policies/request_preferences.hpp"
#include "providers/canonical/chat_request.hpp"
#include "providers/canonical/strict_json.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace json = boost::json;
using switchyard::ChatRequest;

// Boost.JSON 1.81 does not parse every double back to the exact value it
// printed, so numbers compare within a relative 1e-12; all else exactly.
bool close(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

bool close(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || close(*a, *b));
}

bool json_close(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number() && (a.is_double() || b.is_double())) {
    return close(a.to_number<double>(), b.to_number<double>());
  }
  if (a.kind() != b.kind()) return false;
  if (const json::object* x = a.if_object()) {
    const json::object& y = b.get_object();
    if (x->size() != y.size()) return false;
    for (const auto& [key, value] : *x) {
      const json::value* other = y.if_contains(key);
      if (other == nullptr || !json_close(value, *other)) return false;
    }
    return true;
  }
  if (const json::array* x = a.if_array()) {
    const json::array& y = b.get_array();
    if (x->size() != y.size()) return false;
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (!json_close((*x)[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

bool close_price(const std::optional<std::int64_t>& a, const std::optional<std::int64_t>& b) {
  return a.has_value() == b.has_value() && (!a || (*a >= *b - 1 && *a <= *b + 1));
}

bool same_prefs(const switchyard::policies::RequestPreferences& a,
                const switchyard::policies::RequestPreferences& b) {
  return a.order == b.order && a.only == b.only && a.ignore == b.ignore &&
         a.allow_fallbacks == b.allow_fallbacks && a.sort == b.sort &&
         close_price(a.max_prompt_price, b.max_prompt_price) &&
         close_price(a.max_completion_price, b.max_completion_price) &&
         a.deny_data_collection == b.deny_data_collection && a.quantizations == b.quantizations &&
         a.require_parameters == b.require_parameters &&
         close(a.preferred_max_latency_s, b.preferred_max_latency_s) &&
         close(a.preferred_min_throughput_tps, b.preferred_min_throughput_tps) &&
         a.provenance_allow.size() == b.provenance_allow.size() &&
         a.provenance_deny.size() == b.provenance_deny.size();
}

bool read_preferences(const ChatRequest& request, switchyard::policies::RequestPreferences& prefs) {
  std::string message;
  std::string param;
  bool valid = switchyard::policies::parse_request_preferences(
      request.provider_preferences.if_object(), request.provenance.if_object(), prefs, message,
      param);
  if (!valid) SWITCHYARD_FUZZ_CHECK(!message.empty());
  return valid;
}

void check_accepted(const json::object& original, const ChatRequest& request) {
  SWITCHYARD_FUZZ_CHECK(!request.model.empty());
  SWITCHYARD_FUZZ_CHECK(!request.body.contains("models"));
  SWITCHYARD_FUZZ_CHECK(!request.body.contains("provider"));
  SWITCHYARD_FUZZ_CHECK(!request.body.contains("provenance"));
  SWITCHYARD_FUZZ_CHECK(switchyard::all_numbers_finite(request.body));
  SWITCHYARD_FUZZ_CHECK(request.estimated_prompt_tokens >= 0);
  if (request.max_tokens) SWITCHYARD_FUZZ_CHECK(*request.max_tokens >= 0);

  // Put back what routing took out, in the explicit form, and parse again.
  json::object rebuilt = request.body;
  rebuilt["model"] = request.model;
  if (!request.models.empty()) {
    json::array models;
    for (const std::string& id : request.models) models.emplace_back(id);
    rebuilt["models"] = std::move(models);
  }
  for (std::string_view key : {"provider", "provenance"}) {
    if (const json::value* value = original.if_contains(key)) rebuilt[key] = *value;
  }
  std::string text = json::serialize(rebuilt);
  ChatRequest again;
  switchyard::ParseError error;
  SWITCHYARD_FUZZ_CHECK(switchyard::parse_chat_request(text, again, error));
  SWITCHYARD_FUZZ_CHECK(again.model == request.model);
  SWITCHYARD_FUZZ_CHECK(again.models == request.models);
  SWITCHYARD_FUZZ_CHECK(again.stream == request.stream);
  SWITCHYARD_FUZZ_CHECK(again.include_usage == request.include_usage);
  SWITCHYARD_FUZZ_CHECK(again.max_tokens == request.max_tokens);
  SWITCHYARD_FUZZ_CHECK(again.user == request.user);
  // The preferences, as the flow reads them for the planner.
  switchyard::policies::RequestPreferences prefs;
  switchyard::policies::RequestPreferences prefs_again;
  bool valid = read_preferences(request, prefs);
  SWITCHYARD_FUZZ_CHECK(valid == read_preferences(again, prefs_again));
  if (valid) SWITCHYARD_FUZZ_CHECK(same_prefs(prefs_again, prefs));
  // The model field is the one routing may fill in from `models`.
  json::object forwarded = request.body;
  forwarded.erase("model");
  again.body.erase("model");
  SWITCHYARD_FUZZ_CHECK(json_close(again.body, forwarded));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view text = switchyard::fuzz::as_text(bytes, size);
  ChatRequest request;
  switchyard::ParseError error;
  if (!switchyard::parse_chat_request(text, request, error)) {
    SWITCHYARD_FUZZ_CHECK(!error.message.empty());
    return 0;
  }
  json::value original;
  std::string reason;
  SWITCHYARD_FUZZ_CHECK(switchyard::parse_json_strict(text, original, reason));
  check_accepted(original.as_object(), request);
  return 0;
}
