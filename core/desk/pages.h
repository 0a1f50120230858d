// The desk's pages, each a pure function from what it shows to the HTML of
// its <main> (desk/page_frame.h wraps it). They read no store and no clock:
// desk/desk_server.cpp fetches the rows and passes them in, so each page can
// be tested on its own. Every value is escaped (desk/html.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "desk/account_store.h"
#include "desk/catalog.h"
#include "store/store.h"

namespace relais::desk {

// The login form; `notice_key` (a catalog key, or empty) is shown above it
// as an error when `error`, else as a notice; `values` fill its placeholders.
std::string login_main(const Catalog& t, const std::string& csrf, const std::string& user,
                       const std::string& notice_key, bool error, const std::map<std::string, std::string>& values = {});

struct InboxQuery {
  std::string type, urgency, status, case_ref;
};
struct InboxRow {
  StoredMessage message;
  bool overdue = false;
};
std::string inbox_main(const Catalog& t, const InboxQuery& q, const std::vector<InboxRow>& rows);

std::string outbox_main(const Catalog& t, const std::vector<OutboxEntry>& entries);

struct CaseRow {
  bool sent = false;
  std::string id, type, topic, party, status;
  int64_t time_ms = 0;
  std::string answer;  // a received referral-response: its status ("accepted", ...)
};
std::string case_main(const Catalog& t, const std::string& case_ref, const std::vector<CaseRow>& rows);

std::string journal_main(const Catalog& t, const std::vector<JournalEntry>& entries);

// One file of a message, as its page lists it.
struct AttachmentRow {
  std::string name, media_type;
  uint64_t size = 0;
};

// A message's files as a list of downloads, /message/ID/attachments/N (N
// from 1), each with its type and size in words, under a note that they
// never open in the desk. Empty when there are none.
std::string attachments_html(const Catalog& t, const std::string& message_id, const std::vector<AttachmentRow>& files);
// The rows of a document's "attachments" list (what the sender listed and
// the receiving agent checked against the files); none when absent.
std::vector<AttachmentRow> attachment_rows(const nlohmann::json& document);

// One received message: its routing fields (labelled), the handling code
// explained, the sender and its signature state, then the body as labelled
// fields (its list of attachments as downloads, attachments_html). `opened`
// is the JSON the store kept (the object subscribe prints).
// With `can_write` (a caseworker or an admin) it offers "mark as handled"
// (a form carrying `csrf`).
std::string message_main(const Catalog& t, const StoredMessage& m, const nlohmann::json& opened, bool can_write,
                         const std::string& csrf);
// A sent message (outbox entry) with its document and its files.
std::string sent_message_main(const Catalog& t, const OutboxEntry& e, const nlohmann::json& document,
                              const std::vector<AttachmentRow>& files = {});

// The indicators page's form (GET /report: from, to, by) above the
// dashboard (`report_html`, built by the report library); `error_key` (a
// catalog key, or empty) is shown as an error above the form.
std::string dashboard_form_main(const Catalog& t, const std::string& from, const std::string& to,
                                const std::string& by, const std::string& error_key, const std::string& report_html);

// An error page's main: a catalog key and a link back to the inbox.
std::string error_main(const Catalog& t, const std::string& key);

// The catalog key for an outbox refusal reason ("refusal.<code>", from the
// "<code>: text" form the service stores; "refusal.other" otherwise).
std::string refusal_key(const Catalog& t, const std::string& reason);

}  // namespace relais::desk
