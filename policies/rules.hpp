#pragma once
// Provenance rules: whether a candidate (model × endpoint × provider) matches a
// config::Rule, and what a key Policy or a request's provenance object says
// about it. Key policies and request preferences share this vocabulary, so a
// request can express exactly what an operator can, and only narrow it.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/snapshot.hpp"

namespace switchyard::policies {

// ASCII case-insensitive equality: country codes, provider and family names
// are compared the way people write them ("cn" == "CN").
bool equals_ignore_case(std::string_view a, std::string_view b);

// A rule matches when every fact it sets matches (conjunction); a list fact
// matches when the candidate's value is any of its entries. An empty rule
// matches everything.
bool rule_matches(const config::Rule& rule, const config::EndpointRef& candidate);

// The candidate's values for every fact `rule` tests, in a fixed order:
// "origin CN, hosting remote".
std::string describe_facts(const config::Rule& rule, const config::EndpointRef& candidate);

// What a rule set does with a candidate whose catalog entry leaves a fact
// the rules test unknown. deny (the default): it is removed, since nobody can
// say it passes; allow: the rules alone decide (a deny of origin CN lets an
// unknown origin through). A rule naming `unknown` decides for itself.
enum class UnknownProvenance { deny, allow };

// Allow/deny evaluation: a candidate matching any deny rule is removed; when
// `allow` is non-empty a candidate matching none of it is removed; before
// both, unknown provenance as above. Returns the reason ("origin CN, hosting
// remote" / "weights closed; matches no allow rule" / "origin unknown;
// unknown provenance is denied (default_unknown: deny)"), nullopt when the
// candidate passes. Builds a string only on removal.
std::optional<std::string> rules_removal_reason(
    std::span<const config::Rule> allow, std::span<const config::Rule> deny,
    const config::EndpointRef& candidate, UnknownProvenance unknown = UnknownProvenance::deny);

// A key policy: the allow/deny rules (unknown provenance as the policy's
// default_unknown says), then the price ceilings.
std::optional<std::string> policy_removal_reason(const config::Policy& policy,
                                                 const config::EndpointRef& candidate);

// Price ceilings shared by key policies and the request's max_price:
// "prompt price 2.5 > max 1 (USD per million tokens)".
std::optional<std::string> price_ceiling_reason(const config::Price& price,
                                                std::optional<Picousd> max_prompt,
                                                std::optional<Picousd> max_completion);

}  // namespace switchyard::policies
