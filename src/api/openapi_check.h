// Test helper: validates JSON against the schemas of docs/openapi.json with valijson (used by
// the api layer's tests and the end-to-end tests). Test-only; link valijson.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "api/config.h"

namespace renkei {

using nlohmann::json;

inline json OpenApi() {
  Result<json> doc = ReadJsonFile(std::string(RENKEI_DOCS_DIR) + "/openapi.json");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? *doc : json::object();
}

// Validates `value` against components.schemas.<name> of the OpenAPI document (JSON Schema
// 2020-12 keywords used there are also draft-7 keywords, which valijson implements). Returns
// the errors, empty when valid.
inline std::string Validate(const json& openapi, const std::string& name, const json& value) {
  json root = openapi;
  root["$ref"] = "#/components/schemas/" + name;
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(root);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(value);
  if (validator.validate(schema, target, &results)) return "";
  std::string errors;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    std::string where;
    for (const std::string& c : e.context) where += c;
    errors += where + ": " + e.description + "\n";
  }
  return errors;
}

}  // namespace renkei
