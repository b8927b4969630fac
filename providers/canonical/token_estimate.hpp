#pragma once
// Cheap token estimates, used before routing (price estimates, the context
// filter) and when an upstream reports no usage. A rule of thumb, not a
// tokenizer: about four bytes of text per token. Counting UTF-8 bytes rather
// than characters overestimates non-Latin scripts a little, which errs on the
// side of a higher cost estimate.
#include <cstdint>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace switchyard {

inline constexpr std::int64_t kTokensPerMessageOverhead = 4;
inline constexpr std::int64_t kTokensPerImage = 85;

// ceil(bytes / 4).
std::int64_t estimate_text_tokens(std::string_view text);

// Over chat_body["messages"]: ceil(text bytes / 4) + 4 per message + 85 per
// image part. Text is a string content, the text of "text" parts, and the
// arguments of tool calls (they are sent to the model too). A body without
// messages estimates 0.
std::int64_t estimate_prompt_tokens(const boost::json::object& chat_body);

}  // namespace switchyard
