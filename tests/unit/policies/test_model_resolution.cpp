// Model resolution: ids, aliases, unambiguous bare ids, ambiguity and the
// nearest names offered when nothing matches.
#include <doctest/doctest.h>

#include "policies/model_resolution.hpp"

using namespace switchyard;
using namespace switchyard::policies;

namespace {

config::Model model(std::string id, std::vector<std::string> aliases = {}) {
  config::Model m;
  m.id = std::move(id);
  m.aliases = std::move(aliases);
  return m;
}

std::shared_ptr<const config::Snapshot> catalog() {
  config::Config cfg;
  cfg.models = {model("openai/gpt-4o-mini", {"gpt-4o-mini-2024-07-18"}), model("openai/gpt-4o"),
                model("meta-llama/llama-3.1-8b", {"llama3.1:8b", "llama3.1"}),
                model("deepseek/deepseek-r1", {"deepseek-reasoner"}),
                model("together/deepseek-r1")};
  return config::Snapshot::build(std::move(cfg));
}

std::string resolved_id(const config::Snapshot& snapshot, std::string_view name) {
  ModelResolution resolution = resolve_model(snapshot, name, name);
  return resolution.model ? resolution.model->id : "<none>";
}

}  // namespace

TEST_CASE("ids, aliases and unambiguous bare ids resolve to their catalog model") {
  auto snapshot = catalog();
  CHECK(resolved_id(*snapshot, "openai/gpt-4o-mini") == "openai/gpt-4o-mini");
  CHECK(resolved_id(*snapshot, "gpt-4o-mini") == "openai/gpt-4o-mini");
  CHECK(resolved_id(*snapshot, "gpt-4o-mini-2024-07-18") == "openai/gpt-4o-mini");
  CHECK(resolved_id(*snapshot, "llama3.1:8b") == "meta-llama/llama-3.1-8b");
  CHECK(resolved_id(*snapshot, "deepseek-reasoner") == "deepseek/deepseek-r1");
  // A bare id never resolves with a different prefix glued on.
  CHECK(resolved_id(*snapshot, "mistral/gpt-4o") == "<none>");
}

TEST_CASE("an ambiguous bare id names every candidate") {
  auto snapshot = catalog();
  ModelResolution resolution = resolve_model(*snapshot, "deepseek-r1", "deepseek-r1:nitro");
  CHECK(resolution.model == nullptr);
  CHECK(resolution.message ==
        "model 'deepseek-r1:nitro' is ambiguous; it could be deepseek/deepseek-r1, "
        "together/deepseek-r1: send one of these ids (see GET /v1/models)");
}

TEST_CASE("did you mean: the nearest ids and aliases, best first") {
  auto snapshot = catalog();
  CHECK(resolve_model(*snapshot, "gpt-4o-mni", "gpt-4o-mni").message ==
        "model 'gpt-4o-mni' does not exist; did you mean openai/gpt-4o-mini, openai/gpt-4o? "
        "(see GET /v1/models)");
  CHECK(nearest_model_names(*snapshot, "llama3.1:70b", 5) ==
        std::vector<std::string>{"llama3.1", "llama3.1:8b", "meta-llama/llama-3.1-8b"});
  CHECK(nearest_model_names(*snapshot, "claude-sonnet-4-20250514", 5).empty());
}
