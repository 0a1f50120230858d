// A JSON Schema draft-07 validator running on msgpack values.
//
// Schema::compile turns a schema document (itself msgpack, usually produced
// by json_to_msgpack) into an immutable tree: $ref targets are resolved,
// patterns compiled (PCRE2) and keyword values checked once, at load.
//
// Supported keywords: type, enum, const, properties, required,
// additionalProperties, patternProperties, items (single and tuple),
// additionalItems, contains, minItems, maxItems, uniqueItems, minLength,
// maxLength (Unicode code points), pattern, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, multipleOf, format (date, date-time,
// time), $ref (local JSON pointers, "#", plain-name and $id-based URIs inside
// the document), definitions, allOf, anyOf, oneOf, not, if/then/else,
// dependencies, propertyNames, minProperties, maxProperties, boolean schemas.
// Annotations accepted: $schema (draft-07 only), $id, $comment, title,
// description, default, examples, readOnly, writeOnly, and the Relais
// extension "errorMessage": {"<keyword>": "<message>"} which replaces the
// generic message of that keyword's failure in the same subschema (for
// "required", the error then points at the missing property itself).
//
// Modes: kStrict (Relais schemas) refuses any other keyword, any other format,
// keywords beside $ref, and remote references: Status::Unsupported naming the
// keyword and its schema location. kLenient (conformance suite) ignores
// unknown keywords and treats unknown formats as annotations.
// A $ref that cannot be resolved inside the document is Status::NotFound.
//
// validate() reports ALL errors as {json_pointer, message}; an empty vector
// means valid. A Schema is immutable after compile: validate() is const and
// may run concurrently on many threads. Copies share the compiled tree.
// Validation depth is bounded, so a $ref loop yields an error, never a stack
// overflow.
//
// Files: schema_compiler.cpp (compile, compile_json) builds the node structs
// of schema_nodes.h; validator.cpp (validate, is_valid) walks them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct ValidationError {
  std::string pointer;  // JSON pointer of the offending value ("" = document)
  std::string message;
  // The keyword that failed ("required", "pattern", "anyOf", "type", ...),
  // so a program can put the error in its own words (the desk does);
  // "document" for a value no document may hold (invalid UTF-8, binary).
  std::string keyword;
  // For "required": the missing property's name (the pointer is then its
  // object's, unless an errorMessage moved it to the property itself).
  std::string property;
  // "<pointer>: <message>", with "(root)" for the empty pointer.
  std::string to_string() const;
};

enum class SchemaMode { kStrict, kLenient };

class Schema {
 public:
  // Takes ownership of the decoded schema document.
  static Result<Schema> compile(msgpack::object_handle doc, SchemaMode mode);
  // Convenience: JSON text -> json_to_msgpack -> compile.
  static Result<Schema> compile_json(std::string_view json_text, SchemaMode mode);

  std::vector<ValidationError> validate(const msgpack::object& instance) const;
  // Same answer as validate().empty(), without building messages.
  bool is_valid(const msgpack::object& instance) const;

  struct Impl;

 private:
  explicit Schema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace relais
