#include "desk/compose_page.h"

#include <algorithm>
#include <set>

#include "desk/html.h"
#include "desk/page_frame.h"

namespace relais::desk {
namespace {

std::string value_of(const ComposeView& v, const std::string& name) {
  auto it = v.values.find(name);
  return it == v.values.end() ? std::string() : it->second;
}

const FieldError* error_of(const ComposeView& v, const std::string& pointer) {
  for (const auto& e : v.errors)
    if (e.pointer == pointer) return &e;
  return nullptr;
}

std::string option(const std::string& value, const std::string& label, const std::string& current,
                   const std::string& extra = "") {
  return "<option value=\"" + escape(value) + "\"" + extra + (value == current ? " selected" : "") + ">" +
         escape(label) + "</option>";
}

// Required for the person filling the form: required in its object, and
// every enclosing object required too (rows never are).
bool shown_required(const ComposeForm& form, const FormField& f) {
  if (!f.required) return false;
  for (const auto& g : f.groups) {
    const FormGroup* grp = form.group(g);
    if (grp == nullptr || !grp->required || grp->row) return false;
  }
  return true;
}

std::string control(const Catalog& t, const ComposeView& v, const FormField& f, const std::string& id,
                    const std::string& described, bool invalid) {
  const std::string cur = value_of(v, f.pointer);
  std::string attrs = " id=\"" + id + "\" name=\"" + escape(f.pointer) + "\"";
  if (!described.empty()) attrs += " aria-describedby=\"" + described + "\"";
  if (invalid) attrs += " aria-invalid=\"true\"";
  const std::string choose = option("", t.text("compose.choose"), cur);
  switch (f.kind) {
    case FieldKind::kTextarea:
    case FieldKind::kLines:
      return "<textarea" + attrs + " rows=\"4\"" +
             (f.max_length > 0 ? " maxlength=\"" + std::to_string(f.max_length) + "\"" : std::string()) + ">" +
             escape(cur) + "</textarea>";
    case FieldKind::kChoice: {
      std::string h = "<select" + attrs + ">" + choose;
      for (const auto& c : f.choices) h += option(c, choice_label(t, f.name, c), cur);
      return h + "</select>";
    }
    case FieldKind::kYesNo:
      return "<select" + attrs + ">" + choose + option("yes", t.text("value.yes"), cur) +
             option("no", t.text("value.no"), cur) + "</select>";
    case FieldKind::kInteger: {
      if (!f.choices.empty()) {
        std::string h = "<select" + attrs + ">" + choose;
        for (const auto& c : f.choices) h += option(c, choice_label(t, f.name, c), cur);
        return h + "</select>";
      }
      return "<input type=\"text\" inputmode=\"numeric\" class=\"number\"" + attrs + " value=\"" + escape(cur) + "\">";
    }
    case FieldKind::kDate:
      return "<input type=\"date\"" + attrs + " value=\"" + escape(cur) + "\">";
    case FieldKind::kDateTime:
      return "<input type=\"datetime-local\"" + attrs + " value=\"" + escape(cur) + "\">";
    case FieldKind::kCell:
      return "<input type=\"text\" inputmode=\"numeric\" class=\"cell\" autocomplete=\"off\"" + attrs + " value=\"" +
             escape(cur) + "\">";
    case FieldKind::kRegion: {
      std::string h = "<select data-region-select" + attrs + ">" + choose;
      std::set<std::string> seen;
      if (v.dir)
        for (const auto& p : v.dir->locations.prefectures())
          if (seen.insert(p.region).second) h += option(p.region, p.region_name, cur);
      return h + "</select>";
    }
    case FieldKind::kPrefecture: {
      const std::string region_pointer = f.pointer.substr(0, f.pointer.rfind('/')) + "/region";
      std::string h = "<select data-follows=\"" + input_id(region_pointer) + "\"" + attrs + ">" + choose;
      std::string group;
      if (v.dir)
        for (const auto& p : v.dir->locations.prefectures()) {
          if (p.region != group) {
            if (!group.empty()) h += "</optgroup>";
            group = p.region;
            h += "<optgroup label=\"" + escape(p.region_name) + "\" data-region=\"" + escape(p.region) + "\">";
          }
          h += option(p.slug, p.name, cur, " data-region=\"" + escape(p.region) + "\"");
        }
      if (!group.empty()) h += "</optgroup>";
      return h + "</select>";
    }
    case FieldKind::kParticipant: {
      std::string h = "<select" + attrs + ">" + choose;
      if (v.dir)
        for (const auto& p : v.dir->participants) h += option(p, p, cur);
      return h + "</select>";
    }
    case FieldKind::kChoices:
      break;  // check boxes: field_html
    case FieldKind::kText:
      break;
  }
  return "<input type=\"text\"" + attrs + " value=\"" + escape(cur) + "\"" +
         (f.max_length > 0 ? " maxlength=\"" + std::to_string(f.max_length) + "\"" : std::string()) + ">";
}

std::string field_html(const Catalog& t, const ComposeView& v, const FormField& f) {
  const std::string id = input_id(f.pointer);
  const std::string help = field_help(t, f.key);
  const FieldError* err = error_of(v, f.pointer);
  std::string described;
  if (!help.empty()) described = "h" + id.substr(1);
  if (err) described += std::string(described.empty() ? "" : " ") + "e" + id.substr(1);
  const std::string req = shown_required(*v.form, f)
                              ? " <span class=\"req\" aria-hidden=\"true\">*</span><span class=\"sr\">" +
                                    escape(t.text("compose.required")) + "</span>"
                              : std::string();
  std::string h = std::string("<div class=\"field") + (err ? " has-error" : "") + (f.kind == FieldKind::kCell ? " cell" : "") +
                  "\" id=\"w" + id.substr(1) + "\">";
  std::string help_html = help.empty() ? std::string() : "<p class=\"help\" id=\"h" + id.substr(1) + "\">" + escape(help) + "</p>";
  std::string err_html = err ? "<p class=\"field-error\" id=\"e" + id.substr(1) + "\">" + escape(error_text(t, *err)) + "</p>"
                             : std::string();
  if (f.kind == FieldKind::kChoices) {
    h += "<fieldset class=\"choices\" id=\"" + id + "\"" +
         (described.empty() ? std::string() : " aria-describedby=\"" + described + "\"") + "><legend>" +
         escape(field_label(t, f)) + req + "</legend>" + help_html + err_html;
    for (const auto& c : f.choices) {
      const std::string name = f.pointer + "/" + c;
      const bool on = !value_of(v, name).empty();
      h += "<label class=\"check\"><input type=\"checkbox\" name=\"" + escape(name) + "\" value=\"1\"" +
           (on ? " checked" : "") + "> " + escape(choice_label(t, f.name, c)) + "</label>";
    }
    return h + "</fieldset></div>\n";
  }
  h += "<label for=\"" + id + "\">" + escape(field_label(t, f)) + req + "</label>" + help_html + err_html;
  h += control(t, v, f, id, described, err != nullptr);
  return h + "</div>\n";
}

// The file input of a form whose type takes attachments. Files never come
// back with a form (a browser does not let a page fill a file input), nor go
// into drafts: the help says so.
std::string files_html(const Catalog& t, const ComposeView& v) {
  const FieldError* err = error_of(v, "/attachments");
  std::string described = "h_attachments";
  if (err) described += " e_attachments";
  std::string h = "<fieldset class=\"group\" id=\"g_attachments\"><legend>" + escape(t.text("compose.attachments")) +
                  "</legend>";
  h += std::string("<div class=\"field") + (err ? " has-error" : "") + "\" id=\"w_attachments\">";
  h += "<label for=\"f_attachments\">" + escape(t.text("compose.attachments")) + "</label>";
  h += "<p class=\"help\" id=\"h_attachments\">" + escape(t.text("compose.attachments.help")) + " " +
       escape(t.text("compose.attachments.not_in_drafts")) + "</p>";
  if (err) h += "<p class=\"field-error\" id=\"e_attachments\">" + escape(error_text(t, *err)) + "</p>";
  if (v.files_dropped) h += "<p class=\"notice\">" + escape(t.text("compose.attachments.choose_again")) + "</p>";
  h += "<input type=\"file\" id=\"f_attachments\" name=\"attachments\" multiple aria-describedby=\"" + described +
       "\"" + (err ? " aria-invalid=\"true\"" : "") + ">";
  return h + "</div></fieldset>\n";
}

std::string today_help(const Catalog& t, const std::string& key) {
  const std::string h = field_help(t, key);
  return h.empty() ? std::string() : "<p class=\"explain\">" + escape(h) + "</p>";
}

}  // namespace

std::string input_id(const std::string& pointer) {
  std::string id = "f";
  for (char c : pointer) id += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return id;
}

std::string compose_main(const Catalog& t, const ComposeView& v) {
  const ComposeForm& form = *v.form;
  std::string h = "<h1>" + escape(t.format("compose.title", {{"type", t.text("type." + form.type)}})) + "</h1>\n";
  if (!v.notice_key.empty()) h += "<p class=\"notice\" role=\"status\">" + escape(t.text(v.notice_key)) + "</p>\n";
  if (v.answering) {
    const StoredMessage& m = *v.answering;
    h += "<p class=\"notice\">" +
         escape(t.format("compose.answering", {{"type", t.text("type." + m.type)}, {"sender", m.sender}})) +
         " · <a href=\"/message/" + url_encode(m.id) + "\">" + escape(t.text("message.reply_to_link")) + "</a>";
    if (!m.case_ref.empty())
      h += " · " + escape(t.format("compose.case", {{"ref", m.case_ref}}));
    h += "</p>\n";
  }
  if (!v.errors.empty()) {
    h += "<div class=\"notice error\" role=\"alert\" id=\"form-errors\"><p>" +
         escape(t.format("compose.errors", {{"n", std::to_string(v.errors.size())}})) + "</p><ul>";
    for (const auto& e : v.errors) {
      const FormField* f = form.field(e.pointer);
      h += "<li>";
      if (f) h += "<a href=\"#" + input_id(f->pointer) + "\">" + escape(field_label(t, *f)) + "</a> : ";
      if (e.pointer == "/attachments")
        h += "<a href=\"#f_attachments\">" + escape(t.text("compose.attachments")) + "</a> : ";
      h += escape(error_text(t, e)) + "</li>";
    }
    h += "</ul></div>\n";
  }
  h += today_help(t, "#" + form.type);
  const bool files = takes_attachments(form.type);
  h += "<form method=\"post\" class=\"compose\" novalidate action=\"" + escape(v.action) + "\"" +
       (files ? " enctype=\"multipart/form-data\"" : "") + ">" + csrf_field(v.csrf);
  h += "<input type=\"hidden\" name=\"draft\" value=\"" + escape(v.draft_id) + "\">";
  h += "<p class=\"muted\">" + escape(t.text("compose.required_note")) + "</p>\n";
  // The envelope: urgency and handling code.
  h += "<fieldset class=\"group\"><legend>" + escape(t.text("compose.envelope")) + "</legend>";
  h += "<div class=\"field\"><label for=\"f_urgency\">" + escape(t.text("message.field.urgency")) +
       "</label><p class=\"help\" id=\"h_urgency\">" + escape(t.text("help.urgency")) +
       "</p><select id=\"f_urgency\" name=\"urgency\" aria-describedby=\"h_urgency\">";
  for (const char* u : {"routine", "urgent", "immediate"}) h += option(u, t.text(std::string("urgency.") + u), v.urgency);
  h += "</select></div>";
  h += "<div class=\"field\"><label for=\"f_handling\">" + escape(t.text("message.field.handling")) +
       "</label><p class=\"help\" id=\"h_handling\">" + escape(t.text("help.handling")) +
       "</p><select id=\"f_handling\" name=\"handling\" aria-describedby=\"h_handling\">";
  for (const char* c : {"H0", "H1", "H2", "H3"}) h += option(c, t.text(std::string("handling.") + c), v.handling);
  h += "</select></div></fieldset>\n";
  std::vector<std::string> open;
  for (const auto& f : form.fields) {
    while (!open.empty() && std::find(f.groups.begin(), f.groups.end(), open.back()) == f.groups.end()) {
      h += "</fieldset>\n";
      open.pop_back();
    }
    for (size_t i = open.size(); i < f.groups.size(); ++i) {
      const FormGroup* g = form.group(f.groups[i]);
      h += std::string("<fieldset class=\"group") + (g && g->row ? " row" : "") + "\" id=\"g" +
           input_id(f.groups[i]).substr(1) + "\"><legend>" + escape(g ? group_label(t, *g) : f.groups[i]) +
           "</legend>";
      if (g && !g->row) h += today_help(t, g->key);
      open.push_back(f.groups[i]);
    }
    h += field_html(t, v, f);
  }
  while (!open.empty()) {
    h += "</fieldset>\n";
    open.pop_back();
  }
  if (files) h += files_html(t, v);
  h += "<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"action\" value=\"send\" id=\"send\">" +
       escape(t.text("compose.send")) + "</button> <button type=\"submit\" name=\"action\" value=\"save\" id=\"save\">" +
       escape(t.text("compose.save")) + "</button></div>\n</form>\n";
  return h;
}

std::string compose_index_main(const Catalog& t, const std::vector<Store::Draft>& drafts, const std::string& csrf) {
  std::string h = "<h1>" + escape(t.text("compose.index.title")) + "</h1>\n<ul class=\"compose-types\">";
  for (const char* type : {"alert", "referral", "statistics-report"})
    h += "<li><a href=\"/compose/" + std::string(type) + "\" id=\"new-" + type + "\">" +
         escape(t.text(std::string("type.") + type)) + "</a> <span class=\"muted\">" +
         escape(t.text(std::string("compose.index.") + type)) + "</span></li>";
  h += "</ul>\n<p class=\"muted\">" + escape(t.text("compose.index.answers")) + "</p>\n";
  h += "<h2>" + escape(t.text("compose.drafts")) + "</h2>\n";
  if (drafts.empty()) return h + "<p>" + escape(t.text("compose.drafts.none")) + "</p>\n";
  h += "<table class=\"list\"><thead><tr><th scope=\"col\">" + escape(t.text("col.type")) + "</th><th scope=\"col\">" +
       escape(t.text("compose.drafts.saved")) + "</th><th scope=\"col\"></th></tr></thead><tbody>";
  for (const auto& d : drafts) {
    const std::string href = d.reply_to.empty()
                                 ? "/compose/" + url_encode(d.type) + "?draft=" + url_encode(d.id)
                                 : "/message/" + url_encode(d.reply_to) + "/answer/" + url_encode(d.type) +
                                       "?draft=" + url_encode(d.id);
    h += "<tr><td><a href=\"" + escape(href) + "\">" + escape(t.text("type." + d.type)) + "</a></td><td>" +
         escape(format_local_time(d.updated_ms)) + "</td><td><form method=\"post\" action=\"/drafts/" +
         url_encode(d.id) + "/delete\">" + csrf_field(csrf) + "<button type=\"submit\">" +
         escape(t.text("compose.drafts.delete")) + "</button></form></td></tr>";
  }
  return h + "</tbody></table>\n";
}

FormValues default_values(const ComposeForm& form, const ComposeDirectory& dir, const std::string& today,
                          const std::string& now_local, const std::string& token) {
  FormValues v;
  for (const auto& f : form.fields) {
    bool in_row = false;
    for (const auto& g : f.groups)
      if (const FormGroup* grp = form.group(g); grp && grp->row) in_row = true;
    if (in_row) continue;
    if (f.kind == FieldKind::kCell && shown_required(form, f)) v[f.pointer] = "0";
    if (f.kind == FieldKind::kRegion && !dir.region.empty()) v[f.pointer] = dir.region;
    if (f.kind == FieldKind::kPrefecture && !dir.prefecture.empty()) v[f.pointer] = dir.prefecture;
    if (f.kind == FieldKind::kDateTime && f.pointer == "/observed_at") v[f.pointer] = now_local;
    if (f.pointer == "/consent/date") v[f.pointer] = today;
  }
  if (form.type == "referral") v["/referral_id"] = "ref-" + today + "-" + token;
  if (form.type == "statistics-report") {
    // The month before this one, a report's usual period.
    int y = std::stoi(today.substr(0, 4)), m = std::stoi(today.substr(5, 2)) - 1;
    if (m == 0) {
      m = 12;
      --y;
    }
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = kDays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
    const auto two = [](int n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
    const std::string start = std::to_string(y) + "-" + two(m) + "-01";
    const std::string end = std::to_string(y) + "-" + two(m) + "-" + two(last);
    v["/period/start"] = start;
    v["/period/end"] = end;
    v["/report_id"] = (dir.prefecture.empty() ? std::string("report") : dir.prefecture) + "-" + start.substr(0, 7) + "-" + token;
  }
  return v;
}

}  // namespace relais::desk
