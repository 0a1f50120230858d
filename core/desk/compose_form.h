// ComposeForm: the desk's form for writing one document, generated from the
// document type's JSON Schema (the version `relais-agent send --type NAME`
// selects: statistics-report is statistics-report/2) and labelled from the
// catalogs, so a worker never sees JSON.
//
// Each field is one value of the document, named by its JSON Pointer
// ("/location/region"; rows of a table "/victims/0/count"). Its catalog keys
// use the pointer with row numbers as "*" ("/victims/*/count"):
//   label.<pointer>   the label (else field.<last token>, else the token)
//   help.<pointer>    a help text shown under the field
//   choice.<last token>.<value>, then choice.<value>: an enumeration's labels
// Objects become sections (label./help. of their pointer); arrays of
// enumerations become check boxes; arrays of objects a few rows, of which
// empty ones are left out; counts of a statistics report ("cells": 0, a count
// of 5 or more, or "suppressed") a text box; region and prefecture choices
// from the bundle's location table; a referral's to_org a participant of the
// bundle. Fields the desk fills itself are left out (`filled_by_desk`), and
// so is the "attachments" list of alert/2, referral/2 and case-update/2: the
// agent fills it from the files uploaded with the form (takes_attachments).
//
// The input of each field is named by its pointer (a check box: pointer "/"
// value). document_from() turns the submitted values into the document: empty
// values are left out, so the validator reports what is required; a value of
// the wrong shape is kept as text, so the validator reports it too.
// check_form() validates the document with the project's validator and the
// location and period rules of `relais-agent send`, and gives each error as
// a catalog key next to its field (never the validator's English, never a
// pattern). Pure functions; a form is immutable once built.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/body_format.h"
#include "desk/catalog.h"
#include "policy/locations.h"
#include "util/status.h"

namespace relais::desk {

enum class FieldKind {
  kText,        // a line of text
  kTextarea,    // longer text
  kChoice,      // one of an enumeration (a select)
  kChoices,     // several of an enumeration (check boxes); an array
  kYesNo,       // a boolean
  kInteger,     // a whole number
  kDate,        // YYYY-MM-DD
  kDateTime,    // a date and time (local), sent as RFC 3339 UTC
  kCell,        // a statistics count: 0, >= 5, or "suppressed"
  kLines,       // an array of short texts, one per line
  kRegion,      // a region of the location table
  kPrefecture,  // a prefecture of the location table (follows the region)
  kParticipant, // a participant of the bundle
};

struct FormField {
  std::string pointer;  // "/location/region", "/victims/0/count"
  std::string key;      // "/victims/*/count": the catalog key part
  std::string name;     // the last token: "count"
  FieldKind kind = FieldKind::kText;
  std::vector<std::string> choices;  // enumeration values, as text
  bool required = false;             // required within its object
  std::optional<int64_t> minimum, maximum;
  int64_t max_length = 0;            // 0: none
  int64_t min_length = 0;
  std::vector<std::string> groups;   // enclosing objects' pointers, outermost first
};

struct FormGroup {
  std::string pointer, key;
  bool required = false;  // required within its parent (a row: its table is)
  bool row = false;       // one row of a table (array of objects); rows themselves are optional
};

struct ComposeForm {
  std::string type;       // "alert"
  std::string versioned;  // "alert/1"
  std::vector<FormField> fields;
  std::vector<FormGroup> groups;
  const FormField* field(const std::string& pointer) const;
  const FormGroup* group(const std::string& pointer) const;
};

// The types a desk composes: alert, referral, statistics-report (new
// messages), referral-response and case-update (answers to a message).
bool composable(const std::string& type);
bool is_answer_type(const std::string& type);
// True when the type the desk composes travels in body format 2 (alert,
// referral, case-update): its form takes files.
bool takes_attachments(const std::string& type);

// The form of `type` from its embedded schema (Status::Usage for a type the
// desk does not compose).
Result<ComposeForm> build_form(const std::string& type);
// The same, built once per type and kept (thread-safe).
const ComposeForm* form_for(const std::string& type);

// Values as submitted: input name -> text.
using FormValues = std::map<std::string, std::string>;

// Where the rows of the document are in the form: "/victims/0" (the first
// row kept) -> "/victims/2" (the form's row it came from).
using RowMap = std::map<std::string, std::string>;

// The document the values make (see above); `rows`, when given, receives
// where each kept row came from.
nlohmann::json document_from(const ComposeForm& form, const FormValues& values, RowMap* rows = nullptr);

// What the desk knows of the bundle in force, for the forms and their checks.
struct ComposeDirectory {
  std::string self;              // this participant's name
  std::string region, prefecture;  // its card's, when set
  Locations locations;
  std::vector<std::string> participants;  // those a referral may go to (not self)
  uint64_t serial = 0;
};

// What the desk asks the service to queue (DeskDeps::send): a checked
// document, as `relais-agent send` (a new message, on `topic`) or `reply`
// (an answer to the received message `reply_to`) would queue it.
struct ComposeRequest {
  std::string type;      // "alert", ...
  std::string document;  // JSON text
  std::string topic;     // empty for an answer
  std::string urgency = "routine", handling = "H2";
  std::string reply_to;  // the received message answered; empty: a new message
  // Files uploaded with the form (takes_attachments types only): names
  // checked with check_attachment_name, media types from guess_media_type.
  std::vector<Attachment> attachments;
};

struct FieldError {
  std::string pointer;  // the field's pointer; "" for the whole form
  std::string key;      // catalog key
  std::map<std::string, std::string> values;  // its placeholders
};

// The errors of `doc` (empty: it may be sent). `today` is YYYY-MM-DD (UTC).
// `rows` is what document_from gave, so an error in a row goes to the
// form's row.
std::vector<FieldError> check_form(const ComposeForm& form, const nlohmann::json& doc, const ComposeDirectory& dir,
                                   const std::string& today, const RowMap& rows = {});

// The topic a new message goes on (alert.<kind>.<region>.<prefecture>,
// referral.<to_org>, stats.<prefecture>); empty for answers.
std::string topic_for(const std::string& type, const nlohmann::json& doc);

// Catalog texts of a field: its label, its help (empty when none), an
// enumeration value's label.
std::string field_label(const Catalog& t, const FormField& f);
std::string group_label(const Catalog& t, const FormGroup& g);
std::string field_help(const Catalog& t, const std::string& key);
std::string choice_label(const Catalog& t, const std::string& name, const std::string& value);

// The text of one error in the page's language.
std::string error_text(const Catalog& t, const FieldError& e);

}  // namespace relais::desk
