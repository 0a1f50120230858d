#include "desk/page_frame.h"

#include <ctime>

#include "desk/html.h"

namespace relais::desk {

std::string format_local_time(int64_t ms) {
  if (ms <= 0) return {};
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d/%m/%Y %H:%M", &tm);
  return buf;
}

std::string size_text(const Catalog& t, uint64_t bytes) {
  if (bytes < 1024) return t.format("size.bytes", {{"n", std::to_string(bytes)}});
  const bool mib = bytes >= (1u << 20);
  const uint64_t unit = mib ? (1u << 20) : 1024;
  const uint64_t tenths = (bytes * 10 + unit / 2) / unit;
  std::string n = std::to_string(tenths / 10);
  if (tenths % 10 != 0) n += (t.lang() == "fr" ? "," : ".") + std::to_string(tenths % 10);
  return t.format(mib ? "size.mib" : "size.kib", {{"n", n}});
}

std::string csrf_field(const std::string& token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(token) + "\">";
}

std::string render_page(const PageContext& ctx, const std::string& title, const std::string& main_html,
                        const PageOptions& options) {
  const Catalog& t = *ctx.t;
  std::string h;
  h.reserve(main_html.size() + 4096);
  h += "<!DOCTYPE html>\n<html lang=\"" + escape(t.lang()) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + escape(title) + " · " + escape(t.text("app.name")) + "</title>\n";
  h += "<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">\n";
  h += "<link rel=\"stylesheet\" href=\"/assets/desk.css\">\n";
  if (!options.stylesheet.empty())
    h += "<link rel=\"stylesheet\" href=\"/assets/" + escape(options.stylesheet) + "\">\n";
  if (options.refresh || options.script) h += "<script src=\"/assets/desk.js\" defer></script>\n";
  h += "</head>\n<body>\n<a class=\"skip\" href=\"#main\">" + escape(t.text("nav.skip")) + "</a>\n";
  h += "<header class=\"top\">\n<a class=\"brand\" href=\"/inbox\">" + escape(t.text("app.name")) + "</a>\n";
  if (ctx.session) {
    h += "<nav aria-label=\"" + escape(t.text("app.name")) + "\"><ul>";
    h += "<li><a href=\"/inbox\">" + escape(t.text("nav.inbox")) + "</a></li>";
    h += "<li><a href=\"/outbox\">" + escape(t.text("nav.outbox")) + "</a></li>";
    if (ctx.session->role != "viewer")
      h += "<li><a href=\"/compose\" id=\"nav-compose\">" + escape(t.text("nav.compose")) + "</a></li>";
    if (ctx.dashboard) h += "<li><a href=\"/report\">" + escape(t.text("nav.report")) + "</a></li>";
    if (ctx.session->role == "admin") h += "<li><a href=\"/journal\">" + escape(t.text("nav.journal")) + "</a></li>";
    h += "</ul></nav>\n";
    h += "<span class=\"who\">" +
         escape(t.format("nav.signed_in", {{"user", ctx.session->user}, {"role", t.text("role." + ctx.session->role)}})) +
         "</span>\n";
  }
  // The language switch: a form (it sets a cookie), so it carries the token.
  h += "<form method=\"post\" action=\"/lang\">" + csrf_field(ctx.csrf) +
       "<input type=\"hidden\" name=\"to\" value=\"" + (t.lang() == "fr" ? "en" : "fr") + "\">" +
       "<input type=\"hidden\" name=\"back\" value=\"" + escape(ctx.path) + "\">" +
       "<button type=\"submit\" lang=\"" + (t.lang() == "fr" ? "en" : "fr") + "\">" + escape(t.text("nav.language")) +
       "</button></form>\n";
  if (ctx.session)
    h += "<form method=\"post\" action=\"/logout\">" + csrf_field(ctx.csrf) + "<button type=\"submit\">" +
         escape(t.text("nav.logout")) + "</button></form>\n";
  h += "</header>\n<main id=\"main\"";
  if (options.refresh) h += " data-refresh=\"10\" data-etag=\"" + escape(options.etag) + "\"";
  h += ">\n" + main_html + "\n</main>\n</body>\n</html>\n";
  return h;
}

}  // namespace relais::desk
