#pragma once
// Which catalog model a request's `model` names: an id or alias exactly, else
// an unambiguous bare id ("gpt-4o-mini" -> "openai/gpt-4o-mini"). When none
// does, the message names the nearest catalog names ("did you mean"), and an
// ambiguous bare id lists the models it could mean.
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::policies {

struct ModelResolution {
  const config::Model* model = nullptr;
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
