#include "tests/integration/conformance_support.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "tests/integration/http_client.hpp"

namespace itest {

namespace json = boost::json;

const SchemaSet& openai_schemas() {
  static const SchemaSet schemas = SchemaSet::from_file(std::string(SWITCHYARD_SOURCE_DIR) +
                                                        "/tests/conformance/openai_schemas.json");
  return schemas;
}

std::vector<std::string> exponent_numbers(std::string_view text) {
  std::vector<std::string> found;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    std::size_t end = text.find_first_not_of("0123456789+-.eE", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(i, end - i);
    if (token.find_first_of("eE") != std::string_view::npos) found.emplace_back(token);
    i = end - 1;
  }
  return found;
}

bool check_conforms(std::string_view def_name, std::string_view json_text) {
  INFO("schema " << def_name << ", text: " << json_text);
  boost::system::error_code ec;
  json::value parsed = json::parse(json_text, ec);
  CHECK_FALSE(ec);
  if (ec) return false;
  std::vector<std::string> problems = openai_schemas().validate(def_name, parsed);
  std::string listed;
  for (const auto& problem : problems) listed += "\n  " + problem;
  CHECK_MESSAGE(problems.empty(), "schema violations:" << listed);
  std::vector<std::string> exponents = exponent_numbers(json_text);
  std::string numbers;
  for (const auto& number : exponents) numbers += " " + number;
  CHECK_MESSAGE(exponents.empty(), "numbers in exponent form:" << numbers);
  return problems.empty() && exponents.empty();
}

std::size_t check_stream_conforms(const std::vector<SseEvent>& events) {
  std::size_t checked = 0;
  for (const SseEvent& event : events) {
    if (event.data == "[DONE]") continue;
    bool is_error = event.data.starts_with("{\"error\"");
    check_conforms(is_error ? "ErrorResponse" : "CreateChatCompletionStreamResponse", event.data);
    ++checked;
  }
  return checked;
}

}  // namespace itest
