#include "store_commands.h"

#include "attach_files.h"

#include <iostream>
#include <string_view>
#include <vector>

#include "agent/handling_codes.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_output.h"
#include "command_failure.h"
#include "service/agent_store.h"

namespace relais {
namespace {

using Json = nlohmann::ordered_json;

// ---- text output

// "2026-11-28T17:03:04Z" (UTC, to the second); "-" for none.
std::string time_text(int64_t ms) {
  if (ms <= 0) return "-";
  std::string t = format_rfc3339_ms(ms);
  return t.size() > 19 ? t.substr(0, 19) + "Z" : t;
}

Json time_json(int64_t ms) { return ms > 0 ? Json(format_rfc3339_ms(ms)) : Json(nullptr); }
Json text_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// A table cell: control characters shown as '?', empty as "-".
std::string cell(std::string_view s) {
  if (s.empty()) return "-";
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// Characters on screen (UTF-8 code points; every column here is narrow).
size_t width_of(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

void print_table(std::ostream& out, const std::vector<std::string>& heads,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(heads.size());
  for (size_t i = 0; i < heads.size(); ++i) widths[i] = width_of(heads[i]);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width_of(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(widths[i] - width_of(cells[i]) + 2, ' ');
    }
    out << text << "\n";
  };
  line(heads);
  for (const auto& row : rows) line(row);
}

std::string outbox_state(const OutboxEntry& e) {
  if (e.status == "logged") return "logged (seq " + std::to_string(e.seq) + ")";
  if (e.status == "refused") return "refused: " + e.reason;
  return e.status;
}

// ---- JSON views

Json message_fields(const StoredMessage& m) {
  return Json{{"id", m.id},
              {"seq", m.seq},
              {"from", m.sender},
              {"topic", m.topic},
              {"type", m.type},
              {"case_ref", text_or_null(m.case_ref)},
              {"urgency", m.urgency},
              {"handling", m.handling},
              {"in_reply_to", text_or_null(m.in_reply_to)},
              {"ts", time_json(m.ts_ms)},
              {"expires", time_json(m.expires_ms)},
              {"received", time_json(m.received_ms)},
              {"status", m.status}};
}

Json outbox_fields(const OutboxEntry& e) {
  return Json{{"id", e.id},
              {"topic", e.topic},
              {"type", e.type},
              {"urgency", e.urgency},
              {"handling", e.handling},
              {"case_ref", text_or_null(e.case_ref)},
              {"in_reply_to", text_or_null(e.in_reply_to)},
              {"created", time_json(e.created_ms)},
              {"expires", time_json(e.expires_ms)},
              {"origin", e.origin},
              {"status", e.status},
              {"seq", e.status == "logged" ? Json(e.seq) : Json(nullptr)},
              {"reason", text_or_null(e.reason)},
              {"attempts", e.attempts}};
}

// Stored JSON text as JSON (it was written by this program; a value that no
// longer parses is reported as damaged, never printed).
Result<Json> parse_stored(const std::string& text, const std::string& what) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Corruption("store: the stored " + what + " is not JSON; the store is damaged");
  return j;
}

void explain_handling(std::ostream& err, const std::string& code) {
  std::string_view meaning = handling_meaning(code);
  err << "relais-agent: handling " << cell(code) << ": "
      << (meaning.empty() ? std::string_view("an unknown handling code: ask the sender before any use") : meaning)
      << "\n";
}

}  // namespace

// ---- inbox

int run_inbox(const AgentContext& ctx, const InboxOptions& options, std::ostream& out, std::ostream& err) {
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status(), err);
  InboxFilter filter;
  filter.type = options.type;
  filter.status = options.status;
  auto list = (*store)->messages(filter);
  if (!list.ok()) return fail_with(list.status(), err);
  if (options.json) {
    Json arr = Json::array();
    for (const auto& m : *list) arr.push_back(message_fields(m));
    out << json_text(arr) << std::endl;
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *list)
    rows.push_back({time_text(m.received_ms), cell(m.sender), cell(m.type), cell(m.topic), cell(m.case_ref),
                    cell(m.urgency), cell(m.handling), cell(m.status), m.id});
  print_table(out,
              {"Reçu / Received", "De / From", "Type", "Sujet / Topic", "Dossier / Case", "Urgence / Urgency",
               "Traitement / Handling", "État / Status", "Id"},
              rows);
  if (rows.empty()) out << "(aucun message / no messages)\n";
  if (static_cast<int64_t>(rows.size()) >= filter.limit)
    err << "relais-agent: only the newest " << filter.limit << " messages are listed; narrow with --type or --status\n";
  return 0;
}

// ---- show

// --save-attachments: the files written, one line each on err.
int save_shown(const Result<std::vector<Attachment>>& files, const std::string& dir, std::ostream& err) {
  if (!files.ok()) return fail_with(files.status(), err);
  if (files->empty()) {
    err << "relais-agent: this message has no attachments; nothing was saved\n";
    return 0;
  }
  auto written = save_attachments(dir, *files);
  if (!written.ok()) return fail_with(written.status(), err);
  for (const std::string& path : *written) err << "relais-agent: saved " << path << "\n";
  return 0;
}

int run_show(const AgentContext& ctx, const std::string& id, std::ostream& out, std::ostream& err,
             const std::string& save_dir) {
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status(), err);
  Store& s = **store;
  auto meta = s.message(id);
  if (!meta.ok()) return fail_with(meta.status(), err);
  if (*meta) {
    auto text = s.open_message(id);
    if (!text.ok()) return fail_with(text.status(), err);
    auto j = parse_stored(*text, "message " + id);
    if (!j.ok()) return fail_with(j.status(), err);
    out << json_text(*j, 2) << std::endl;
    const StoredMessage& m = **meta;
    explain_handling(err, m.handling);
    if (m.status == "new") {
      Status st = s.set_message_status(id, "read");
      if (!st.ok()) return fail_with(st, err);
    }
    return save_dir.empty() ? 0 : save_shown(s.message_attachments(id), save_dir, err);
  }
  auto entry = s.outbox_entry(id);
  if (!entry.ok()) return fail_with(entry.status(), err);
  if (!*entry) {
    err << "relais-agent: no received message and no outbox entry has the id " << cell(id)
        << "; 'relais-agent inbox' and 'relais-agent outbox' list them\n";
    return 1;
  }
  auto doc = s.outbox_document(id);
  if (!doc.ok()) return fail_with(doc.status(), err);
  auto body = parse_stored(*doc, "document of outbox entry " + id);
  if (!body.ok()) return fail_with(body.status(), err);
  Json j = outbox_fields(**entry);
  j["body"] = std::move(*body);
  out << json_text(j, 2) << std::endl;
  explain_handling(err, (*entry)->handling);
  return save_dir.empty() ? 0 : save_shown(s.outbox_attachments(id), save_dir, err);
}

// ---- case

namespace {

// One timeline item opened, for an export: a received message as
// `subscribe` printed it (plus its direction and inbox status), a sent one
// as its outbox fields plus its document as "body".
Result<Json> export_item(Store& s, const Store::CaseItem& item) {
  if (!item.sent) {
    auto meta = s.message(item.id);
    if (!meta.ok()) return meta.status();
    if (!*meta) return Status::NotFound("store: message " + item.id + " went while the case was read; try again");
    auto text = s.open_message(item.id);
    if (!text.ok()) return text.status();
    auto opened = parse_stored(*text, "message " + item.id);
    if (!opened.ok()) return opened.status();
    Json j = Json{{"direction", "received"}, {"inbox_status", (*meta)->status},
                  {"received", time_json((*meta)->received_ms)}};
    for (auto it = opened->begin(); it != opened->end(); ++it) j[it.key()] = it.value();
    return j;
  }
  auto entry = s.outbox_entry(item.id);
  if (!entry.ok()) return entry.status();
  if (!*entry) return Status::NotFound("store: outbox entry " + item.id + " went while the case was read; try again");
  auto doc = s.outbox_document(item.id);
  if (!doc.ok()) return doc.status();
  auto body = parse_stored(*doc, "document of outbox entry " + item.id);
  if (!body.ok()) return body.status();
  Json j = Json{{"direction", "sent"}};
  const Json fields = outbox_fields(**entry);
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  j["body"] = std::move(*body);
  return j;
}

}  // namespace

int run_case(const AgentContext& ctx, const CaseOptions& options, std::ostream& out, std::ostream& err) {
  if (options.case_ref.empty()) {
    err << "relais-agent: case needs a case reference, e.g. relais-agent case c-0123456789abcdef\n";
    return 2;
  }
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status(), err);
  Store& s = **store;
  auto items = s.case_timeline(options.case_ref);
  if (!items.ok()) return fail_with(items.status(), err);
  if (items->empty()) {
    err << "relais-agent: no message and no outbox entry has the case reference " << cell(options.case_ref) << "\n";
    return 1;
  }

  if (!options.export_file.empty()) {
    Json doc = Json{{"format", "relais-case-export/1"},
                    {"case_ref", options.case_ref},
                    {"exported_at", format_rfc3339_ms(now_ms())},
                    {"exported_by", ctx.identity.card.name},
                    {"items", Json::array()}};
    for (const auto& item : *items) {
      auto j = export_item(s, item);
      if (!j.ok()) return fail_with(j.status(), err);
      doc["items"].push_back(std::move(*j));
    }
    const std::string text = json_text(doc, 2) + "\n";
    Status w = write_file_durable(options.export_file, as_bytes(text), 0600, /*exclusive=*/true);
    if (!w.ok()) return fail_with(w, err);
    out << "relais-agent: case " << cell(options.case_ref) << ": " << items->size() << " items written to "
        << options.export_file << " (mode 0600). It holds personal data: hand it over as the access request "
        << "requires, then delete it\n";
    return 0;
  }

  std::vector<std::vector<std::string>> rows;
  for (const auto& item : *items) {
    if (!item.sent) {
      auto m = s.message(item.id);
      if (!m.ok()) return fail_with(m.status(), err);
      if (!*m) continue;  // erased meanwhile
      rows.push_back({time_text(item.time_ms), "reçu / received", cell((*m)->type), cell((*m)->sender) + " (" +
                      cell((*m)->topic) + ")", cell((*m)->status), item.id});
    } else {
      auto e = s.outbox_entry(item.id);
      if (!e.ok()) return fail_with(e.status(), err);
      if (!*e) continue;
      rows.push_back({time_text(item.time_ms), "envoyé / sent", cell((*e)->type), "→ " + cell((*e)->topic),
                      cell(outbox_state(**e)), item.id});
    }
  }
  print_table(out, {"Heure / Time", "Sens / Direction", "Type", "De ou à / From or to", "État / Status", "Id"},
              rows);
  return 0;
}

// ---- outbox

int run_outbox(const AgentContext& ctx, bool json, std::ostream& out, std::ostream& err) {
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status(), err);
  auto list = (*store)->outbox();
  if (!list.ok()) return fail_with(list.status(), err);
  if (json) {
    Json arr = Json::array();
    for (const auto& e : *list) arr.push_back(outbox_fields(e));
    out << json_text(arr) << std::endl;
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *list)
    rows.push_back({time_text(e.created_ms), cell(e.topic), cell(e.type), cell(outbox_state(e)),
                    std::to_string(e.attempts), e.id});
  print_table(out, {"Créé / Created", "Sujet / Topic", "Type", "État / Status", "Essais / Attempts", "Id"}, rows);
  if (rows.empty()) out << "(rien à envoyer / nothing sent or queued)\n";
  return 0;
}

// ---- command line

std::unique_ptr<StoreCommands> add_store_commands(CLI::App& app) {
  auto c = std::make_unique<StoreCommands>();
  c->inbox = app.add_subcommand("inbox", "list the received messages held in the local store, newest first");
  c->inbox->add_flag("--json", c->inbox_options.json, "one JSON array of the messages' routing fields");
  c->inbox->add_option("--type", c->inbox_options.type, "only this document type")
      ->check(CLI::IsMember({"alert", "referral", "referral-response", "case-update", "statistics-report",
                             "escalation"}));
  c->inbox->add_option("--status", c->inbox_options.status, "only messages in this state")
      ->check(CLI::IsMember({"new", "read", "answered", "expired"}));

  c->show = app.add_subcommand("show", "print one stored message opened (a new one becomes read), or an outbox entry");
  c->show->add_option("ID", c->show_id, "the message or outbox entry id")->required();
  c->show->add_option("--save-attachments", c->show_save_dir,
                      "write the message's attached files into this folder (created 0700; existing files are kept)");

  c->case_cmd = app.add_subcommand("case", "print the timeline of one case, or export it for an access request");
  c->case_cmd->add_option("REF", c->case_options.case_ref, "the case reference (case_ref)")->required();
  c->case_cmd->add_option("--export", c->case_options.export_file,
                          "write every item of the case opened to this new file (0600; never overwritten)");

  c->outbox = app.add_subcommand("outbox", "list the documents this agent sends: queued, logged or refused");
  c->outbox->add_flag("--json", c->outbox_json, "one JSON array");
  return c;
}

std::optional<int> run_store_command(const StoreCommands& c, const AgentContext& ctx) {
  if (c.inbox->parsed()) return run_inbox(ctx, c.inbox_options, std::cout, std::cerr);
  if (c.show->parsed()) return run_show(ctx, c.show_id, std::cout, std::cerr, c.show_save_dir);
  if (c.case_cmd->parsed()) return run_case(ctx, c.case_options, std::cout, std::cerr);
  if (c.outbox->parsed()) return run_outbox(ctx, c.outbox_json, std::cout, std::cerr);
  return std::nullopt;
}

}  // namespace relais
