// relais-fuzz-seeds [CORPUS_DIR]: rewrites the seed corpus of every fuzz
// harness, CORPUS_DIR/<harness>/ (default: tests/fuzz/corpus of this source
// tree), from real data: envelopes sealed by the fixed fuzz identities,
// encoded protocol frames, the schema examples, the config templates, signed
// bundles, cards and key files, framed log records. Run it after a format
// changes, then review and commit the corpus:
//   build/bin/relais-fuzz-seeds && git status tests/fuzz/corpus
// Seeds built from random material (ids, nonces) differ between runs; that
// is fine for a corpus. Exit 0 when every seed was written, 1 otherwise.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "crypto/body_format.h"
#include "crypto/envelope.h"
#include "fuzz/harnesses.h"
#include "log/checkpoint.h"
#include "log/record.h"
#include "net/protocol.h"
#include "policy/bundle.h"
#include "policy/sample_policy.h"
#include "util/files.h"
#include "util/json_msgpack.h"

namespace fs = std::filesystem;
using namespace relais;
using namespace relais::fuzz;

namespace {

fs::path kCorpus = fs::path(RELAIS_SOURCE_DIR) / "tests" / "fuzz" / "corpus";

// A seed that cannot be built is a bug in this program or in a format: stop
// with the reason rather than write a partial corpus silently.
void need(bool ok, const std::string& what) {
  if (ok) return;
  std::cerr << "relais-fuzz-seeds: " << what << "\n";
  std::exit(1);
}

void put(const std::string& harness, const std::string& name, ByteView data) {
  std::error_code ec;
  fs::create_directories(kCorpus / harness, ec);
  std::ofstream f(kCorpus / harness / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  need(static_cast<bool>(f), "cannot write " + (kCorpus / harness / name).string());
}
void put_text(const std::string& harness, const std::string& name, std::string_view text, int prefix = -1) {
  Bytes b;
  if (prefix >= 0) b.push_back(static_cast<uint8_t>(prefix));
  b.insert(b.end(), text.begin(), text.end());
  put(harness, name, b);
}
std::string read_source(const std::string& rel) {
  auto t = read_text_file((fs::path(RELAIS_SOURCE_DIR) / rel).string());
  need(t.ok(), "cannot read " + rel);
  return *t;
}

template <typename Args>
void put_frame(const std::string& name, int selector, const Args& a) {
  Bytes b{static_cast<uint8_t>(selector)};
  encode_args(a, &b);
  put("protocol", name, b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
    std::cerr << "usage: relais-fuzz-seeds [CORPUS_DIR]   (default: " << kCorpus.string() << ")\n";
    return 2;
  }
  if (argc == 2) kCorpus = argv[1];
  const Identity& sender = fixed_identity(0);
  const Identity& reader = fixed_identity(1);
  const int64_t ts = 1767225600000;  // 2026-01-01

  // envelope
  for (int i = 0; i < 3; ++i) {
    SealParams p;
    p.from = sender.card.name;
    p.topic = i == 0 ? "alert.trafficking.maritime.golfe" : "referral.commission";
    p.type = i == 0 ? "alert/1" : "referral/1";
    p.urgency = i == 2 ? "immediate" : "routine";
    p.bundle_serial = 1;
    p.ts_ms = ts;
    p.expires_ms = ts + 86400000;
    if (i == 2) p.case_ref = "c-0123456789abcdef";
    p.readers = {{reader.card.name, reader.card.seal_pk}};
    if (i == 0) p.readers.push_back({sender.card.name, sender.card.seal_pk});
    const std::string body = i == 1 ? std::string(600, 'x') : "{\"kind\":\"trafficking\"}";
    auto env = seal_envelope(p, as_bytes(body), sender.sign_sk);
    need(env.ok(), "sealing an envelope seed failed: " + env.status().message());
    put("envelope", "sealed-" + std::to_string(i), *env);
    if (i == 0) put("envelope", "truncated", ByteView(env->data(), env->size() / 2));
  }

  // body: format 2 bodies, with files matching their list, a tampered one, none
  {
    const std::string jpeg = "\xff\xd8\xff\xe0 photo";
    const std::vector<Attachment> files = {Attachment{"photo.jpg", "image/jpeg", Bytes(jpeg.begin(), jpeg.end())},
                                           Attachment{"rapport.pdf", "application/pdf", Bytes(300, 'p')}};
    nlohmann::json doc = {{"kind", "trafficking"}, {"attachments", attachment_list(files)}};
    auto document = json_to_msgpack(doc.dump());
    need(document.ok(), "a body seed's document: " + document.status().message());
    auto two = encode_body_v2(*document, files);
    need(two.ok(), "a body seed: " + two.status().message());
    put("body", "two-files", *two);
    std::vector<Attachment> altered = files;
    altered[1].data[0] = 'q';
    auto tampered = encode_body_v2(*document, altered);
    need(tampered.ok(), "a body seed: " + tampered.status().message());
    put("body", "tampered", *tampered);
    auto bare_doc = json_to_msgpack("{\"kind\":\"trafficking\"}");
    need(bare_doc.ok(), "a body seed's document");
    auto none = encode_body_v2(*bare_doc, {});
    need(none.ok(), "a body seed: " + none.status().message());
    put("body", "no-files", *none);
  }

  // protocol: selector byte = the case in fuzz/protocol.cpp
  put_frame("hello", 0, HelloArgs{kProtocolVersion, 7});
  put_frame("welcome", 1, WelcomeArgs{kProtocolVersion, "police.golfe", 7, 2000});
  put_frame("pub", 2, PubArgs{42});
  put_frame("sub", 3, SubArgs{1, 2, "alert.*.maritime.>", "first", "durable-1"});
  put_frame("unsub", 4, UnsubArgs{2});
  put_frame("ack", 5, AckArgs{2, 99});
  put_frame("nack", 6, NackArgs{2, 99, ErrorCode::kMalformed, "schema: /location: bad"});
  put_frame("puback", 7, PubAckArgs{42, 99, Bytes(96, 0xab)});
  put_frame("subok", 8, SubOkArgs{1, 2});
  put_frame("error", 9, ErrorArgs{42, ErrorCode::kForbidden, "forbidden"});
  put_frame("msg", 10, MsgArgs{2, 99, 1});
  put_frame("fetch", 13, FetchArgs{5, "bundle", "latest"});
  put_frame("fetch-checkpoint", 13, FetchArgs{6, "checkpoint", "covering:42"});
  put_frame("fetch-consistency", 13, FetchArgs{7, "consistency", "1000:2000"});
  put_frame("fetch-inclusion", 13, FetchArgs{8, "inclusion", "42:1000"});
  {  // their payloads, through the selector of the text parsers (case 12 of fuzz/protocol.cpp)
    auto put_data = [](const std::string& name, const Bytes& payload) {
      Bytes b{12};
      b.insert(b.end(), payload.begin(), payload.end());
      put("protocol", name, b);
    };
    CheckpointData cp;
    cp.size = 2000;
    cp.root.fill(0x11);
    cp.ts_ms = ts;
    cp.sig.fill(0x22);
    put_data("data-checkpoint", encode_fetch_data(cp));
    ConsistencyData cd{1000, 2000, std::vector<ProofHash>(11, ProofHash{})};
    put_data("data-consistency", encode_fetch_data(cd));
    InclusionData in{42, 1000, ProofHash{}, std::vector<ProofHash>(10, ProofHash{})};
    put_data("data-inclusion", encode_fetch_data(in));
  }
  put_frame("data", 14, DataArgs{5, "bundle", "7"});
  put_frame("notice", 15, NoticeArgs::bundle_serial(7));
  put_frame("notice-restored", 15, NoticeArgs::restored(3, 1200));
  put_text("protocol", "start-time", "2026-01-01T00:00:00.000Z", 11);
  put_text("protocol", "start-seq", "12345", 11);

  // schema_instance (type byte = DocType) and schema_compile (mode byte 0)
  const char* kTypes[] = {"alert", "referral", "referral-response", "case-update", "statistics-report"};
  for (const auto& e : fs::directory_iterator(fs::path(RELAIS_SOURCE_DIR) / "schemas" / "examples")) {
    const std::string file = e.path().filename().string();
    for (int t = 0; t < 5; ++t) {
      if (file.rfind(std::string(kTypes[t]) + ".", 0) != 0) continue;
      auto mp = json_to_msgpack(read_source("schemas/examples/" + file));
      if (!mp.ok()) continue;
      Bytes b{static_cast<uint8_t>(t)};
      b.insert(b.end(), mp->begin(), mp->end());
      put("schema_instance", file, b);
    }
  }
  for (const auto& e : fs::directory_iterator(fs::path(RELAIS_SOURCE_DIR) / "schemas"))
    if (e.path().string().ends_with(".schema.json"))
      put_text("schema_compile", e.path().filename().string(), read_source("schemas/" + e.path().filename().string()), 0);
  put_text("schema_compile", "keywords.json",
           R"({"type":"object","required":["a"],"properties":{"a":{"type":"string","pattern":"^[a-z]+$","maxLength":8},)"
           R"("n":{"type":"integer","minimum":0,"maximum":9},"l":{"type":"array","items":{"enum":[1,2]},"uniqueItems":true}},)"
           R"("additionalProperties":false,"definitions":{"x":{"const":1}},"oneOf":[{"$ref":"#/definitions/x"},true]})", 0);

  // topic
  put_text("topic", "alert", "alert.*.maritime.>\nalert.trafficking.maritime.golfe");
  put_text("topic", "inbox", "referral.social.golfe");
  put_text("topic", "bad", "a..b\n>.a");

  // policy
  put_text("policy", "sample.toml", sample_policy_toml());
  put_text("policy", "config.toml", read_source("config/policy.toml"));

  // bundle
  std::vector<PublicCard> cards = {fixed_identity(0).card, fixed_identity(1).card, fixed_identity(3).card};
  auto bundle = build_bundle(fixed_identity(2), cards, sample_policy_toml(), 3, ts, {"police.golfe"});
  need(bundle.ok(), "building the bundle seed failed: " + bundle.status().message());
  put("bundle", "signed.bundle", *bundle);
  {
    // A version-2 history: police.golfe rotated at serial 2 (its old keys
    // retired), commission revoked at serial 4.
    BundleSpec spec;
    spec.serial = 4;
    spec.issued_at_ms = ts;
    spec.policy_text = std::string(sample_policy_toml());
    spec.cards = cards;
    spec.cards[1].revoked = true;
    RetiredKey old{};
    old.sign_pk.fill(0x11);
    old.link_pk.fill(0x22);
    old.seal_pk.fill(0x33);
    old.retired_at_serial = 2;
    spec.history["police.golfe"].retired.push_back(old);
    auto history = build_bundle(fixed_identity(2), spec);
    need(history.ok(), "building the bundle-history seed failed: " + history.status().message());
    put("bundle", "history.bundle", *history);
  }

  // card: a public card, a plain key file and an encrypted one
  put_text("card", "card.pub", card_to_toml(sender.card));
  const fs::path tmp = fs::temp_directory_path() / ("relais-seeds-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  auto plain = generate_identity("ngo.refuge", Role::kNgo, "maritime", "golfe");
  need(plain.ok(), "generating a key seed failed: " + plain.status().message());
  fs::create_directories(tmp / "p");
  fs::create_directories(tmp / "e");
  need(write_identity(*plain, (tmp / "p").string()).ok(), "writing the plain key seed failed");
  const SecretBytes pass = secret_from_text("fuzz");
  need(write_identity(*plain, (tmp / "e").string(), &pass, KdfParams::interactive()).ok(), "writing the encrypted key seed failed");
  put_text("card", "plain.key", *read_text_file((tmp / "p" / "ngo.refuge.key").string()));
  put_text("card", "encrypted.key", *read_text_file((tmp / "e" / "ngo.refuge.key").string()));
  fs::remove_all(tmp);

  // config: selector 0 broker, 1 agent
  put_text("config", "broker-template.toml", read_source("config/broker.toml"), 0);
  put_text("config", "agent-template.toml", read_source("config/agent.toml"), 1);
  const std::string pin = to_base64(fixed_identity(2).card.sign_pk);
  put_text("config", "agent-filled.toml",
           "[agent]\nidentity = \"k.key\"\nbundle = \"t.bundle\"\nauthority_key = \"" + pin +
               "\"\nbroker = \"tcp://127.0.0.1:7450\"\nstate_dir = \"s\"\nheartbeat_ms = 1000\n",
           1);
  put_text("config", "broker-filled.toml",
           "[broker]\nendpoint = \"tcp://127.0.0.1:7450\"\nidentity = \"b.key\"\nbundle = \"t.bundle\"\n"
           "authority_key = \"" + pin + "\"\ndata_dir = \"data\"\n[log]\nsync = \"always\"\n[limits]\n"
           "max_frame_bytes = 65536\n",
           0);

  // log: a segment image with a message, an event, a commit and a checkpoint
  Bytes segment, payload;
  const Bytes env_bytes(300, 0x5a);
  encode_message_payload(&payload, 1, ts, Hash256{}, Hash256{}, env_bytes);
  append_frame(&segment, payload);
  payload.clear();
  encode_event_payload(&payload, 2, ts + 1, as_bytes("{\"event\":\"connect\"}"));
  append_frame(&segment, payload);
  payload.clear();
  encode_commit_payload(&payload, 2, ts + 2);
  append_frame(&segment, payload);
  const Checkpoint cp = Checkpoint::sign(2, Hash256{}, ts + 3, fixed_identity(3).sign_sk);
  append_frame(&segment, cp.encode_payload());
  put("log", "segment", segment);
  put("log", "torn", ByteView(segment.data(), segment.size() - 5));
  std::cout << "seeds written under " << kCorpus.string() << "\n";
  return 0;
}
