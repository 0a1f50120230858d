// The compiled form of a JSON Schema (see validator.h): the node structs the
// compiler (schema_compiler.cpp) builds and the validator (validator.cpp)
// walks. Internal to core/schema; nothing outside it includes this header.
//
// Contract: a Schema::Impl owns the schema document (doc) and its nodes. A
// Node's child schemas are indexes into Impl::nodes, and its values (enum,
// const, numbers, property names, messages) point into doc's zone, so a Node
// is valid exactly as long as its Impl. nodes is a deque so that references
// to nodes stay valid while the compiler appends. After compile the Impl is
// immutable and shared read-only between threads.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "schema/regex.h"
#include "schema/validator.h"

namespace relais {
namespace schema_internal {

enum TypeBit : uint8_t {
  kTNull = 1, kTBool = 2, kTObject = 4, kTArray = 8, kTNumber = 16, kTString = 32, kTInteger = 64
};
enum class Fmt : uint8_t { kNone, kDate, kDateTime, kTime };

struct Dependency {
  std::string_view name;
  std::vector<std::string_view> props;
  int schema = -1;
};

// One compiled subschema. Child schemas are indexes into Impl::nodes; values
// (enum, const, numbers, names) point into the schema document's zone.
struct Node {
  enum class Kind : uint8_t { kTrue, kFalse, kSchema };
  Kind kind = Kind::kSchema;
  bool is_ref = false;
  int ref = -1;
  uint8_t types = 0;
  const msgpack::object* enum_values = nullptr;
  const msgpack::object* const_value = nullptr;
  std::vector<std::pair<std::string_view, int>> props;  // sorted by name
  std::vector<std::pair<std::shared_ptr<const Regex>, int>> pattern_props;
  int additional_props = -1;
  std::vector<std::string_view> required;
  int items = -1;
  bool has_tuple = false;
  std::vector<int> tuple;
  int additional_items = -1;
  int contains = -1;
  int64_t min_items = -1, max_items = -1, min_len = -1, max_len = -1, min_props = -1,
          max_props = -1;
  bool unique = false;
  std::shared_ptr<const Regex> pattern;
  const msgpack::object* minimum = nullptr;
  const msgpack::object* maximum = nullptr;
  const msgpack::object* ex_min = nullptr;
  const msgpack::object* ex_max = nullptr;
  const msgpack::object* multiple_of = nullptr;
  Fmt format = Fmt::kNone;
  std::vector<int> all_of, any_of, one_of;
  int not_ = -1, if_ = -1, then_ = -1, else_ = -1;
  std::vector<Dependency> deps;
  int property_names = -1;
  std::vector<std::pair<std::string_view, std::string_view>> messages;  // errorMessage
};

}  // namespace schema_internal

using schema_internal::Dependency;
using schema_internal::Fmt;
using schema_internal::Node;

struct Schema::Impl {
  msgpack::object_handle doc;
  std::deque<Node> nodes;  // deque: references stay valid while compiling
  int root = 0;
};

}  // namespace relais
