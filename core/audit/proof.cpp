#include "audit/proof.h"

#include <sodium.h>

#include <algorithm>
#include <iterator>

#include "crypto/envelope.h"
#include "log/erased_message.h"
#include "log/log.h"
#include "receipt/receipt.h"
#include "util/clock.h"
#include "util/msgpack_limits.h"

namespace relais {

namespace {

constexpr const char* kProofFormat = "relais-proof/1";

std::string hex32(const Hash256& h) { return to_hex(ByteView(h.data(), h.size())); }

std::string key_id(const PublicKey& pk) {
  Hash256 h = blake2b_256(ByteView(pk.data(), pk.size()));
  return to_hex(ByteView(h.data(), 8));
}

// Fixed-size byte array from hex or base64 text; false on a wrong form or size.
template <size_t N>
bool decode_fixed(const std::string& text, bool base64, std::array<uint8_t, N>* out) {
  auto b = base64 ? from_base64(text) : from_hex(text);
  if (!b.ok() || b->size() != N) return false;
  std::copy(b->begin(), b->end(), out->begin());
  return true;
}

// id, from and topic out of a core map (bounded decode).
struct CoreFields {
  Uuid id{};
  std::string from, topic;
};
Result<CoreFields> read_core(ByteView core) {
  MsgpackLimits l;
  l.max_bytes = 1u << 20;
  l.depth = 4;
  l.array = 256;
  l.map = 32;
  l.str = 4096;
  l.bin = 4096;
  auto h = unpack_bounded(core, l);
  if (!h.ok()) return Status::Invalid("proof: core: " + h.status().message());
  const msgpack::object& o = h->get();
  if (o.type != msgpack::type::MAP) return Status::Invalid("proof: core is not a map");
  CoreFields f;
  int seen = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) continue;
    std::string_view k(kv.key.via.str.ptr, kv.key.via.str.size);
    if (k == "id" && kv.val.type == msgpack::type::BIN && kv.val.via.bin.size == 16) {
      std::copy(kv.val.via.bin.ptr, kv.val.via.bin.ptr + 16, f.id.begin());
      seen |= 1;
    } else if (k == "from" && kv.val.type == msgpack::type::STR) {
      f.from.assign(kv.val.via.str.ptr, kv.val.via.str.size);
      seen |= 2;
    } else if (k == "topic" && kv.val.type == msgpack::type::STR) {
      f.topic.assign(kv.val.via.str.ptr, kv.val.via.str.size);
      seen |= 4;
    }
  }
  if (seen != 7) return Status::Invalid("proof: core lacks id, from or topic");
  return f;
}

// The fields each part of a relais-proof/1 document may hold: every one is
// checked against what the signatures cover, so an unknown one (which a
// reader could take as checked) is refused.
struct Section {
  const char* name;
  const char* fields[6];  // unused places are nullptr
};
constexpr std::string_view kTopFields[] = {"format", "message", "leaf", "inclusion", "checkpoint", "broker"};
const Section kSections[] = {
    {"message", {"id", "from", "topic", "seq", "logged", "core"}},
    {"leaf", {"kind", "seq", "ts", "core_hash", "ct_hash", "leaf_hash"}},
    {"inclusion", {"index", "tree_size", "path"}},
    {"checkpoint", {"epoch", "size", "root", "ts", "sig"}},
    {"broker", {"name", "sign_pk", "key_id"}},
};

// Status::Invalid naming the first field of p that relais-proof/1 does not have.
Status reject_unknown_fields(const nlohmann::json& p) {
  auto unknown = [](const std::string& where) {
    return Status::Invalid("proof: " + where +
                           " is not a field of relais-proof/1: nothing checks it, so the proof is refused");
  };
  for (const auto& [key, value] : p.items()) {
    if (std::find(std::begin(kTopFields), std::end(kTopFields), key) == std::end(kTopFields)) return unknown(key);
    for (const Section& sec : kSections) {
      if (key != sec.name) continue;
      if (!value.is_object()) return Status::Invalid(std::string("proof: ") + sec.name + " is not an object");
      for (const auto& [field, v] : value.items()) {
        (void)v;
        bool known = false;
        for (const char* f : sec.fields) known = known || (f != nullptr && field == f);
        if (!known) return unknown(key + "." + field);
      }
    }
  }
  return Status::Ok();
}

// The optional string field `key` of object o (nullopt when absent).
std::optional<std::string> optional_string(const nlohmann::json& o, const char* key) {
  if (!o.contains(key)) return std::nullopt;
  return o.at(key).get<std::string>();
}

}  // namespace

Result<nlohmann::json> make_proof(const std::string& data_dir, const TrustBundle& bundle, const Uuid& id) {
  if (sodium_init() < 0) return Status::IOError("prove: libsodium failed to initialise");
  const PublicCard* broker = bundle.broker();
  if (broker == nullptr) return Status::Config("prove: the bundle has no broker card");
  auto reader = LogReader::open(data_dir);
  if (!reader.ok()) return reader.status();
  MerkleTree tree;
  std::vector<Checkpoint> cps;
  std::optional<Envelope> found;
  RecordView leaf;
  LogEntry e;
  for (;;) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return Status::Corruption("prove: " + more.status().message() + " (run verify)");
    if (!*more) break;
    const RecordView& r = e.record;
    if (r.kind == RecordKind::kCheckpoint) cps.push_back(*r.checkpoint);
    if (!is_leaf_kind(r.kind)) continue;
    tree.append(e.leaf_hash);
    if (is_message_kind(r.kind) && !found) {
      auto env = r.kind == RecordKind::kErasedMessage ? erased_envelope(r) : decode_envelope(r.body);
      if (env.ok() && env->header.id == id) {
        found = std::move(*env);
        leaf = r;
        leaf.body = {};
        leaf.sig = {};
      }
    }
  }
  if (!found) return Status::NotFound("prove: no message with id " + uuid_to_string(id) + " in " + data_dir);
  auto file = read_checkpoint_file(data_dir + "/checkpoints");
  if (!file.ok()) return Status::Corruption("prove: " + file.status().message() + " (run verify)");
  cps.insert(cps.end(), file->begin(), file->end());
  const Checkpoint* best = nullptr;
  for (const auto& cp : cps)
    if (best == nullptr || cp.size > best->size) best = &cp;
  if (best == nullptr || best->size < leaf.seq)
    return Status::NotFound("prove: message seq " + std::to_string(leaf.seq) +
                            " is not yet covered by a signed checkpoint: retry after the broker's next checkpoint");
  if (best->size > tree.size())
    return Status::Corruption("prove: the log was cut back below a signed checkpoint (run verify)");
  if (!best->verify(broker->sign_pk))
    return Status::Corruption("prove: the latest checkpoint is not signed by the bundle's broker key (run verify)");
  if (tree.root_at(best->size) != best->root)
    return Status::Corruption("prove: the latest checkpoint's root does not match the log (run verify)");
  const uint64_t index = leaf.seq - 1;
  const Hash256 lh = tree.leaf(index);
  nlohmann::json path = nlohmann::json::array();
  for (const auto& h : tree.inclusion_proof(index, best->size)) path.push_back(hex32(h));
  nlohmann::json j;
  j["format"] = kProofFormat;
  j["message"] = {{"id", uuid_to_string(id)},
                  {"from", found->header.from},
                  {"topic", found->header.topic},
                  {"seq", leaf.seq},
                  {"logged", format_rfc3339_ms(leaf.ts_ms)},
                  {"core", to_base64(found->core)}};
  j["leaf"] = {{"kind", "message"},          {"seq", leaf.seq},
               {"ts", leaf.ts_ms},           {"core_hash", hex32(leaf.core_hash)},
               {"ct_hash", hex32(leaf.ct_hash)}, {"leaf_hash", hex32(lh)}};
  j["inclusion"] = {{"index", index}, {"tree_size", best->size}, {"path", path}};
  j["checkpoint"] = {{"epoch", best->epoch},
                     {"size", best->size},
                     {"root", hex32(best->root)},
                     {"ts", best->ts_ms},
                     {"sig", to_base64(ByteView(best->sig.data(), best->sig.size()))}};
  j["broker"] = {{"name", broker->name},
                 {"sign_pk", to_base64(ByteView(broker->sign_pk.data(), broker->sign_pk.size()))},
                 {"key_id", key_id(broker->sign_pk)}};
  return j;
}

Result<ProofCheck> check_proof(const nlohmann::json& p, const TrustBundle& bundle, const std::optional<Bytes>& receipt) {
  if (sodium_init() < 0) return Status::IOError("check-proof: libsodium failed to initialise");
  const PublicCard* broker = bundle.broker();
  if (broker == nullptr) return Status::Config("check-proof: the bundle has no broker card");
  ProofCheck out;
  std::optional<std::string> shown_from, shown_topic, shown_logged, shown_key_id, shown_broker;
  Hash256 core_hash{}, ct_hash{}, leaf_hash{}, stated_leaf{};
  Checkpoint cp;
  std::vector<Hash256> path;
  Bytes core;
  uint64_t index = 0, tree_size = 0;
  int64_t leaf_ts = 0;
  PublicKey pk{};
  try {
    if (!p.is_object() || p.value("format", "") != kProofFormat)
      return Status::Invalid(std::string("proof: not a ") + kProofFormat + " document");
    RELAIS_RETURN_IF_ERROR(reject_unknown_fields(p));
    const auto& m = p.at("message");
    const auto& l = p.at("leaf");
    const auto& inc = p.at("inclusion");
    const auto& c = p.at("checkpoint");
    if (l.at("kind").get<std::string>() != "message") return Status::Invalid("proof: leaf kind is not message");
    out.seq = l.at("seq").get<uint64_t>();
    leaf_ts = l.at("ts").get<int64_t>();
    if (!decode_fixed(l.at("core_hash").get<std::string>(), false, &core_hash) ||
        !decode_fixed(l.at("ct_hash").get<std::string>(), false, &ct_hash) ||
        !decode_fixed(l.at("leaf_hash").get<std::string>(), false, &stated_leaf))
      return Status::Invalid("proof: a leaf hash is not 32 bytes of hex");
    index = inc.at("index").get<uint64_t>();
    tree_size = inc.at("tree_size").get<uint64_t>();
    for (const auto& h : inc.at("path")) {
      Hash256 x{};
      if (!decode_fixed(h.get<std::string>(), false, &x)) return Status::Invalid("proof: a path hash is not 32 bytes of hex");
      path.push_back(x);
    }
    cp.epoch = c.contains("epoch") ? c.at("epoch").get<uint64_t>() : 0;  // signed with the rest
    cp.size = c.at("size").get<uint64_t>();
    cp.ts_ms = c.at("ts").get<int64_t>();
    if (!decode_fixed(c.at("root").get<std::string>(), false, &cp.root) ||
        !decode_fixed(c.at("sig").get<std::string>(), true, &cp.sig))
      return Status::Invalid("proof: the checkpoint's root or signature is malformed");
    if (!decode_fixed(p.at("broker").at("sign_pk").get<std::string>(), true, &pk))
      return Status::Invalid("proof: the broker key is malformed");
    out.id = m.at("id").get<std::string>();
    shown_from = optional_string(m, "from");
    shown_topic = optional_string(m, "topic");
    shown_logged = optional_string(m, "logged");
    shown_key_id = optional_string(p.at("broker"), "key_id");
    shown_broker = optional_string(p.at("broker"), "name");
    if (m.at("seq").get<uint64_t>() != out.seq) return Status::Invalid("proof: message seq and leaf seq differ");
    if (m.contains("core")) {
      auto b = from_base64(m.at("core").get<std::string>());
      if (!b.ok()) return Status::Invalid("proof: core is not base64");
      core = std::move(*b);
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("proof: malformed document (") + e.what() + ")");
  }
  if (pk != broker->sign_pk)
    return Status::Invalid("proof: made with broker key " + key_id(pk) + ", but the bundle's broker key is " +
                           key_id(broker->sign_pk));
  if (shown_key_id && *shown_key_id != key_id(pk))
    return Status::Invalid("proof: broker.key_id is not the key id of broker.sign_pk");
  if (shown_broker && *shown_broker != broker->name)
    return Status::Invalid("proof: broker.name is not the name of the bundle's broker (" + broker->name + ")");
  if (!cp.verify(broker->sign_pk))
    return Status::Invalid("proof: the checkpoint's signature does not verify with the bundle's broker key");
  leaf_hash = message_leaf_hash(out.seq, leaf_ts, core_hash, ct_hash);
  if (leaf_hash != stated_leaf) return Status::Invalid("proof: the leaf hash does not match the leaf data");
  if (out.seq == 0 || index != out.seq - 1) return Status::Invalid("proof: the leaf index is not seq - 1");
  if (tree_size != cp.size) return Status::Invalid("proof: the tree size is not the checkpoint's size");
  if (index >= tree_size) return Status::Invalid("proof: the message is beyond the checkpoint");
  if (!MerkleTree::verify_inclusion(index, tree_size, leaf_hash, path, cp.root))
    return Status::Invalid("proof: the inclusion path does not lead to the signed root");
  auto id = uuid_from_string(out.id);
  if (!id.ok()) return Status::Invalid("proof: message id: " + id.status().message());
  // The leaf's time is covered by the leaf hash: the time shown must be it.
  if (shown_logged && *shown_logged != format_rfc3339_ms(leaf_ts))
    return Status::Invalid("proof: message.logged is not the time in the signed leaf (" +
                           format_rfc3339_ms(leaf_ts) + ")");
  if (!core.empty()) {
    if (blake2b_256(core) != core_hash) return Status::Invalid("proof: core does not match the leaf's core hash");
    auto f = read_core(core);
    if (!f.ok()) return f.status();
    if (f->id != *id) return Status::Invalid("proof: the id shown is not the id in the signed core");
    // Every field shown must be the signed core's: a reader of the proof
    // file reads these, not what check-proof prints.
    if (shown_from && *shown_from != f->from)
      return Status::Invalid("proof: the sender shown (message.from) is not the sender in the signed core");
    if (shown_topic && *shown_topic != f->topic)
      return Status::Invalid("proof: the topic shown (message.topic) is not the topic in the signed core");
    out.from = f->from;
    out.topic = f->topic;
    out.core_checked = true;
  } else {
    // Without the core nothing ties a sender or topic to the signed leaf:
    // handed back as shown, marked as not authenticated.
    out.from = shown_from.value_or("");
    out.topic = shown_topic.value_or("");
  }
  if (receipt) {
    auto r = decode_receipt(*receipt);
    if (!r.ok()) return Status::Invalid("receipt: " + r.status().message());
    if (Status s = verify_receipt(*r, broker->sign_pk); !s.ok())
      return Status::Invalid("receipt: not signed by the bundle's broker key (" + s.message() + ")");
    if (r->seq != out.seq)
      return Status::Invalid("receipt: seq " + std::to_string(r->seq) + " but the proof is for seq " +
                             std::to_string(out.seq));
    if (r->leaf_hash != leaf_hash) return Status::Invalid("receipt: its leaf hash differs from the proof's");
    if (r->id != *id) return Status::Invalid("receipt: its message id differs from the proof's");
    out.receipt_checked = true;
  }
  out.tree_size = tree_size;
  out.leaf_ts_ms = leaf_ts;
  out.checkpoint_ts_ms = cp.ts_ms;
  out.epoch = cp.epoch;
  return out;
}

}  // namespace relais
