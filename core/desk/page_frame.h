// PageFrame: the frame around every desk page (the language attribute, the
// header with navigation, the signed-in user, the language switch and the
// logout button, a skip link for keyboard users), and the small formatting
// helpers pages share. Everything given as text is escaped here or by the
// caller through desk/html.h; `main_html` is HTML the page built that way.
// Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "desk/catalog.h"
#include "desk/session_table.h"

namespace relais::desk {

struct PageContext {
  const Catalog* t = nullptr;          // the language of the page
  std::optional<Session> session;      // nullopt on the login page
  std::string csrf;                    // the token forms on this page carry
  std::string path;                    // the request path (for the language switch's return)
  bool dashboard = false;              // the deployment offers the indicators page (nav link)
};

struct PageOptions {
  bool refresh = false;   // a list page refreshed every 10 s (desk.js, ETag/304)
  std::string etag;       // with refresh: the page's ETag, for desk.js
  bool script = false;    // a page that needs desk.js without refreshing (the compose forms)
  std::string stylesheet; // a second embedded stylesheet ("report.css"), or empty
};

// The whole HTML document.
std::string render_page(const PageContext& ctx, const std::string& title, const std::string& main_html,
                        const PageOptions& options = {});

// "30/11/2026 14:05" in the machine's local time zone (empty for 0).
std::string format_local_time(int64_t ms);

// A file size in words, in the catalog's language: "830 octets",
// "1,5 Kio", "12,3 Mio" ("12.3 MiB" in English).
std::string size_text(const Catalog& t, uint64_t bytes);

// A hidden CSRF field for a form.
std::string csrf_field(const std::string& token);

}  // namespace relais::desk
