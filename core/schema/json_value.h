// JSON semantics over msgpack values (the wire form of Relais documents).
//
// msgpack distinguishes uint, int and float; JSON does not: 1 == 1.0, and
// "integer" accepts 1.0. These helpers implement JSON equality, number
// comparison and classification for the schema validator. All functions are
// pure, thread-safe and never allocate except json_describe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "util/utf8.h"

namespace relais {

enum class JsonKind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject, kOther };

// kOther: bin, ext, or anything without a JSON meaning.
JsonKind json_kind(const msgpack::object& o);

bool json_is_number(const msgpack::object& o);
// True for msgpack ints and for finite floats with an integral value.
bool json_is_integer(const msgpack::object& o);

// The exact value of a msgpack number (long double holds every int64,
// uint64 and double exactly on x86-64).
long double json_number(const msgpack::object& o);

// Three-way comparison of two numbers (-1, 0, 1). Both must be numbers.
int json_compare_numbers(const msgpack::object& a, const msgpack::object& b);

// True if value is a multiple of divisor (divisor > 0). Exact for integers,
// with a relative tolerance for floats; an infinite quotient is not a multiple.
bool json_is_multiple_of(const msgpack::object& value, const msgpack::object& divisor);

// JSON equality: numbers by value, objects regardless of key order.
bool json_equal(const msgpack::object& a, const msgpack::object& b);

// A hash consistent with json_equal (equal values hash equal).
uint64_t json_hash(const msgpack::object& o);

// Number of Unicode code points in valid UTF-8 text.
size_t utf8_length(std::string_view s);

inline std::string_view json_str(const msgpack::object& o) {
  return std::string_view(o.via.str.ptr, o.via.str.size);
}

// Short JSON text of a value for error messages (truncated to ~80 bytes).
std::string json_describe(const msgpack::object& o);

}  // namespace relais
