#include "desk/referral_actions.h"

#include "desk/compose_form.h"
#include "desk/html.h"
#include "desk/page_frame.h"

namespace relais::desk {

std::string duration_text(const Catalog& t, int64_t ms) {
  if (ms < 0) ms = 0;
  const int64_t minutes = ms / 60000, hours = minutes / 60, days = hours / 24;
  if (days > 0) return t.format("duration.days", {{"d", std::to_string(days)}, {"h", std::to_string(hours % 24)}});
  char mm[8];
  std::snprintf(mm, sizeof mm, "%02d", static_cast<int>(minutes % 60));
  return t.format("duration.hours", {{"h", std::to_string(hours)}, {"m", mm}});
}

std::string with_actions(const std::string& main_html, const std::string& block) {
  if (block.empty()) return main_html;
  const std::string mark = "</h1>\n";
  const size_t at = main_html.find(mark);
  if (at == std::string::npos) return block + main_html;
  return main_html.substr(0, at + mark.size()) + block + main_html.substr(at + mark.size());
}

std::string received_actions_html(const Catalog& t, const StoredMessage& m, bool can_write, const std::string& csrf,
                                  int64_t now_ms, int64_t overdue_after_ms) {
  std::string h;
  const bool open = m.status != "answered" && m.status != "expired";
  if (m.type == "referral" && open) {
    const int64_t waited = now_ms - m.received_ms;
    const bool overdue = overdue_after_ms > 0 && waited > overdue_after_ms;
    h += std::string("<p class=\"notice") + (overdue ? " error" : "") + "\" id=\"waiting\">" +
         escape(t.format("referral.waiting", {{"duration", duration_text(t, waited)}}));
    if (overdue)
      h += " <span class=\"badge overdue\">" + escape(t.text("inbox.overdue")) + "</span> " +
           escape(t.format("referral.deadline", {{"duration", duration_text(t, overdue_after_ms)}}));
    h += "</p>\n";
  }
  if (!can_write || m.status == "expired") return h;
  const std::string base = "/message/" + url_encode(m.id) + "/answer/";
  if (m.type == "referral") {
    h += "<section class=\"actions\" aria-labelledby=\"actions-title\"><h2 id=\"actions-title\">" +
         escape(t.text("referral.actions")) + "</h2>\n";
    h += "<form method=\"post\" action=\"" + base + "referral-response\" class=\"inline\">" + csrf_field(csrf) +
         "<input type=\"hidden\" name=\"/status\" value=\"accepted\"><input type=\"hidden\" name=\"urgency\" value=\"" +
         escape(m.urgency) + "\"><button type=\"submit\" class=\"primary\" name=\"action\" value=\"send\" id=\"accept\">" +
         escape(t.text("referral.accept")) + "</button></form>\n";
    h += "<form method=\"post\" action=\"" + base + "referral-response\" class=\"stack refuse\">" + csrf_field(csrf) +
         "<input type=\"hidden\" name=\"/status\" value=\"rejected\"><input type=\"hidden\" name=\"urgency\" value=\"" +
         escape(m.urgency) + "\"><label for=\"refuse-reason\">" + escape(t.text("referral.refuse_reason")) +
         "</label><p class=\"help\" id=\"refuse-help\">" + escape(t.text("referral.refuse_help")) +
         "</p><textarea id=\"refuse-reason\" name=\"/rejected_reason\" rows=\"3\" maxlength=\"2000\" "
         "aria-describedby=\"refuse-help\"></textarea><button type=\"submit\" name=\"action\" value=\"send\" "
         "id=\"refuse\">" +
         escape(t.text("referral.refuse")) + "</button></form>\n<p>";
    h += "<a href=\"" + base + "referral-response\" id=\"answer-other\">" + escape(t.text("referral.other_answer")) +
         "</a>";
    if (!m.case_ref.empty())
      h += " · <a href=\"" + base + "case-update\" id=\"add-case-update\">" + escape(t.text("referral.case_update")) +
           "</a>";
    return h + "</p></section>\n";
  }
  if (!m.case_ref.empty())
    h += "<p class=\"actions\"><a href=\"" + base + "case-update\" id=\"add-case-update\">" +
         escape(t.text("referral.case_update")) + "</a></p>\n";
  return h;
}

std::string sent_referral_html(const Catalog& t, const OutboxEntry& e, int64_t now_ms) {
  if (e.type != "referral") return {};
  std::string h = "<p class=\"notice\" id=\"referral-state\">";
  if (!e.answer_status.empty()) {
    h += escape(t.format("referral.answered", {{"status", choice_label(t, "status", e.answer_status)}}));
  } else {
    h += escape(t.format("referral.unanswered", {{"duration", duration_text(t, now_ms - e.created_ms)}}));
  }
  if (!e.escalation_id.empty())
    h += " <span class=\"badge overdue\">" + escape(t.text("referral.escalated")) + "</span> <a href=\"/message/" +
         url_encode(e.escalation_id) + "\">" + escape(t.text("referral.escalation_link")) + "</a>";
  else if (e.escalate_at_ms > 0 && e.answer_status != "accepted" && e.answer_status != "rejected")
    h += " " + escape(t.format("referral.escalates_at", {{"time", format_local_time(e.escalate_at_ms)}}));
  return h + "</p>\n";
}

}  // namespace relais::desk
