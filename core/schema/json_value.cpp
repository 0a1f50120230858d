#include "schema/json_value.h"

#include <cmath>
#include <cstring>

#include "util/json_msgpack.h"

namespace relais {

JsonKind json_kind(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: return JsonKind::kNull;
    case msgpack::type::BOOLEAN: return JsonKind::kBool;
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return JsonKind::kNumber;
    case msgpack::type::STR: return JsonKind::kString;
    case msgpack::type::ARRAY: return JsonKind::kArray;
    case msgpack::type::MAP: return JsonKind::kObject;
    default: return JsonKind::kOther;
  }
}

bool json_is_number(const msgpack::object& o) { return json_kind(o) == JsonKind::kNumber; }

bool json_is_integer(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: return true;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return std::isfinite(o.via.f64) && std::floor(o.via.f64) == o.via.f64;
    default: return false;
  }
}

long double json_number(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::POSITIVE_INTEGER: return static_cast<long double>(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER: return static_cast<long double>(o.via.i64);
    default: return static_cast<long double>(o.via.f64);
  }
}

int json_compare_numbers(const msgpack::object& a, const msgpack::object& b) {
  const long double x = json_number(a), y = json_number(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool json_is_multiple_of(const msgpack::object& value, const msgpack::object& divisor) {
  const bool vi = value.type == msgpack::type::POSITIVE_INTEGER ||
                  value.type == msgpack::type::NEGATIVE_INTEGER;
  const bool di = divisor.type == msgpack::type::POSITIVE_INTEGER;
  if (vi && di) {
    const uint64_t d = divisor.via.u64;
    if (d == 0) return false;
    if (value.type == msgpack::type::POSITIVE_INTEGER) return value.via.u64 % d == 0;
    // |i64| as unsigned, without overflow for INT64_MIN.
    const uint64_t mag = static_cast<uint64_t>(-(value.via.i64 + 1)) + 1;
    return mag % d == 0;
  }
  const long double v = json_number(value), d = json_number(divisor);
  if (d == 0) return false;
  const long double q = v / d;
  if (!std::isfinite(q)) return false;
  const long double r = std::nearbyint(q);
  return std::fabs(q - r) <= 1e-9L * std::max(1.0L, std::fabs(q));
}

bool json_equal(const msgpack::object& a, const msgpack::object& b) {
  const JsonKind ka = json_kind(a), kb = json_kind(b);
  if (ka != kb) return false;
  switch (ka) {
    case JsonKind::kNull: return true;
    case JsonKind::kBool: return a.via.boolean == b.via.boolean;
    case JsonKind::kNumber: return json_compare_numbers(a, b) == 0;
    case JsonKind::kString: return json_str(a) == json_str(b);
    case JsonKind::kArray:
      if (a.via.array.size != b.via.array.size) return false;
      for (uint32_t i = 0; i < a.via.array.size; ++i) {
        if (!json_equal(a.via.array.ptr[i], b.via.array.ptr[i])) return false;
      }
      return true;
    case JsonKind::kObject:
      if (a.via.map.size != b.via.map.size) return false;
      for (uint32_t i = 0; i < a.via.map.size; ++i) {
        bool found = false;
        for (uint32_t j = 0; j < b.via.map.size; ++j) {
          if (json_equal(a.via.map.ptr[i].key, b.via.map.ptr[j].key)) {
            if (!json_equal(a.via.map.ptr[i].val, b.via.map.ptr[j].val)) return false;
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    case JsonKind::kOther: {
      // bin/ext: equal bytes.
      if (a.type != b.type) return false;
      if (a.type == msgpack::type::BIN) {
        return a.via.bin.size == b.via.bin.size &&
               std::memcmp(a.via.bin.ptr, b.via.bin.ptr, a.via.bin.size) == 0;
      }
      return false;
    }
  }
  return false;
}

namespace {
uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}
uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) { h ^= static_cast<uint8_t>(p[i]); h *= 1099511628211ULL; }
  return h;
}
}  // namespace

uint64_t json_hash(const msgpack::object& o) {
  const JsonKind k = json_kind(o);
  uint64_t h = static_cast<uint64_t>(k) * 0x100000001b3ULL;
  switch (k) {
    case JsonKind::kNull: return h;
    case JsonKind::kBool: return mix(h, o.via.boolean ? 1 : 0);
    case JsonKind::kNumber: {
      if (o.type == msgpack::type::POSITIVE_INTEGER) return mix(h, o.via.u64);
      if (o.type == msgpack::type::NEGATIVE_INTEGER) return mix(h, static_cast<uint64_t>(o.via.i64));
      const double d = o.via.f64;
      if (json_is_integer(o)) {
        if (d >= 0 && d < 18446744073709551616.0) return mix(h, static_cast<uint64_t>(d));
        if (d < 0 && d >= -9223372036854775808.0) return mix(h, static_cast<uint64_t>(static_cast<int64_t>(d)));
      }
      uint64_t bits;
      const double z = d == 0 ? 0.0 : d;
      std::memcpy(&bits, &z, sizeof bits);
      return mix(h, bits);
    }
    case JsonKind::kString: return mix(h, hash_bytes(o.via.str.ptr, o.via.str.size));
    case JsonKind::kArray:
      for (uint32_t i = 0; i < o.via.array.size; ++i) h = mix(h, json_hash(o.via.array.ptr[i]));
      return h;
    case JsonKind::kObject: {
      uint64_t sum = 0;  // order-independent
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        sum += mix(json_hash(o.via.map.ptr[i].key), json_hash(o.via.map.ptr[i].val));
      }
      return mix(h, sum);
    }
    case JsonKind::kOther:
      if (o.type == msgpack::type::BIN) return mix(h, hash_bytes(o.via.bin.ptr, o.via.bin.size));
      return h;
  }
  return h;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string json_describe(const msgpack::object& o) {
  auto j = msgpack_object_to_json(o);
  if (!j.ok()) return "<binary>";
  std::string s = j->dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

}  // namespace relais
