#pragma once
// OpenAI's stream contract when the caller sets stream_options.include_usage:
// every chunk before the final usage chunk carries "usage": null.
#include <string>
#include <string_view>

namespace switchyard::providers {

// `chunk` (one chat.completion.chunk as JSON text) with a top-level
// "usage": null appended when it has no "usage" member; unchanged when it has
// one or is not a JSON object.
std::string with_null_usage(std::string_view chunk);

}  // namespace switchyard::providers
