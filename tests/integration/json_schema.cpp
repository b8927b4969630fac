#include "tests/integration/json_schema.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

namespace itest {

namespace json = boost::json;

namespace {

// $ref chains deeper than this are a cycle in the schema, not a deep document.
constexpr int kMaxDepth = 64;

bool is_assertion_keyword(std::string_view key) {
  return key == "type" || key == "enum" || key == "const" || key == "properties" ||
         key == "required" || key == "additionalProperties" || key == "items" || key == "anyOf" ||
         key == "oneOf" || key == "allOf" || key == "$ref" || key == "nullable";
}

bool is_annotation_keyword(std::string_view key) {
  return key == "format" || key == "description" || key == "title" || key == "default" ||
         key == "examples" || key == "deprecated" || key == "$comment" || key == "readOnly" ||
         key == "writeOnly";
}

std::string kind_name(const json::value& instance) {
  switch (instance.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "unknown";
}

// RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string where(const std::string& pointer) {
  return pointer.empty() ? std::string("(root)") : pointer;
}

bool numbers_equal(const json::value& a, const json::value& b) {
  if (!a.is_number() || !b.is_number()) return false;
  boost::system::error_code ec_a, ec_b;
  double x = a.to_number<double>(ec_a);
  double y = b.to_number<double>(ec_b);
  return !ec_a && !ec_b && x == y;
}

bool json_equal(const json::value& a, const json::value& b) {
  return a == b || numbers_equal(a, b);
}

}  // namespace

bool has_json_type(const json::value& instance, std::string_view name) {
  if (name == "null") return instance.is_null();
  if (name == "boolean") return instance.is_bool();
  if (name == "string") return instance.is_string();
  if (name == "array") return instance.is_array();
  if (name == "object") return instance.is_object();
  if (name == "number") return instance.is_number();
  if (name == "integer") {
    if (instance.is_int64() || instance.is_uint64()) return true;
    return instance.is_double() && std::isfinite(instance.get_double()) &&
           std::trunc(instance.get_double()) == instance.get_double();
  }
  return false;
}

SchemaSet::SchemaSet(json::value document) : document_(std::move(document)) {
  const json::object* root = document_.if_object();
  const json::value* defs = root ? root->if_contains("$defs") : nullptr;
  if (defs == nullptr || !defs->is_object()) {
    throw std::runtime_error("schema document has no $defs object");
  }
  for (const auto& def : defs->get_object()) {
    check_supported(def.value(), "#/$defs/" + pointer_token(def.key()));
  }
}

SchemaSet SchemaSet::from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read schema file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return SchemaSet(json::parse(text.str()));
}

bool SchemaSet::has(std::string_view def_name) const {
  return document_.at("$defs").as_object().contains(def_name);
}

void SchemaSet::check_supported(const json::value& schema, const std::string& at) const {
  if (schema.is_bool()) return;  // true / false schemas
  const json::object* object = schema.if_object();
  if (object == nullptr) throw std::runtime_error(at + ": a schema must be an object or a bool");
  for (const auto& member : *object) {
    std::string_view key = member.key();
    std::string inner = at + "/" + pointer_token(key);
    if (!is_assertion_keyword(key) && !is_annotation_keyword(key)) {
      throw std::runtime_error(at + ": unsupported keyword \"" + std::string(key) + "\"");
    }
    const json::value& value = member.value();
    if (key == "properties") {
      for (const auto& property : value.as_object()) {
        check_supported(property.value(), inner + "/" + pointer_token(property.key()));
      }
    } else if (key == "items" || (key == "additionalProperties" && !value.is_bool())) {
      check_supported(value, inner);
    } else if (key == "anyOf" || key == "oneOf" || key == "allOf") {
      const json::array& branches = value.as_array();
      for (std::size_t i = 0; i < branches.size(); ++i) {
        check_supported(branches[i], inner + "/" + std::to_string(i));
      }
    } else if (key == "$ref") {
      if (!value.is_string() || resolve(value.get_string()) == nullptr) {
        throw std::runtime_error(inner + ": dangling or unsupported $ref");
      }
    }
  }
}

const json::value* SchemaSet::resolve(std::string_view ref) const {
  constexpr std::string_view kPrefix = "#/$defs/";
  if (!ref.starts_with(kPrefix)) return nullptr;
  return document_.at("$defs").as_object().if_contains(ref.substr(kPrefix.size()));
}

std::vector<std::string> SchemaSet::validate(std::string_view def_name,
                                             const json::value& instance) const {
  std::vector<std::string> errors;
  const json::value* schema = document_.at("$defs").as_object().if_contains(def_name);
  if (schema == nullptr) {
    errors.push_back("no schema named " + std::string(def_name));
    return errors;
  }
  validate_at(*schema, instance, "", 0, errors);
  return errors;
}

void SchemaSet::validate_at(const json::value& schema, const json::value& instance,
                            const std::string& pointer, int depth,
                            std::vector<std::string>& errors) const {
  if (schema.is_bool()) {
    if (!schema.get_bool()) errors.push_back(where(pointer) + ": no value is allowed here");
    return;
  }
  if (depth > kMaxDepth) {
    errors.push_back(where(pointer) + ": schema recursion too deep");
    return;
  }
  const json::object& rules = schema.get_object();
  if (const json::value* ref = rules.if_contains("$ref")) {
    validate_at(*resolve(ref->get_string()), instance, pointer, depth + 1, errors);
  }
  bool nullable = rules.contains("nullable") && rules.at("nullable").as_bool();
  if (nullable && instance.is_null()) return;
  if (const json::value* type = rules.if_contains("type")) {
    bool matched = false;
    std::string expected;
    auto consider = [&](std::string_view name) {
      matched = matched || has_json_type(instance, name);
      expected += (expected.empty() ? "" : " or ") + std::string(name);
    };
    if (type->is_string()) {
      consider(type->get_string());
    } else {
      for (const json::value& name : type->as_array()) consider(name.as_string());
    }
    if (!matched) {
      errors.push_back(where(pointer) + ": expected " + expected + ", got " + kind_name(instance));
      return;  // the other keywords would only repeat the mismatch
    }
  }
  if (const json::value* allowed = rules.if_contains("enum")) {
    bool found = false;
    for (const json::value& candidate : allowed->as_array()) {
      found = found || json_equal(candidate, instance);
    }
    if (!found) {
      errors.push_back(where(pointer) + ": " + json::serialize(instance) + " is not one of " +
                       json::serialize(*allowed));
    }
  }
  if (const json::value* constant = rules.if_contains("const")) {
    if (!json_equal(*constant, instance)) {
      errors.push_back(where(pointer) + ": must be " + json::serialize(*constant));
    }
  }
  if (const json::object* fields = instance.if_object()) {
    validate_object(rules, *fields, pointer, depth, errors);
  }
  if (const json::array* elements = instance.if_array()) {
    if (const json::value* items = rules.if_contains("items")) {
      for (std::size_t i = 0; i < elements->size(); ++i) {
        validate_at(*items, (*elements)[i], pointer + "/" + std::to_string(i), depth + 1, errors);
      }
    }
  }
  validate_alternatives(rules, instance, pointer, depth, errors);
}

void SchemaSet::validate_object(const json::object& rules, const json::object& instance,
                                const std::string& pointer, int depth,
                                std::vector<std::string>& errors) const {
  if (const json::value* required = rules.if_contains("required")) {
    for (const json::value& name : required->as_array()) {
      if (!instance.contains(name.as_string())) {
        errors.push_back(where(pointer) + ": missing required member \"" +
                         std::string(name.as_string()) + "\"");
      }
    }
  }
  const json::object* properties = nullptr;
  if (const json::value* p = rules.if_contains("properties")) properties = &p->as_object();
  const json::value* additional = rules.if_contains("additionalProperties");
  for (const auto& member : instance) {
    std::string inner = pointer + "/" + pointer_token(member.key());
    const json::value* property = properties ? properties->if_contains(member.key()) : nullptr;
    if (property != nullptr) {
      validate_at(*property, member.value(), inner, depth + 1, errors);
    } else if (additional != nullptr) {
      if (additional->is_bool() && !additional->get_bool()) {
        errors.push_back(inner + ": member not allowed here");
      } else if (!additional->is_bool()) {
        validate_at(*additional, member.value(), inner, depth + 1, errors);
      }
    }
  }
}

void SchemaSet::validate_alternatives(const json::object& rules, const json::value& instance,
                                      const std::string& pointer, int depth,
                                      std::vector<std::string>& errors) const {
  if (const json::value* all = rules.if_contains("allOf")) {
    for (const json::value& branch : all->as_array()) {
      validate_at(branch, instance, pointer, depth + 1, errors);
    }
  }
  for (std::string_view keyword : {"anyOf", "oneOf"}) {
    const json::value* branches = rules.if_contains(keyword);
    if (branches == nullptr) continue;
    std::size_t matches = 0;
    std::string reasons;
    for (const json::value& branch : branches->as_array()) {
      std::vector<std::string> branch_errors;
      validate_at(branch, instance, pointer, depth + 1, branch_errors);
      if (branch_errors.empty()) {
        ++matches;
      } else {
        reasons += (reasons.empty() ? "" : "; ") + branch_errors.front();
      }
    }
    if (matches == 0) {
      errors.push_back(where(pointer) + ": matches none of " + std::string(keyword) + " (" +
                       reasons + ")");
    } else if (keyword == "oneOf" && matches > 1) {
      errors.push_back(where(pointer) + ": matches " + std::to_string(matches) +
                       " branches of oneOf, exactly one allowed");
    }
  }
}

}  // namespace itest
