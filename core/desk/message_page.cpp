// The desk's message pages: one received message, or one sent (outbox)
// message, with every field labelled from the catalog and every value
// escaped. Body fields without a catalog label show their JSON name.
#include "desk/html.h"
#include "desk/page_frame.h"
#include "desk/pages.h"
#include "util/clock.h"

namespace relais::desk {
namespace {

std::string field_label(const Catalog& t, const std::string& name) {
  return t.has("field." + name) ? t.text("field." + name) : name;
}

std::string value_html(const Catalog& t, const nlohmann::json& v, int depth);

std::string fields_html(const Catalog& t, const nlohmann::json& obj, int depth) {
  std::string h = "<dl class=\"fields\">";
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    // A document's list of files is shown as downloads (attachments_html).
    if (depth == 0 && it.key() == "attachments" && it.value().is_array()) continue;
    h += "<dt>" + escape(field_label(t, it.key())) + "</dt><dd>" + value_html(t, it.value(), depth + 1) + "</dd>";
  }
  return h + "</dl>";
}

std::string value_html(const Catalog& t, const nlohmann::json& v, int depth) {
  if (depth > 16) return "…";
  if (v.is_object()) return fields_html(t, v, depth);
  if (v.is_array()) {
    std::string h = "<ul>";
    for (const auto& item : v) h += "<li>" + value_html(t, item, depth + 1) + "</li>";
    return h + "</ul>";
  }
  if (v.is_boolean()) return escape(t.text(v.get<bool>() ? "value.yes" : "value.no"));
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "suppressed") return escape(t.text("value.suppressed"));
    return escape(s);
  }
  if (v.is_null()) return {};
  return escape(v.dump());
}

std::string row(const Catalog& t, const std::string& key, const std::string& html) {
  if (html.empty()) return {};
  return "<dt>" + escape(t.text(key)) + "</dt><dd>" + html + "</dd>";
}


// A catalog label for `prefix + value` when there is one, else the value.
std::string labelled(const Catalog& t, const std::string& prefix, const std::string& value) {
  return escape(t.has(prefix + value) ? t.text(prefix + value) : value);
}

// The routing rows a received and a sent message share.
std::string shared_rows(const Catalog& t, int64_t expires_ms, const std::string& urgency, const std::string& handling) {
  return row(t, "message.field.expires", escape(format_local_time(expires_ms))) +
         row(t, "message.field.urgency", labelled(t, "urgency.", urgency)) +
         row(t, "message.field.handling", labelled(t, "handling.", handling));
}

// The case and in-reply-to rows, with their links (each only when set).
std::string link_rows(const Catalog& t, const std::string& case_ref, const std::string& in_reply_to) {
  std::string h;
  if (!case_ref.empty())
    h += row(t, "message.field.case_ref",
             escape(case_ref) + " · <a href=\"/case/" + url_encode(case_ref) + "\">" +
                 escape(t.text("message.case_link")) + "</a>");
  if (!in_reply_to.empty())
    h += row(t, "message.field.in_reply_to",
             "<a href=\"/message/" + url_encode(in_reply_to) + "\">" + escape(t.text("message.reply_to_link")) +
                 "</a>");
  return h;
}

std::string sender_status_html(const Catalog& t, const nlohmann::json& opened) {
  if (!opened.contains("sender_status") || !opened["sender_status"].is_string()) return {};
  const std::string s = opened["sender_status"].get<std::string>();
  std::string key = s.rfind("revoked", 0) == 0   ? "message.revoked_since"
                    : s.rfind("key retired", 0) == 0 ? "message.retired_since"
                                                     : "message.removed_since";
  return "<br><span class=\"badge immediate\">" + escape(t.format(key, {{"detail", s}})) + "</span>";
}

}  // namespace

std::vector<AttachmentRow> attachment_rows(const nlohmann::json& document) {
  std::vector<AttachmentRow> out;
  if (!document.is_object() || !document.contains("attachments") || !document["attachments"].is_array()) return out;
  for (const auto& a : document["attachments"]) {
    AttachmentRow r;
    if (a.is_object()) {
      if (a.contains("name") && a["name"].is_string()) r.name = a["name"].get<std::string>();
      if (a.contains("media_type") && a["media_type"].is_string()) r.media_type = a["media_type"].get<std::string>();
      if (a.contains("size") && a["size"].is_number_integer() && a["size"].get<int64_t>() >= 0)
        r.size = static_cast<uint64_t>(a["size"].get<int64_t>());
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string attachments_html(const Catalog& t, const std::string& message_id, const std::vector<AttachmentRow>& files) {
  if (files.empty()) return {};
  std::string h = "<h2 id=\"attachments\">" + escape(t.text("message.attachments")) + "</h2>\n<p class=\"muted\">" +
                  escape(t.text("message.attachments.note")) + "</p>\n<ul class=\"attachments\">";
  for (size_t i = 0; i < files.size(); ++i) {
    const AttachmentRow& f = files[i];
    const std::string n = std::to_string(i + 1);
    // download: the browser saves the file; the desk serves it only as a
    // download anyway (Content-Disposition: attachment).
    h += "<li><a href=\"/message/" + url_encode(message_id) + "/attachments/" + n + "\" id=\"attachment-" + n +
         "\" download aria-label=\"" + escape(t.format("message.attachments.download", {{"name", f.name}})) + "\">" +
         escape(f.name) + "</a> <span class=\"muted\">" + escape(f.media_type) + " · " + escape(size_text(t, f.size)) +
         "</span></li>";
  }
  return h + "</ul>\n";
}

std::string message_main(const Catalog& t, const StoredMessage& m, const nlohmann::json& opened, bool can_write,
                         const std::string& csrf) {
  std::string h = "<h1>" + escape(t.has("type." + m.type) ? t.text("type." + m.type) : m.type) + "</h1>\n";
  h += "<h2>" + escape(t.text("message.routing")) + "</h2>\n<dl class=\"fields\">";
  h += row(t, "message.field.from",
           escape(m.sender) + "<br><span class=\"muted\">" + escape(t.text("message.signature_ok")) + "</span>" +
               sender_status_html(t, opened));
  h += row(t, "message.field.topic", escape(m.topic));
  h += row(t, "message.field.ts", escape(format_local_time(m.ts_ms)));
  h += row(t, "message.field.received", escape(format_local_time(m.received_ms)));
  h += shared_rows(t, m.expires_ms, m.urgency, m.handling);
  h += link_rows(t, m.case_ref, m.in_reply_to);
  h += row(t, "message.field.id", "<code>" + escape(m.id) + "</code>");
  h += row(t, "message.field.seq", escape(std::to_string(m.seq)));
  h += row(t, "col.status", labelled(t, "status.", m.status));
  h += "</dl>\n";
  if (can_write && m.status != "answered" && m.status != "expired")
    h += "<form method=\"post\" action=\"/message/" + url_encode(m.id) + "/status\">" + csrf_field(csrf) +
         "<input type=\"hidden\" name=\"status\" value=\"answered\"><button type=\"submit\" id=\"mark-done\">" +
         escape(t.text("message.mark_done")) + "</button></form>\n";
  h += "<h2>" + escape(t.text("message.body")) + "</h2>\n";
  if (opened.contains("body") && opened["body"].is_object()) {
    h += fields_html(t, opened["body"], 0);
    h += attachments_html(t, m.id, attachment_rows(opened["body"]));
  } else
    h += "<p class=\"notice\">" + escape(t.text("message.expired_body")) + "</p>";
  return h + "\n";
}

std::string sent_message_main(const Catalog& t, const OutboxEntry& e, const nlohmann::json& document,
                              const std::vector<AttachmentRow>& files) {
  std::string h = "<h1>" + escape(t.has("type." + e.type) ? t.text("type." + e.type) : e.type) + "</h1>\n";
  h += "<h2>" + escape(t.text("message.routing")) + "</h2>\n<dl class=\"fields\">";
  h += row(t, "message.field.topic", escape(e.topic));
  h += row(t, "message.field.ts", escape(format_local_time(e.created_ms)));
  h += shared_rows(t, e.expires_ms, e.urgency, e.handling);
  std::string status = labelled(t, "status.", e.status);
  if (e.status == "logged") status += " · " + escape(t.format("outbox.receipt", {{"seq", std::to_string(e.seq)}}));
  if (e.status == "refused") status += " · " + escape(t.text(refusal_key(t, e.reason)));
  h += row(t, "col.status", status);
  h += link_rows(t, e.case_ref, e.in_reply_to);
  h += row(t, "message.field.id", "<code>" + escape(e.id) + "</code>");
  h += "</dl>\n<h2>" + escape(t.text("message.body")) + "</h2>\n";
  if (document.is_object()) h += fields_html(t, document, 0);
  h += attachments_html(t, e.id, files);
  return h + "\n";
}

}  // namespace relais::desk
