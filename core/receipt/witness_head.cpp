#include "receipt/witness_head.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include "log/merkle.h"
#include "util/bytes.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

void put_u64(Bytes* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <size_t N>
Status fixed_bytes(const nlohmann::json& j, const char* key, bool hex, std::array<uint8_t, N>* out) {
  if (!j.contains(key) || !j[key].is_string()) return Status::Invalid(std::string(key) + " is missing");
  auto b = hex ? from_hex(j[key].get<std::string>()) : from_base64(j[key].get<std::string>());
  if (!b.ok() || b->size() != N)
    return Status::Invalid(std::string(key) + " must be " + std::to_string(N) + " bytes in " + (hex ? "hex" : "base64"));
  std::memcpy(out->data(), b->data(), N);
  return Status::Ok();
}

Status unsigned_field(const nlohmann::json& j, const char* key, uint64_t* out) {
  if (!j.contains(key) || !j[key].is_number_unsigned())
    return Status::Invalid(std::string(key) + " must be an unsigned integer");
  *out = j[key].get<uint64_t>();
  return Status::Ok();
}

}  // namespace

Bytes WitnessHead::witness_message() const {
  static constexpr char kContext[] = "relais/witness/v1";
  Bytes m(kContext, kContext + sizeof kContext);  // with its NUL
  put_u64(&m, checkpoint.epoch);
  put_u64(&m, checkpoint.size);
  m.insert(m.end(), checkpoint.root.begin(), checkpoint.root.end());
  put_u64(&m, static_cast<uint64_t>(checkpoint.ts_ms));
  return m;
}

void WitnessHead::countersign(const std::string& name, const SecretBytes& sign_sk, int64_t now_ms) {
  const Bytes m = witness_message();
  crypto_sign_detached(witness_sig.data(), nullptr, m.data(), m.size(), sign_sk.data());
  witness = name;
  witnessed_ms = now_ms;
}

bool WitnessHead::countersigned_by(const PublicKey& sign_pk) const {
  if (witness.empty()) return false;
  const Bytes m = witness_message();
  return crypto_sign_verify_detached(witness_sig.data(), m.data(), m.size(), sign_pk.data()) == 0;
}

bool WitnessHead::receipt_included() const {
  if (!receipt || receipt->seq == 0 || receipt->seq > checkpoint.size) return false;
  return MerkleTree::verify_inclusion(receipt->seq - 1, checkpoint.size, receipt->leaf, receipt->path,
                                      checkpoint.root);
}

nlohmann::ordered_json WitnessHead::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = kWitnessFormat;
  j["epoch"] = checkpoint.epoch;
  j["size"] = checkpoint.size;
  j["root"] = to_hex(checkpoint.root);
  j["ts"] = checkpoint.ts_ms;
  j["broker_sig"] = to_base64(checkpoint.sig);
  if (!witness.empty()) {
    j["witness"] = witness;
    j["witness_sig"] = to_base64(witness_sig);
    j["witnessed"] = format_rfc3339_ms(witnessed_ms);
  }
  if (receipt) {
    nlohmann::ordered_json r;
    r["id"] = uuid_to_string(receipt->id);
    r["seq"] = receipt->seq;
    r["leaf"] = to_hex(receipt->leaf);
    nlohmann::ordered_json path = nlohmann::ordered_json::array();
    for (const auto& h : receipt->path) path.push_back(to_hex(h));
    r["path"] = std::move(path);
    j["receipt"] = std::move(r);
  }
  return j;
}

Result<WitnessHead> WitnessHead::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Invalid("a head must be a JSON object");
  if (!j.contains("format") || j["format"] != kWitnessFormat)
    return Status::Invalid("format must be \"" + std::string(kWitnessFormat) + "\"");
  WitnessHead h;
  RELAIS_RETURN_IF_ERROR(unsigned_field(j, "epoch", &h.checkpoint.epoch));
  RELAIS_RETURN_IF_ERROR(unsigned_field(j, "size", &h.checkpoint.size));
  if (h.checkpoint.size == 0) return Status::Invalid("size must be at least 1");
  RELAIS_RETURN_IF_ERROR(fixed_bytes(j, "root", true, &h.checkpoint.root));
  if (!j.contains("ts") || !j["ts"].is_number_integer()) return Status::Invalid("ts must be an integer (ms)");
  h.checkpoint.ts_ms = j["ts"].get<int64_t>();
  RELAIS_RETURN_IF_ERROR(fixed_bytes(j, "broker_sig", false, &h.checkpoint.sig));
  if (j.contains("witness")) {
    if (!j["witness"].is_string() || j["witness"].get<std::string>().empty())
      return Status::Invalid("witness must be a participant name");
    h.witness = j["witness"].get<std::string>();
    RELAIS_RETURN_IF_ERROR(fixed_bytes(j, "witness_sig", false, &h.witness_sig));
    if (j.contains("witnessed") && j["witnessed"].is_string())
      if (auto t = parse_rfc3339(j["witnessed"].get<std::string>()); t.ok()) h.witnessed_ms = *t;
  }
  if (j.contains("receipt")) {
    const auto& r = j["receipt"];
    if (!r.is_object()) return Status::Invalid("receipt must be an object");
    HeadReceipt hr;
    if (!r.contains("id") || !r["id"].is_string()) return Status::Invalid("receipt.id is missing");
    auto id = uuid_from_string(r["id"].get<std::string>());
    if (!id.ok()) return Status::Invalid("receipt.id: " + id.status().message());
    hr.id = *id;
    RELAIS_RETURN_IF_ERROR(unsigned_field(r, "seq", &hr.seq));
    if (hr.seq == 0 || hr.seq > h.checkpoint.size) return Status::Invalid("receipt.seq must be within 1..size");
    RELAIS_RETURN_IF_ERROR(fixed_bytes(r, "leaf", true, &hr.leaf));
    if (!r.contains("path") || !r["path"].is_array() || r["path"].size() > 128)
      return Status::Invalid("receipt.path must be an array of at most 128 hashes");
    for (const auto& p : r["path"]) {
      if (!p.is_string()) return Status::Invalid("receipt.path holds a non-string");
      auto b = from_hex(p.get<std::string>());
      if (!b.ok() || b->size() != 32) return Status::Invalid("receipt.path holds a hash that is not 32 bytes of hex");
      Hash256 hh;
      std::memcpy(hh.data(), b->data(), 32);
      hr.path.push_back(hh);
    }
    h.receipt = std::move(hr);
  }
  return h;
}

Result<std::vector<WitnessHead>> read_witness_file(const std::string& path) {
  auto text = read_text_file(path, 256u << 20);
  if (!text.ok()) return Status::IOError(path + ": " + text.status().message());
  std::vector<WitnessHead> out;
  size_t line_no = 0, start = 0;
  const std::string& t = *text;
  while (start < t.size()) {
    size_t end = t.find('\n', start);
    if (end == std::string::npos) end = t.size();
    const std::string line = t.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
      return Status::Invalid(path + " line " + std::to_string(line_no) + ": not a JSON object (is it a " +
                             std::string(kWitnessFormat) + " file?)");
    auto h = WitnessHead::from_json(j);
    if (!h.ok()) return Status::Invalid(path + " line " + std::to_string(line_no) + ": " + h.status().message());
    out.push_back(std::move(*h));
  }
  return out;
}

Status append_witness_file(const std::string& path, const WitnessHead& head) {
  const std::string line = head.to_json().dump() + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + path + " to append: " + std::strerror(errno));
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int werr = errno;
  const bool synced = ::fdatasync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()))
    return Status::IOError("cannot append to " + path + ": " + std::strerror(n < 0 ? werr : EIO));
  if (!synced) return Status::IOError("cannot sync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace relais
