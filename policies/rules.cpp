#include "policies/rules.hpp"

#include <vector>

namespace switchyard::policies {

namespace {

bool any_equal(const std::vector<std::string>& list, std::string_view value) {
  for (const auto& entry : list) {
    if (equals_ignore_case(entry, value)) return true;
  }
  return false;
}

// Which facts a rule (or a set of rules) tests, as bits, so a description can
// name the union of facts of several allow rules once each.
enum Fact : unsigned {
  kOrigin = 1u << 0,
  kFamily = 1u << 1,
  kAuthor = 1u << 2,
  kLicense = 1u << 3,
  kWeights = 1u << 4,
  kModel = 1u << 5,
  kProvider = 1u << 6,
  kHosting = 1u << 7,
  kJurisdiction = 1u << 8,
  kRetains = 1u << 9,
  kTrains = 1u << 10,
};

unsigned facts_of(const config::Rule& rule) {
  unsigned facts = 0;
  if (!rule.origin.empty()) facts |= kOrigin;
  if (!rule.family.empty()) facts |= kFamily;
  if (!rule.author.empty()) facts |= kAuthor;
  if (!rule.license.empty()) facts |= kLicense;
  if (rule.weights) facts |= kWeights;
  if (!rule.model.empty()) facts |= kModel;
  if (!rule.provider.empty()) facts |= kProvider;
  if (rule.hosting) facts |= kHosting;
  if (!rule.jurisdiction.empty()) facts |= kJurisdiction;
  if (rule.retains_prompts) facts |= kRetains;
  if (rule.trains_on_prompts) facts |= kTrains;
  return facts;
}

std::string describe_fact_set(unsigned facts, const config::EndpointRef& candidate) {
  const config::Model& model = *candidate.model;
  const config::Provider& provider = *candidate.provider;
  std::string out;
  auto add = [&](std::string_view name, std::string_view value) {
    if (!out.empty()) out += ", ";
    out += name;
    if (!value.empty()) {
      out += ' ';
      out += value;
    }
  };
  auto or_unknown = [](const std::string& value) -> std::string_view {
    return value.empty() ? std::string_view("unknown") : std::string_view(value);
  };
  if (facts & kModel) add("model", model.id);
  if (facts & kOrigin) add("origin", or_unknown(model.origin));
  if (facts & kFamily) add("family", or_unknown(model.family));
  if (facts & kAuthor) add("author", or_unknown(model.author));
  if (facts & kLicense) add("license", or_unknown(model.license));
  if (facts & kWeights) add("weights", config::to_string(model.weights));
  if (facts & kProvider) add("provider", provider.name);
  if (facts & kHosting) add("hosting", config::to_string(provider.location));
  if (facts & kJurisdiction) add("jurisdiction", or_unknown(provider.jurisdiction));
  if (facts & kRetains) {
    add(provider.data_policy.retains_prompts ? "retains prompts" : "does not retain prompts", {});
  }
  if (facts & kTrains) {
    add(provider.data_policy.trains_on_prompts ? "trains on prompts" : "does not train on prompts",
        {});
  }
  return out;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool rule_matches(const config::Rule& rule, const config::EndpointRef& candidate) {
  const config::Model& model = *candidate.model;
  const config::Provider& provider = *candidate.provider;
  if (!rule.origin.empty() && !any_equal(rule.origin, model.origin)) return false;
  if (!rule.family.empty() && !any_equal(rule.family, model.family)) return false;
  if (!rule.author.empty() && !any_equal(rule.author, model.author)) return false;
  if (!rule.license.empty() && !any_equal(rule.license, model.license)) return false;
  if (rule.weights && *rule.weights != model.weights) return false;
  // A name served through a wildcard entry is matched by the wildcard's id.
  if (!rule.model.empty() && !any_equal(rule.model, model.id) &&
      (model.wildcard.empty() || !any_equal(rule.model, model.wildcard))) {
    return false;
  }
  if (!rule.provider.empty() && !any_equal(rule.provider, provider.name)) return false;
  if (rule.hosting && *rule.hosting != provider.location) return false;
  // A provider that states no jurisdiction has an unknown one: only a rule
  // naming `unknown` matches it, as for the catalog's unknown facts.
  std::string_view jurisdiction =
      provider.jurisdiction.empty() ? std::string_view("unknown") : provider.jurisdiction;
  if (!rule.jurisdiction.empty() && !any_equal(rule.jurisdiction, jurisdiction)) return false;
  if (rule.retains_prompts && *rule.retains_prompts != provider.data_policy.retains_prompts) {
    return false;
  }
  if (rule.trains_on_prompts && *rule.trains_on_prompts != provider.data_policy.trains_on_prompts) {
    return false;
  }
  return true;
}

std::string describe_facts(const config::Rule& rule, const config::EndpointRef& candidate) {
  return describe_fact_set(facts_of(rule), candidate);
}

std::optional<std::string> rules_removal_reason(std::span<const config::Rule> allow,
                                                std::span<const config::Rule> deny,
                                                const config::EndpointRef& candidate) {
  for (const config::Rule& rule : deny) {
    if (rule_matches(rule, candidate)) {
      std::string facts = describe_facts(rule, candidate);
      return facts.empty() ? std::string("matches a deny rule") : facts;
    }
  }
  if (allow.empty()) return std::nullopt;
  unsigned tested = 0;
  for (const config::Rule& rule : allow) {
    if (rule_matches(rule, candidate)) return std::nullopt;
    tested |= facts_of(rule);
  }
  std::string facts = describe_fact_set(tested, candidate);
  return facts.empty() ? std::string("matches no allow rule") : facts + "; matches no allow rule";
}

std::optional<std::string> price_ceiling_reason(const config::Price& price,
                                                std::optional<Picousd> max_prompt,
                                                std::optional<Picousd> max_completion) {
  auto exceeds = [](std::string_view what, Picousd value, Picousd ceiling) {
    std::string out(what);
    out += " price ";
    out += format_price_per_million(value);
    out += " > max ";
    out += format_price_per_million(ceiling);
    out += " (USD per million tokens)";
    return out;
  };
  if (max_prompt && price.prompt > *max_prompt) return exceeds("prompt", price.prompt, *max_prompt);
  if (max_completion && price.completion > *max_completion) {
    return exceeds("completion", price.completion, *max_completion);
  }
  return std::nullopt;
}

std::optional<std::string> policy_removal_reason(const config::Policy& policy,
                                                 const config::EndpointRef& candidate) {
  if (auto reason = rules_removal_reason(policy.allow, policy.deny, candidate)) return reason;
  return price_ceiling_reason(candidate.endpoint->price, policy.max_prompt_price,
                              policy.max_completion_price);
}

}  // namespace switchyard::policies
