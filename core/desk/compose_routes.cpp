#include "desk/compose_routes.h"

#include <sodium.h>

#include <ctime>

#include "crypto/envelope.h"
#include "desk/compose_page.h"
#include "desk/html.h"
#include "desk/page_frame.h"
#include "util/clock.h"

namespace relais::desk {
namespace {

HttpResponse redirect_to(const std::string& to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", to);
  return r;
}

std::string random_hex(size_t bytes) {
  unsigned char raw[32];
  randombytes_buf(raw, bytes);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, raw, bytes);
  return hex;
}

bool valid_draft_id(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string time_text(int64_t ms, const char* format, bool utc) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (utc) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// The form's own values from a request: inputs named by a pointer.
FormValues values_of(const HttpRequest& req) {
  FormValues v;
  for (const auto& [name, value] : req.params)
    if (!name.empty() && name[0] == '/' && name.size() < 256 && value.size() < 8192) v[name] = value;
  return v;
}

// The files of the form's "attachments" input: each name as the browser
// gave it without any folder, checked (check_attachment_name); the media type
// guessed from the bytes and the name, never the browser's. Errors go to the
// field "/attachments". `chosen` tells whether any file came at all.
std::vector<Attachment> files_of(const HttpRequest& req, const std::string& type, std::vector<FieldError>* errors,
                                 bool* chosen) {
  std::vector<Attachment> out;
  *chosen = false;
  for (const auto& f : req.files) {
    if (f.field != "attachments" || (f.filename.empty() && f.content.empty())) continue;  // the input left empty
    *chosen = true;
    std::string name = f.filename;
    if (const size_t slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
    if (!check_attachment_name(name).ok()) {
      errors->push_back({"/attachments", "error.attachments.name", {{"name", name}}});
      return {};
    }
    Attachment a;
    a.name = std::move(name);
    a.data.assign(f.content.begin(), f.content.end());
    a.media_type = guess_media_type(a.name, ByteView(a.data.data(), a.data.size()));
    out.push_back(std::move(a));
  }
  if (*chosen && !takes_attachments(type)) {
    errors->push_back({"/attachments", "error.attachments.not_taken", {}});
    return {};
  }
  if (out.size() > kMaxAttachments) {
    errors->push_back({"/attachments", "error.attachments.count", {{"max", std::to_string(kMaxAttachments)}}});
    return {};
  }
  return out;
}

std::string one_of(const std::string& v, std::initializer_list<const char*> allowed, const char* otherwise) {
  for (const char* a : allowed)
    if (v == a) return v;
  return otherwise;
}

// "/compose/alert" -> "alert"; "/message/ID/answer/case-update" -> ID, type.
bool split_answer(const std::string& path, std::string* id, std::string* rest) {
  const std::string prefix = "/message/";
  const std::string mark = "/answer/";
  if (path.rfind(prefix, 0) != 0) return false;
  const size_t at = path.find(mark, prefix.size());
  if (at == std::string::npos || at == prefix.size()) return false;
  *id = path.substr(prefix.size(), at - prefix.size());
  *rest = path.substr(at + mark.size());
  return id->find('/') == std::string::npos && !rest->empty();
}

}  // namespace

std::optional<HttpResponse> ComposeRoutes::handle(const HttpRequest& req, const PageContext& ctx) {
  const bool post = req.method == "POST";
  std::string type, reply_to;
  enum { kNone, kIndex, kCompose, kAnswer, kDelete } route = kNone;
  if (req.path == "/compose" && !post) {
    route = kIndex;
  } else if (req.path.rfind("/compose/", 0) == 0) {
    type = req.path.substr(9);
    route = kCompose;
  } else if (split_answer(req.path, &reply_to, &type)) {
    route = kAnswer;
  } else if (post && req.path.rfind("/drafts/", 0) == 0 && req.path.size() > 15 &&
             req.path.compare(req.path.size() - 7, 7, "/delete") == 0) {
    route = kDelete;
  }
  if (route == kNone) return std::nullopt;
  if (!ctx.session || ctx.session->role == "viewer") return a_.error_page(ctx, 403, "error.forbidden");
  if (route == kIndex) return index(ctx);
  if (route == kDelete) return delete_draft(req, ctx, req.path.substr(8, req.path.size() - 15));
  if (route == kCompose && (!composable(type) || is_answer_type(type))) return a_.error_page(ctx, 404, "error.not_found");
  if (route == kAnswer && !is_answer_type(type)) return a_.error_page(ctx, 404, "error.not_found");
  return post ? submit(req, ctx, type, reply_to) : form_page(req, ctx, type, reply_to);
}

HttpResponse ComposeRoutes::index(const PageContext& ctx) {
  std::vector<Store::Draft> drafts;
  {
    std::lock_guard lock(*a_.store_mu);
    Store* st = a_.store_locked();
    if (!st) return a_.error_page(ctx, 500, "error.internal");
    auto d = st->drafts(ctx.session->user);
    if (!d.ok()) return a_.error_page(ctx, 500, "error.internal");
    drafts = std::move(*d);
  }
  return a_.page(ctx, ctx.t->text("compose.index.title"), compose_index_main(*ctx.t, drafts, ctx.csrf), 200, {});
}

HttpResponse ComposeRoutes::form_page(const HttpRequest& req, const PageContext& ctx, const std::string& type,
                                      const std::string& reply_to) {
  const ComposeForm* form = form_for(type);
  auto dir = a_.directory ? a_.directory() : nullptr;
  if (form == nullptr || dir == nullptr) return a_.error_page(ctx, 503, "compose.unavailable");
  ComposeView v;
  v.form = form;
  v.dir = dir.get();
  v.csrf = ctx.csrf;
  v.action = reply_to.empty() ? "/compose/" + type : "/message/" + url_encode(reply_to) + "/answer/" + type;
  std::optional<StoredMessage> answering;
  const std::string draft_id = req.param("draft");
  {
    std::lock_guard lock(*a_.store_mu);
    Store* st = a_.store_locked();
    if (!st) return a_.error_page(ctx, 500, "error.internal");
    if (!reply_to.empty()) {
      auto m = st->message(reply_to);
      if (!m.ok()) return a_.error_page(ctx, 500, "error.internal");
      if (!m->has_value()) return a_.error_page(ctx, 404, "message.not_found");
      answering = **m;
    }
    if (!draft_id.empty()) {
      auto d = valid_draft_id(draft_id) ? st->draft(draft_id) : Result<std::optional<Store::Draft>>(std::nullopt);
      if (!d.ok()) return a_.error_page(ctx, 500, "error.internal");
      if (!d->has_value() || (*d)->user != ctx.session->user || (*d)->type != type || (*d)->reply_to != reply_to)
        return a_.error_page(ctx, 404, "compose.draft_not_found");
      auto text = st->open_draft(draft_id);
      if (!text.ok()) return a_.error_page(ctx, 500, "error.internal");
      const nlohmann::json saved = nlohmann::json::parse(*text, nullptr, false);
      if (saved.is_object()) {
        if (saved.contains("values") && saved["values"].is_object())
          for (auto it = saved["values"].begin(); it != saved["values"].end(); ++it)
            if (it.value().is_string()) v.values[it.key()] = it.value().get<std::string>();
        v.urgency = one_of(saved.value("urgency", ""), {"routine", "urgent", "immediate"}, "routine");
        v.handling = one_of(saved.value("handling", ""), {"H0", "H1", "H2", "H3"}, "H2");
      }
      v.draft_id = draft_id;
      if (req.param("saved") == "1") v.notice_key = "compose.draft_saved";
      if (req.param("saved") == "2") v.notice_key = "compose.draft_saved_without_files";
    }
  }
  if (draft_id.empty()) {
    const int64_t now = a_.now();
    v.values = default_values(*form, *dir, time_text(now, "%Y-%m-%d", false), time_text(now, "%Y-%m-%dT%H:%M", false),
                              random_hex(3));
    if (type == "referral-response") {
      const std::string status = req.param("status");
      if (const FormField* f = form->field("/status"); f && !status.empty())
        for (const auto& c : f->choices)
          if (c == status) v.values["/status"] = status;
    }
    if (answering) v.urgency = one_of(answering->urgency, {"routine", "urgent", "immediate"}, "routine");
  }
  if (answering) v.answering = &*answering;
  PageOptions o;
  o.script = true;
  return a_.page(ctx, ctx.t->format("compose.title", {{"type", ctx.t->text("type." + type)}}), compose_main(*ctx.t, v),
                 200, o);
}

HttpResponse ComposeRoutes::submit(const HttpRequest& req, const PageContext& ctx, const std::string& type,
                                   const std::string& reply_to) {
  const ComposeForm* form = form_for(type);
  auto dir = a_.directory ? a_.directory() : nullptr;
  if (form == nullptr || dir == nullptr) return a_.error_page(ctx, 503, "compose.unavailable");
  const int64_t now = a_.now();
  ComposeView v;
  v.form = form;
  v.dir = dir.get();
  v.csrf = ctx.csrf;
  v.action = reply_to.empty() ? "/compose/" + type : "/message/" + url_encode(reply_to) + "/answer/" + type;
  v.values = values_of(req);
  v.urgency = one_of(req.param("urgency"), {"routine", "urgent", "immediate"}, "routine");
  v.handling = one_of(req.param("handling"), {"H0", "H1", "H2", "H3"}, "H2");
  std::string draft_id = req.param("draft");
  if (!draft_id.empty() && !valid_draft_id(draft_id)) return a_.error_page(ctx, 404, "compose.draft_not_found");
  v.draft_id = draft_id;
  std::vector<FieldError> file_errors;
  bool files_chosen = false;
  std::vector<Attachment> files = files_of(req, type, &file_errors, &files_chosen);
  // A form that comes back (422) cannot bring its files: the page says so.
  v.files_dropped = files_chosen;
  const std::string user = ctx.session->user;
  PageOptions o;
  o.script = true;
  const std::string title = ctx.t->format("compose.title", {{"type", ctx.t->text("type." + type)}});

  std::unique_lock lock(*a_.store_mu);
  Store* st = a_.store_locked();
  if (!st) return a_.error_page(ctx, 500, "error.internal");
  std::optional<StoredMessage> answering;
  nlohmann::json answered_body;
  if (!reply_to.empty()) {
    auto m = st->message(reply_to);
    if (!m.ok()) return a_.error_page(ctx, 500, "error.internal");
    if (!m->has_value()) return a_.error_page(ctx, 404, "message.not_found");
    answering = **m;
    v.answering = &*answering;
    if (answering->status != "expired") {
      auto opened = st->open_message(reply_to);
      if (opened.ok()) {
        const nlohmann::json j = nlohmann::json::parse(*opened, nullptr, false);
        if (j.is_object() && j.contains("body") && j["body"].is_object()) answered_body = j["body"];
      }
    }
  }
  if (!draft_id.empty()) {
    auto d = st->draft(draft_id);
    if (!d.ok()) return a_.error_page(ctx, 500, "error.internal");
    if (d->has_value() && (*d)->user != user) return a_.error_page(ctx, 404, "compose.draft_not_found");
  }
  if (req.param("action") == "save") {
    if (draft_id.empty()) draft_id = random_hex(16);
    nlohmann::json saved = {{"values", v.values}, {"urgency", v.urgency}, {"handling", v.handling}};
    // Drafts never keep attachments (the page says so).
    if (Status s = st->put_draft({draft_id, user, type, reply_to, now}, saved.dump()); !s.ok())
      return a_.error_page(ctx, 500, "error.internal");
    lock.unlock();
    a_.journal(user, "save_draft", draft_id, req.remote_addr);
    return redirect_to(v.action + "?draft=" + draft_id + (files_chosen ? "&saved=2" : "&saved=1"));
  }

  RowMap rows;
  nlohmann::json doc = document_from(*form, v.values, &rows);
  // What the desk fills itself (service/reply.h fills the same for answers).
  if (type == "referral") doc["from_org"] = dir->self;
  if (type == "referral-response") {
    if (answered_body.contains("referral_id") && answered_body["referral_id"].is_string())
      doc["referral_id"] = answered_body["referral_id"];
    else if (answering)
      doc["referral_id"] = answering->id;
    doc["responded_at"] = format_rfc3339_ms(now);
  }
  if (type == "case-update") {
    if (!answering || answering->case_ref.empty()) {
      v.errors.push_back({"", "compose.no_case", {}});
      lock.unlock();
      return a_.page(ctx, title, compose_main(*ctx.t, v), 422, o);
    }
    doc["case_ref"] = answering->case_ref;
  }
  v.errors = check_form(*form, doc, *dir, time_text(now, "%Y-%m-%d", true), rows);
  v.errors.insert(v.errors.end(), file_errors.begin(), file_errors.end());
  if (file_errors.empty() && !files.empty()) {
    // The whole body (document, its list of files, the files) must fit the
    // envelope's max_body; the list takes at most ~400 bytes a file.
    uint64_t total = 0;
    for (const auto& f : files) total += f.data.size();
    if (total + doc.dump().size() + 400 * files.size() + 64 > EnvelopeLimits{}.max_body)
      v.errors.push_back({"/attachments", "error.attachments.size", {{"size", size_text(*ctx.t, total)}}});
  }
  if (!v.errors.empty()) {
    lock.unlock();
    return a_.page(ctx, title, compose_main(*ctx.t, v), 422, o);
  }
  ComposeRequest cr;
  cr.type = type;
  cr.document = doc.dump();
  cr.topic = reply_to.empty() ? topic_for(type, doc) : std::string();
  cr.urgency = v.urgency;
  cr.handling = v.handling;
  cr.reply_to = reply_to;
  cr.attachments = std::move(files);
  auto entry = a_.send ? a_.send(*st, cr) : Result<OutboxEntry>(Status::Unsupported("no sending"));
  if (!entry.ok()) {
    const Code c = entry.status().code();
    v.errors.push_back({"", c == Code::kRefused || c == Code::kConfig ? "compose.refused.policy"
                            : c == Code::kInvalid                    ? "compose.refused.invalid"
                                                                     : "compose.refused.other",
                        {}});
    lock.unlock();
    return a_.page(ctx, title, compose_main(*ctx.t, v), 422, o);
  }
  if (!draft_id.empty()) (void)st->delete_draft(draft_id);
  if (answering && type == "referral-response" && answering->status != "expired") {
    const std::string status = doc.value("status", "");
    if (status == "accepted" || status == "rejected" || status == "done")
      (void)st->set_message_status(answering->id, "answered");
  }
  lock.unlock();
  a_.journal(user, "send_" + type, entry->id, req.remote_addr);
  return redirect_to("/message/" + url_encode(entry->id));
}

HttpResponse ComposeRoutes::delete_draft(const HttpRequest& req, const PageContext& ctx, const std::string& id) {
  if (!valid_draft_id(id)) return a_.error_page(ctx, 404, "compose.draft_not_found");
  {
    std::lock_guard lock(*a_.store_mu);
    Store* st = a_.store_locked();
    if (!st) return a_.error_page(ctx, 500, "error.internal");
    auto d = st->draft(id);
    if (!d.ok()) return a_.error_page(ctx, 500, "error.internal");
    if (!d->has_value() || (*d)->user != ctx.session->user) return a_.error_page(ctx, 404, "compose.draft_not_found");
    if (Status s = st->delete_draft(id); !s.ok()) return a_.error_page(ctx, 500, "error.internal");
  }
  a_.journal(ctx.session->user, "delete_draft", id, req.remote_addr);
  return redirect_to("/compose");
}

}  // namespace relais::desk
