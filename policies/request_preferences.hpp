#pragma once
// What the caller asks for on top of the operator's key policy: OpenRouter's
// `provider` object, the `models` fallback list, `:floor`/`:nitro` suffixes,
// and our own `provenance` object. Preferences can only narrow a key policy.
#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

#include "config/config.hpp"

namespace switchyard::policies {

enum class SortBy { none, price, latency, throughput };

struct RequestPreferences {
  std::vector<std::string> order;   // provider names, tried first in this order
  std::vector<std::string> only;    // provider names allowed
  std::vector<std::string> ignore;  // provider names removed
  bool allow_fallbacks = true;
  SortBy sort = SortBy::none;
  std::optional<Picousd> max_prompt_price;      // per token
  std::optional<Picousd> max_completion_price;  // per token
  bool deny_data_collection = false;            // data_collection: "deny"
  std::vector<std::string> quantizations;
  bool require_parameters = false;
  std::optional<double> preferred_max_latency_s;       // TTFT, seconds
  std::optional<double> preferred_min_throughput_tps;  // tokens per second
  // Our provenance object: the key-policy vocabulary, as allow rules the
  // candidate must match (one of) and deny rules it must not match. Two
  // spellings are accepted:
  //   {"allow": [rule, ...], "deny": [rule, ...]}   (either list may be absent)
  //   {"weights": "open", "hosting": "local"}       (a flat rule: allow only this)
  // An object is the first form when its only keys are allow/deny, the second
  // when it has none of them; mixing both is an error. Rule fields: origin,
  // family, author, license, jurisdiction, model, provider (a string or a list
  // of strings), weights (open|closed), hosting (local|remote),
  // retains_prompts, trains_on_prompts (booleans).
  std::vector<config::Rule> provenance_allow;
  std::vector<config::Rule> provenance_deny;
};

// Parses the `provider` object (may be null) and the `provenance` object (may
// be null). max_price values are JSON numbers in USD per million tokens; they
// are converted to picodollars per token (the unit of config::Price) rounded to
// the nearest picodollar, i.e. a resolution of 0.000001 USD per million
// tokens, the same as the catalog's. Unknown fields are errors. On a bad field returns false and
// sets `error` to a message naming it ("provider.sort: must be one of price, latency, throughput")
// and `param` to its path ("provider.sort").
bool parse_request_preferences(const boost::json::object* provider,
                               const boost::json::object* provenance, RequestPreferences& out,
                               std::string& error, std::string& param);

}  // namespace switchyard::policies
