#include "desk/html.h"
#include "desk/pages.h"

namespace relais::desk {

std::string dashboard_form_main(const Catalog& t, const std::string& from, const std::string& to,
                                const std::string& by, const std::string& error_key, const std::string& report_html) {
  std::string h;
  h.reserve(report_html.size() + 2048);
  h += "<h1>" + escape(t.text("report.title")) + "</h1>\n";
  if (!error_key.empty()) h += "<p class=\"error\" role=\"alert\">" + escape(t.text(error_key)) + "</p>\n";
  h += "<form method=\"get\" action=\"/report\" class=\"filters\">\n<fieldset><legend>" +
       escape(t.text("report.form.legend")) + "</legend>\n";
  h += "<label>" + escape(t.text("report.form.from")) +
       " <input type=\"date\" name=\"from\" required value=\"" + escape(from) + "\"></label>\n";
  h += "<label>" + escape(t.text("report.form.to")) +
       " <input type=\"date\" name=\"to\" required value=\"" + escape(to) + "\"></label>\n";
  h += "<label>" + escape(t.text("report.form.by")) + " <select name=\"by\">";
  for (const char* d : {"region", "prefecture", "month"}) {
    h += "<option value=\"" + std::string(d) + "\"" + (by == d ? " selected" : "") + ">" +
         escape(t.text(std::string("report.group.") + d)) + "</option>";
  }
  h += "</select></label>\n<button type=\"submit\">" + escape(t.text("report.form.show")) +
       "</button>\n</fieldset>\n</form>\n";
  h += report_html;
  return h;
}

}  // namespace relais::desk
