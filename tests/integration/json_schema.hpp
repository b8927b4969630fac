#pragma once
// A JSON Schema validator for the subset that OpenAI's published response
// schemas use (tests/conformance/openai_schemas.json): type (a name or a list
// of names), enum, const, properties, required, additionalProperties (a bool
// or a schema), items, anyOf, oneOf, allOf, $ref into "#/$defs/...", OpenAPI's
// nullable, and format and doc keywords as annotations only (JSON Schema
// 2020-12 does not assert format by default). A keyword outside that subset
// makes the schema set refuse to load, so a newer schema file cannot be
// checked with half its rules silently ignored.
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace itest {

class SchemaSet {
 public:
  // `document` is {"$defs":{name:schema,...}}. Throws std::runtime_error naming
  // the first unsupported keyword or dangling $ref.
  explicit SchemaSet(boost::json::value document);
  // Reads and parses a schema file (throws when it cannot).
  static SchemaSet from_file(const std::string& path);

  bool has(std::string_view def_name) const;
  // Every way `instance` breaks $defs/<def_name>, as "<json pointer>: <what>";
  // empty when it conforms.
  std::vector<std::string> validate(std::string_view def_name,
                                    const boost::json::value& instance) const;

 private:
  void check_supported(const boost::json::value& schema, const std::string& where) const;
  void validate_at(const boost::json::value& schema, const boost::json::value& instance,
                   const std::string& pointer, int depth, std::vector<std::string>& errors) const;
  void validate_object(const boost::json::object& schema, const boost::json::object& instance,
                       const std::string& pointer, int depth,
                       std::vector<std::string>& errors) const;
  void validate_alternatives(const boost::json::object& schema, const boost::json::value& instance,
                             const std::string& pointer, int depth,
                             std::vector<std::string>& errors) const;
  const boost::json::value* resolve(std::string_view ref) const;

  boost::json::value document_;
};

// True when `instance` has the JSON type `name` ("integer" includes numbers
// with an integral value, as JSON Schema says).
bool has_json_type(const boost::json::value& instance, std::string_view name);

}  // namespace itest
