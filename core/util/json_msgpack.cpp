#include "util/json_msgpack.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace relais {
namespace {

// ---------------------------------------------------------------------------
// JSON -> tree (SAX), then tree -> msgpack. The tree keeps key order, so the
// conversion is lossless; an object stores key, value, key, value ... in kids.
struct JNode {
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kFloat, kStr, kArr, kObj };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string s;
  std::vector<JNode> kids;
};

std::string escape_pointer_token(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

class TreeBuilder {
 public:
  using json = nlohmann::json;

  explicit TreeBuilder(JNode* root) : root_(root) {}

  bool null() { return add(JNode{}); }
  bool boolean(bool v) { JNode n; n.kind = JNode::Kind::kBool; n.b = v; return add(std::move(n)); }
  bool number_integer(json::number_integer_t v) {
    JNode n; n.kind = JNode::Kind::kInt; n.i = v; return add(std::move(n));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    JNode n; n.kind = JNode::Kind::kUint; n.u = v; return add(std::move(n));
  }
  bool number_float(json::number_float_t v, const json::string_t& text) {
    if (text.find_first_of(".eE") == std::string::npos) {
      error_ = "json: integer " + text + " out of range (int64/uint64) at " + where();
      return false;
    }
    if (!std::isfinite(v)) {
      error_ = "json: number " + text + " out of range at " + where();
      return false;
    }
    JNode n; n.kind = JNode::Kind::kFloat; n.d = v; return add(std::move(n));
  }
  bool string(json::string_t& v) {
    JNode n; n.kind = JNode::Kind::kStr; n.s = std::move(v); return add(std::move(n));
  }
  bool binary(json::binary_t&) { error_ = "json: binary values are not JSON"; return false; }
  bool start_object(std::size_t) { return open(JNode::Kind::kObj); }
  bool key(json::string_t& k) {
    if (!keys_.back().insert(k).second) {
      error_ = "json: duplicate key \"" + k + "\" at " + where();
      return false;
    }
    JNode n; n.kind = JNode::Kind::kStr; n.s = std::move(k);
    stack_.back()->kids.push_back(std::move(n));
    return true;
  }
  bool end_object() { keys_.pop_back(); stack_.pop_back(); return true; }
  bool start_array(std::size_t) { return open(JNode::Kind::kArr); }
  bool end_array() { stack_.pop_back(); return true; }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    if (error_.empty()) {
      std::string what = ex.what();
      // nlohmann's text: "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
      auto p = what.find("] ");
      if (p != std::string::npos) what = what.substr(p + 2);
      error_ = "json: " + what + " (byte " + std::to_string(position) + ")";
    }
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  // JSON pointer of the value about to be added (or the key just read).
  std::string where() const {
    std::string p;
    for (size_t level = 0; level < stack_.size(); ++level) {
      const JNode* c = stack_[level];
      const bool last = level + 1 == stack_.size();
      const size_t n = c->kids.size();
      if (c->kind == JNode::Kind::kArr) {
        p += "/" + std::to_string(last ? n : n - 1);
      } else if (last && n % 2 == 1) {
        p += "/" + escape_pointer_token(c->kids[n - 1].s);
      } else if (!last && n >= 2) {
        p += "/" + escape_pointer_token(c->kids[n - 2].s);
      }
    }
    return p.empty() ? "(root)" : p;
  }

  JNode* place(JNode&& n) {
    if (stack_.empty()) {
      *root_ = std::move(n);
      return root_;
    }
    stack_.back()->kids.push_back(std::move(n));
    return &stack_.back()->kids.back();
  }
  bool add(JNode&& n) { place(std::move(n)); return true; }
  bool open(JNode::Kind kind) {
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      error_ = "json: nesting deeper than " + std::to_string(kMaxJsonDepth) + " at " + where();
      return false;
    }
    JNode n; n.kind = kind;
    stack_.push_back(place(std::move(n)));
    if (kind == JNode::Kind::kObj) keys_.emplace_back();
    return true;
  }

  JNode* root_;
  std::vector<JNode*> stack_;
  std::vector<std::unordered_set<std::string>> keys_;
  std::string error_;
};

void pack_tree(msgpack::packer<msgpack::sbuffer>& pk, msgpack::sbuffer& buf, const JNode& n) {
  switch (n.kind) {
    case JNode::Kind::kNull: pk.pack_nil(); break;
    case JNode::Kind::kBool: if (n.b) pk.pack_true(); else pk.pack_false(); break;
    case JNode::Kind::kInt: pk.pack_int64(n.i); break;
    case JNode::Kind::kUint: pk.pack_uint64(n.u); break;
    case JNode::Kind::kFloat: {
      // Always float64: msgpack-cxx 4's pack_double would turn 1.0 into an int.
      uint64_t bits;
      std::memcpy(&bits, &n.d, sizeof bits);
      char raw[9];
      raw[0] = static_cast<char>(0xcb);
      for (int k = 0; k < 8; ++k) raw[1 + k] = static_cast<char>((bits >> (56 - 8 * k)) & 0xff);
      buf.write(raw, sizeof raw);
      break;
    }
    case JNode::Kind::kStr:
      pk.pack_str(static_cast<uint32_t>(n.s.size()));
      pk.pack_str_body(n.s.data(), static_cast<uint32_t>(n.s.size()));
      break;
    case JNode::Kind::kArr:
      pk.pack_array(static_cast<uint32_t>(n.kids.size()));
      for (const auto& k : n.kids) pack_tree(pk, buf, k);
      break;
    case JNode::Kind::kObj:
      pk.pack_map(static_cast<uint32_t>(n.kids.size() / 2));
      for (const auto& k : n.kids) pack_tree(pk, buf, k);
      break;
  }
}

// ---------------------------------------------------------------------------
// Linear pre-scan of msgpack bytes: every container's claimed element count
// must fit in the bytes that remain (each element takes at least one byte).
Status prescan(ByteView b, const MsgpackLimits& lim) {
  size_t pos = 0;
  const size_t n = b.size();
  uint64_t need = 1;  // values still to read
  auto be = [&](size_t at, int len) -> uint64_t {
    uint64_t v = 0;
    for (int k = 0; k < len; ++k) v = (v << 8) | b[at + static_cast<size_t>(k)];
    return v;
  };
  while (need > 0) {
    if (pos >= n) return Status::Invalid("msgpack: truncated value");
    const uint8_t t = b[pos++];
    --need;
    int hdr = 0;         // length bytes following the type byte
    uint64_t skip = 0;   // fixed payload bytes
    enum { kScalar, kStr, kBin, kExt, kArr, kMap } what = kScalar;
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
    } else if (t >= 0x80 && t <= 0x8f) {
      what = kMap; skip = t & 0x0f;
    } else if (t >= 0x90 && t <= 0x9f) {
      what = kArr; skip = t & 0x0f;
    } else if (t >= 0xa0 && t <= 0xbf) {
      what = kStr; skip = t & 0x1f;
    } else {
      switch (t) {
        case 0xc4: what = kBin; hdr = 1; break;
        case 0xc5: what = kBin; hdr = 2; break;
        case 0xc6: what = kBin; hdr = 4; break;
        case 0xc7: what = kExt; hdr = 1; break;
        case 0xc8: what = kExt; hdr = 2; break;
        case 0xc9: what = kExt; hdr = 4; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: what = kExt; skip = 2; break;
        case 0xd5: what = kExt; skip = 3; break;
        case 0xd6: what = kExt; skip = 5; break;
        case 0xd7: what = kExt; skip = 9; break;
        case 0xd8: what = kExt; skip = 17; break;
        case 0xd9: what = kStr; hdr = 1; break;
        case 0xda: what = kStr; hdr = 2; break;
        case 0xdb: what = kStr; hdr = 4; break;
        case 0xdc: what = kArr; hdr = 2; break;
        case 0xdd: what = kArr; hdr = 4; break;
        case 0xde: what = kMap; hdr = 2; break;
        case 0xdf: what = kMap; hdr = 4; break;
        default: return Status::Invalid("msgpack: invalid type byte");
      }
    }
    if (hdr > 0) {
      if (n - pos < static_cast<size_t>(hdr)) return Status::Invalid("msgpack: truncated header");
      skip = be(pos, hdr);
      pos += static_cast<size_t>(hdr);
      if (what == kExt) skip += 1;  // the ext type byte
    }
    switch (what) {
      case kArr:
      case kMap: {
        const uint64_t count = skip;
        if (count > (what == kMap ? lim.map : lim.array)) return Status::Invalid("msgpack: container too large");
        need += what == kMap ? 2 * count : count;
        if (need > n - pos) return Status::Invalid("msgpack: truncated container");
        continue;
      }
      case kStr: if (skip > lim.str) return Status::Invalid("msgpack: string too long"); break;
      case kBin: if (skip > lim.bin) return Status::Invalid("msgpack: bin too long"); break;
      case kExt: if (skip - 1 > lim.ext) return Status::Invalid("msgpack: ext not allowed"); break;
      case kScalar: break;
    }
    if (n - pos < skip) return Status::Invalid("msgpack: truncated value");
    pos += static_cast<size_t>(skip);
  }
  if (pos != n) return Status::Invalid("msgpack: trailing bytes after value");
  return Status::Ok();
}

Status to_json(const msgpack::object& o, nlohmann::json& out, int depth) {
  if (depth > 256) return Status::Invalid("msgpack: nesting too deep");
  switch (o.type) {
    case msgpack::type::NIL: out = nullptr; break;
    case msgpack::type::BOOLEAN: out = o.via.boolean; break;
    case msgpack::type::POSITIVE_INTEGER: out = o.via.u64; break;
    case msgpack::type::NEGATIVE_INTEGER: out = o.via.i64; break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (std::isfinite(o.via.f64)) out = o.via.f64; else out = nullptr;
      break;
    case msgpack::type::STR: out = std::string(o.via.str.ptr, o.via.str.size); break;
    case msgpack::type::BIN:
      out = to_base64(ByteView(reinterpret_cast<const uint8_t*>(o.via.bin.ptr), o.via.bin.size));
      break;
    case msgpack::type::ARRAY: {
      out = nlohmann::json::array();
      for (uint32_t k = 0; k < o.via.array.size; ++k) {
        nlohmann::json v;
        RELAIS_RETURN_IF_ERROR(to_json(o.via.array.ptr[k], v, depth + 1));
        out.push_back(std::move(v));
      }
      break;
    }
    case msgpack::type::MAP: {
      out = nlohmann::json::object();
      for (uint32_t k = 0; k < o.via.map.size; ++k) {
        const auto& kv = o.via.map.ptr[k];
        std::string key;
        if (kv.key.type == msgpack::type::STR) {
          key.assign(kv.key.via.str.ptr, kv.key.via.str.size);
        } else {
          nlohmann::json kj;
          RELAIS_RETURN_IF_ERROR(to_json(kv.key, kj, depth + 1));
          key = kj.dump();
        }
        nlohmann::json v;
        RELAIS_RETURN_IF_ERROR(to_json(kv.val, v, depth + 1));
        out[key] = std::move(v);
      }
      break;
    }
    default: return Status::Invalid("msgpack: ext values cannot be printed as JSON");
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> json_to_msgpack(std::string_view json_text) {
  JNode root;
  TreeBuilder builder(&root);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(json_text.begin(), json_text.end(), &builder);
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("json: ") + e.what());
  }
  if (!ok) return Status::Invalid(builder.error().empty() ? "json: parse error" : builder.error());
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pack_tree(pk, buf, root);
  const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
  return Bytes(p, p + buf.size());
}

Result<msgpack::object_handle> unpack_document(ByteView b) {
  const MsgpackLimits lim = document_msgpack_limits();
  if (b.size() > lim.max_bytes) return Status::Invalid("msgpack: document larger than the limit");
  RELAIS_RETURN_IF_ERROR(prescan(b, lim));
  return unpack_bounded(b, lim);
}

Result<nlohmann::json> msgpack_object_to_json(const msgpack::object& obj) {
  nlohmann::json out;
  try {
    RELAIS_RETURN_IF_ERROR(to_json(obj, out, 0));
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("msgpack: ") + e.what());
  }
  return out;
}

Result<nlohmann::json> msgpack_to_json(ByteView b) {
  auto oh = unpack_document(b);
  if (!oh.ok()) return oh.status();
  return msgpack_object_to_json(oh->get());
}

}  // namespace relais
