#include "policies/model_resolution.hpp"

#include <algorithm>
#include <cctype>

namespace switchyard::policies {
namespace {

constexpr std::size_t kSuggestions = 5;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view bare(std::string_view name) {
  auto slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// Lower is nearer. A name the request is a prefix of (or that is a prefix of
// the request) scores as one edit: "gpt-4o" for "gpt-4o-mini" is a near miss
// though many characters apart. Compared on the whole name and on its part
// after the last '/', so "gpt-4o-mni" is near "openai/gpt-4o-mini".
std::size_t distance_to(std::string_view requested, std::string_view candidate) {
  std::size_t best = std::string_view::npos;
  for (std::string_view a : {requested, bare(requested)}) {
    for (std::string_view b : {candidate, bare(candidate)}) {
      if (a.size() >= 3 && b.size() >= 3 && (a.starts_with(b) || b.starts_with(a))) {
        best = std::min<std::size_t>(best, a == b ? 0 : 1);
      }
      best = std::min(best, edit_distance(a, b));
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string unknown_message(const config::Snapshot& snapshot, std::string_view requested) {
  std::string message = "model '" + std::string(requested) + "' does not exist";
  if (snapshot.config().models.empty()) return message + "; no models are configured";
  std::vector<std::string> near = nearest_model_names(snapshot, requested, kSuggestions);
  if (!near.empty()) message += "; did you mean " + join(near) + "?";
  return message + " (see GET /v1/models)";
}

}  // namespace

std::vector<std::string> nearest_model_names(const config::Snapshot& snapshot,
                                             std::string_view name, std::size_t limit) {
  const std::string wanted = lower(name);
  // A plausible typo: a third of the name's length, at least two edits.
  const std::size_t threshold = std::max<std::size_t>(2, bare(wanted).size() / 3);
  struct Scored {
    std::size_t distance;
    std::size_t order;
    const std::string* name;
  };
  std::vector<Scored> scored;
  auto consider = [&](const std::string& candidate) {
    std::size_t distance = distance_to(wanted, lower(candidate));
    if (distance <= threshold) scored.push_back({distance, scored.size(), &candidate});
  };
  for (const config::Model& model : snapshot.config().models) {
    consider(model.id);
    for (const std::string& alias : model.aliases) consider(alias);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.distance < b.distance; });
  std::vector<std::string> out;
  for (const Scored& entry : scored) {
    if (out.size() == limit) break;
    out.push_back(*entry.name);
  }
  return out;
}

ModelResolution resolve_model(const config::Snapshot& snapshot, std::string_view id,
                              std::string_view requested) {
  if (const config::Model* model = snapshot.find_model(id)) {
    if (!model->is_wildcard()) return {model, {}, {}};
    std::string prefix = model->id.substr(0, model->id.size() - 1);
    return {nullptr,
            {},
            "model '" + std::string(requested) + "' is a wildcard entry: send " + prefix +
                "NAME, NAME being the provider's own model name"};
  }
  std::vector<const config::Model*> bare_matches;
  if (id.find('/') == std::string_view::npos) bare_matches = snapshot.models_with_bare_name(id);
  if (bare_matches.size() == 1) return {bare_matches.front(), {}, {}};
  if (bare_matches.empty()) {
    // Exact ids, aliases and bare ids all win over a wildcard.
    if (const config::Model* wildcard = snapshot.find_wildcard(id)) {
      return {wildcard, std::string(id), {}};
    }
    return {nullptr, {}, unknown_message(snapshot, requested)};
  }
  std::vector<std::string> ids;
  for (const config::Model* model : bare_matches) ids.push_back(model->id);
  return {nullptr,
          {},
          "model '" + std::string(requested) + "' is ambiguous; it could be " + join(ids) +
              ": send one of these ids (see GET /v1/models)"};
}

}  // namespace switchyard::policies
