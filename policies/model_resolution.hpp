#pragma once
// Which catalog model a request's `model` names: an id or alias exactly, else
// an unambiguous bare id ("gpt-4o-mini" -> "openai/gpt-4o-mini"), else a
// wildcard entry ("ollama/llama3.1:8b" -> "ollama/*"). When none does, the message names the
// nearest catalog names ("did you mean"), and an ambiguous bare id lists the models it could mean.
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::policies {

struct ModelResolution {
  // The catalog entry; for a wildcard match, the wildcard entry itself.
  const config::Model* model = nullptr;
  // A wildcard match: the id requested ("ollama/llama3.1:8b"), which the
  // request is served and recorded as (see wildcard_model.hpp).
  std::string wildcard_id;
  std::string message;  // why nothing resolved, for the 404
};

// `id` is the requested name with any routing suffix stripped; `requested` is
// what the client sent, quoted in the message.
ModelResolution resolve_model(const config::Snapshot& snapshot, std::string_view id,
                              std::string_view requested);

// Catalog ids and aliases nearest to `name` by edit distance (a prefix of one
// another counts as near), best first, at most `limit`; none when nothing is
// close enough to be a plausible typo.
std::vector<std::string> nearest_model_names(const config::Snapshot& snapshot,
                                             std::string_view name, std::size_t limit);

}  // namespace switchyard::policies
