// The desk's compose pages, pure functions from what they show to the HTML
// of their <main> (desk/page_frame.h wraps it), like desk/pages.h:
//   compose_index_main  what can be written, and the user's drafts;
//   compose_main        one form (desk/compose_form.h), its values, its
//                       errors next to their fields (and listed on top, with
//                       links to the fields), the envelope's urgency and
//                       handling code, a file input for the types that take
//                       attachments (the form is then multipart/form-data),
//                       and the send / save-draft buttons.
// The prefecture list follows the region with desk.js; without JavaScript
// every prefecture is listed under its region and the server checks the pair.
// Every value is escaped (desk/html.h).
#pragma once

#include <string>
#include <vector>

#include "desk/catalog.h"
#include "desk/compose_form.h"
#include "store/store.h"

namespace relais::desk {

struct ComposeView {
  const ComposeForm* form = nullptr;
  const ComposeDirectory* dir = nullptr;
  FormValues values;               // what the fields show
  std::vector<FieldError> errors;  // from check_form (or the sending)
  std::string csrf;
  std::string action;              // where the form posts
  std::string draft_id;            // the draft being edited (empty: none yet)
  std::string urgency = "routine", handling = "H2";
  const StoredMessage* answering = nullptr;  // the message answered, for answers
  std::string notice_key;          // a notice above the form ("compose.draft_saved"), or empty
  bool files_dropped = false;      // files were chosen but the form came back without them
};

std::string compose_main(const Catalog& t, const ComposeView& v);

// The input id of a field's pointer ("/location/region" -> "f_location_region").
std::string input_id(const std::string& pointer);

std::string compose_index_main(const Catalog& t, const std::vector<Store::Draft>& drafts, const std::string& csrf);

// The values a new form starts with: counts of a statistics report 0, the
// agency's own region and prefecture, today's date for dates, now for the
// time observed, and the ids the desk proposes (`token`: a few random
// characters). `today` is YYYY-MM-DD and `now_local` YYYY-MM-DDTHH:MM.
FormValues default_values(const ComposeForm& form, const ComposeDirectory& dir, const std::string& today,
                          const std::string& now_local, const std::string& token);

}  // namespace relais::desk
