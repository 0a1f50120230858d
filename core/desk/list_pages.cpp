// The desk's list pages: inbox, outbox, case timeline, access journal, and
// the login and error pages (small forms beside them).
#include <map>

#include "desk/html.h"
#include "desk/page_frame.h"
#include "desk/pages.h"

namespace relais::desk {
namespace {

std::string label_or_raw(const Catalog& t, const std::string& prefix, const std::string& value) {
  if (value.empty()) return {};
  return t.has(prefix + value) ? t.text(prefix + value) : value;
}

std::string badge(const std::string& cls, const std::string& text) {
  return "<span class=\"badge " + escape(cls) + "\">" + escape(text) + "</span>";
}

std::string td(const Catalog& t, const std::string& col_key, const std::string& html) {
  return "<td data-label=\"" + escape(t.text(col_key)) + "\">" + html + "</td>";
}

std::string select(const Catalog& t, const std::string& name, const std::string& label_key,
                   const std::vector<std::string>& values, const std::string& prefix, const std::string& current) {
  std::string h = "<label>" + escape(t.text(label_key)) + "<select name=\"" + name + "\">";
  h += "<option value=\"\">" + escape(t.text("inbox.filter.any")) + "</option>";
  for (const auto& v : values)
    h += "<option value=\"" + escape(v) + "\"" + (v == current ? " selected" : "") + ">" +
         escape(label_or_raw(t, prefix, v)) + "</option>";
  return h + "</select></label>";
}

}  // namespace

std::string refusal_key(const Catalog& t, const std::string& reason) {
  const size_t colon = reason.find(':');
  if (colon != std::string::npos) {
    const std::string key = "refusal." + reason.substr(0, colon);
    if (t.has(key)) return key;
  }
  return "refusal.other";
}

std::string login_main(const Catalog& t, const std::string& csrf, const std::string& user,
                       const std::string& notice_key, bool error, const std::map<std::string, std::string>& values) {
  std::string h = "<h1>" + escape(t.text("login.title")) + "</h1>\n<p class=\"muted\">" +
                  escape(t.text("app.tagline")) + "</p>\n";
  if (!notice_key.empty())
    h += std::string("<p class=\"notice") + (error ? " error\" role=\"alert\"" : "\"") + ">" +
         escape(t.format(notice_key, values)) + "</p>\n";
  h += "<form class=\"stack\" method=\"post\" action=\"/login\">" + csrf_field(csrf);
  h += "<label for=\"user\">" + escape(t.text("login.user")) +
       "</label><input id=\"user\" name=\"user\" autocomplete=\"username\" autocapitalize=\"none\" required value=\"" +
       escape(user) + "\">";
  h += "<label for=\"password\">" + escape(t.text("login.password")) +
       "</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" "
       "required>";
  h += "<button class=\"primary\" type=\"submit\">" + escape(t.text("login.submit")) + "</button></form>\n";
  return h;
}

std::string inbox_main(const Catalog& t, const InboxQuery& q, const std::vector<InboxRow>& rows) {
  std::string h = "<h1>" + escape(t.text("inbox.title")) + "</h1>\n";
  h += "<form class=\"filters\" method=\"get\" action=\"/inbox\" aria-label=\"" + escape(t.text("inbox.filters")) +
       "\">";
  h += select(t, "type", "col.type",
              {"alert", "referral", "referral-response", "case-update", "escalation", "statistics-report"}, "type.",
              q.type);
  h += select(t, "urgency", "col.urgency", {"immediate", "urgent", "routine"}, "urgency.", q.urgency);
  h += select(t, "status", "col.status", {"new", "read", "answered", "expired"}, "status.", q.status);
  h += "<label>" + escape(t.text("col.case")) + "<input name=\"case\" value=\"" + escape(q.case_ref) +
       "\" autocapitalize=\"none\"></label>";
  h += "<button type=\"submit\">" + escape(t.text("inbox.filter.apply")) + "</button>";
  h += "<a href=\"/inbox\">" + escape(t.text("inbox.filter.reset")) + "</a></form>\n";
  h += "<p class=\"muted\">" + escape(t.format("inbox.count", {{"n", std::to_string(rows.size())}})) + "</p>\n";
  if (rows.empty()) return h + "<p>" + escape(t.text("inbox.empty")) + "</p>\n";
  h += "<table class=\"list\"><thead><tr><th scope=\"col\">" + escape(t.text("col.received")) + "</th><th scope=\"col\">" +
       escape(t.text("col.type")) + "</th><th scope=\"col\">" + escape(t.text("col.from")) + "</th><th scope=\"col\">" +
       escape(t.text("col.urgency")) + "</th><th scope=\"col\">" + escape(t.text("col.status")) +
       "</th><th scope=\"col\">" + escape(t.text("col.case")) + "</th></tr></thead><tbody>\n";
  for (const auto& r : rows) {
    const StoredMessage& m = r.message;
    std::string cls;
    if (m.status == "new") cls += " unread";
    if (r.overdue) cls += " overdue";
    h += "<tr class=\"" + escape(cls) + "\">";
    h += td(t, "col.received", escape(format_local_time(m.received_ms)));
    h += td(t, "col.type", "<a href=\"/message/" + url_encode(m.id) + "\">" +
                               escape(label_or_raw(t, "type.", m.type)) + "</a>");
    h += td(t, "col.from", escape(m.sender));
    std::string urg = escape(label_or_raw(t, "urgency.", m.urgency));
    if (m.urgency == "immediate" || m.urgency == "urgent") urg = badge(m.urgency, label_or_raw(t, "urgency.", m.urgency));
    h += td(t, "col.urgency", urg);
    std::string st = m.status == "new" ? badge("new", t.text("inbox.unread")) : escape(label_or_raw(t, "status.", m.status));
    if (r.overdue) st += " " + badge("overdue", t.text("inbox.overdue"));
    h += td(t, "col.status", st);
    h += td(t, "col.case", m.case_ref.empty() ? std::string()
                                              : "<a href=\"/case/" + url_encode(m.case_ref) + "\">" +
                                                    escape(m.case_ref) + "</a>");
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

std::string outbox_main(const Catalog& t, const std::vector<OutboxEntry>& entries) {
  std::string h = "<h1>" + escape(t.text("outbox.title")) + "</h1>\n";
  if (entries.empty()) return h + "<p>" + escape(t.text("outbox.empty")) + "</p>\n";
  h += "<table class=\"list\"><thead><tr><th scope=\"col\">" + escape(t.text("col.sent")) + "</th><th scope=\"col\">" +
       escape(t.text("col.type")) + "</th><th scope=\"col\">" + escape(t.text("col.topic")) + "</th><th scope=\"col\">" +
       escape(t.text("col.status")) + "</th><th scope=\"col\">" + escape(t.text("col.receipt")) +
       "</th><th scope=\"col\">" + escape(t.text("col.attempts")) + "</th><th scope=\"col\">" +
       escape(t.text("col.case")) + "</th></tr></thead><tbody>\n";
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {  // newest first
    const OutboxEntry& e = *it;
    h += "<tr>";
    h += td(t, "col.sent", escape(format_local_time(e.created_ms)));
    h += td(t, "col.type", "<a href=\"/message/" + url_encode(e.id) + "\">" + escape(label_or_raw(t, "type.", e.type)) +
                               "</a><br><span class=\"muted\">" +
                               escape(label_or_raw(t, "outbox.origin.", e.origin)) + "</span>");
    h += td(t, "col.topic", escape(e.topic));
    std::string st = badge(e.status, label_or_raw(t, "status.", e.status));
    if (e.status == "refused") st += "<br>" + escape(t.text(refusal_key(t, e.reason)));
    h += td(t, "col.status", st);
    h += td(t, "col.receipt", e.status == "logged"
                                  ? "<a href=\"/receipt/" + url_encode(e.id) + "\" download>" +
                                        escape(t.format("outbox.receipt", {{"seq", std::to_string(e.seq)}})) + "</a>"
                                  : std::string());
    h += td(t, "col.attempts", std::to_string(e.attempts));
    h += td(t, "col.case", e.case_ref.empty() ? std::string()
                                              : "<a href=\"/case/" + url_encode(e.case_ref) + "\">" +
                                                    escape(e.case_ref) + "</a>");
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

std::string case_main(const Catalog& t, const std::string& case_ref, const std::vector<CaseRow>& rows) {
  std::string h = "<h1>" + escape(t.format("case.title", {{"ref", case_ref}})) + "</h1>\n";
  if (rows.empty()) return h + "<p>" + escape(t.text("case.empty")) + "</p>\n";
  h += "<table class=\"list\"><thead><tr><th scope=\"col\">" + escape(t.text("col.time")) + "</th><th scope=\"col\">" +
       escape(t.text("col.direction")) + "</th><th scope=\"col\">" + escape(t.text("col.type")) +
       "</th><th scope=\"col\">" + escape(t.text("col.from")) + "</th><th scope=\"col\">" +
       escape(t.text("col.status")) + "</th></tr></thead><tbody>\n";
  for (const auto& r : rows) {
    h += "<tr>";
    h += td(t, "col.time", escape(format_local_time(r.time_ms)));
    h += td(t, "col.direction", escape(t.text(r.sent ? "case.sent" : "case.received")));
    std::string type_html =
        "<a href=\"/message/" + url_encode(r.id) + "\">" + escape(label_or_raw(t, "type.", r.type)) + "</a>";
    if (!r.answer.empty()) type_html += " — " + escape(label_or_raw(t, "choice.", r.answer));
    h += td(t, "col.type", type_html);
    h += td(t, "col.from", escape(r.party));
    h += td(t, "col.status", escape(label_or_raw(t, "status.", r.status)));
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

std::string journal_main(const Catalog& t, const std::vector<JournalEntry>& entries) {
  std::string h = "<h1>" + escape(t.text("journal.title")) + "</h1>\n";
  if (entries.empty()) return h + "<p>" + escape(t.text("journal.empty")) + "</p>\n";
  h += "<table class=\"list\"><thead><tr><th scope=\"col\">" + escape(t.text("col.time")) + "</th><th scope=\"col\">" +
       escape(t.text("col.user")) + "</th><th scope=\"col\">" + escape(t.text("col.action")) +
       "</th><th scope=\"col\">" + escape(t.text("col.object")) + "</th></tr></thead><tbody>\n";
  for (const auto& e : entries) {
    h += "<tr>";
    h += td(t, "col.time", escape(format_local_time(e.ts_ms)));
    h += td(t, "col.user", escape(e.user) + " <span class=\"muted\">" + escape(e.address) + "</span>");
    h += td(t, "col.action", escape(label_or_raw(t, "journal.action.", e.action)));
    h += td(t, "col.object", escape(e.object));
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

std::string error_main(const Catalog& t, const std::string& key) {
  return "<h1>" + escape(t.text("error.title")) + "</h1>\n<p class=\"notice error\" role=\"alert\">" +
         escape(t.text(key)) + "</p>\n<p><a href=\"/inbox\">" + escape(t.text("error.back")) + "</a></p>\n";
}

}  // namespace relais::desk
