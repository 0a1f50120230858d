// The desk's compose forms: generated from the schemas, their values turned
// into documents, the validator's errors put next to their fields in the
// catalogs' words (never a pattern); and, through DeskServer::handle() over
// a real store, who may write (a viewer: 403), drafts sealed in the store,
// and the referral actions on a received referral.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "desk/account_store.h"
#include "desk/catalog.h"
#include "desk/compose_form.h"
#include "desk/compose_page.h"
#include "desk/desk_http.h"
#include "desk/desk_server.h"
#include "desk/password_hasher.h"
#include "desk/referral_actions.h"
#include "store/store.h"
#include "temp_dir.h"
#include "compose_desk.h"

using namespace relais;
using namespace relais::desk;

namespace {

const FieldError* error_at(const std::vector<FieldError>& errors, const std::string& pointer) {
  for (const auto& e : errors)
    if (e.pointer == pointer) return &e;
  return nullptr;
}

// What a person would see must never look like a regular expression.
void check_plain(const std::string& text) {
  INFO(text);
  CHECK(text.find('^') == std::string::npos);
  CHECK(text.find('$') == std::string::npos);
  CHECK(text.find("[a-z") == std::string::npos);
  CHECK(text.find("[A-Z") == std::string::npos);
}

}  // namespace

TEST_CASE("forms are generated from the schemas the send command selects", "[desk][compose]") {
  const ComposeForm* alert = form_for("alert");
  REQUIRE(alert != nullptr);
  CHECK(alert->versioned == "alert/2");
  REQUIRE(alert->field("/kind"));
  CHECK(alert->field("/kind")->kind == FieldKind::kChoice);
  CHECK(alert->field("/kind")->choices.size() == 5);
  CHECK(alert->field("/location/region")->kind == FieldKind::kRegion);
  CHECK(alert->field("/location/prefecture")->kind == FieldKind::kPrefecture);
  CHECK(alert->field("/observed_at")->kind == FieldKind::kDateTime);
  CHECK(alert->field("/minor_involved")->kind == FieldKind::kYesNo);
  CHECK(alert->field("/suspected_exploitation")->kind == FieldKind::kChoices);
  CHECK(alert->field("/accuracy")->choices == std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(alert->group("/location") != nullptr);

  const ComposeForm* stats = form_for("statistics-report");
  REQUIRE(stats != nullptr);
  CHECK(stats->versioned == "statistics-report/2");
  CHECK(stats->field("/victims_assisted/shelter")->kind == FieldKind::kCell);
  CHECK(stats->field("/victims/0/count")->kind == FieldKind::kCell);
  CHECK(stats->field("/victims/3/count") != nullptr);
  CHECK(stats->field("/victims/0/count")->key == "/victims/*/count");
  CHECK(stats->group("/victims/1")->row);

  const ComposeForm* referral = form_for("referral");
  REQUIRE(referral != nullptr);
  CHECK(referral->field("/from_org") == nullptr);  // the desk fills it
  CHECK(referral->field("/to_org")->kind == FieldKind::kParticipant);
  CHECK(referral->group("/consent")->required);
  CHECK(referral->field("/consent/scope")->kind == FieldKind::kLines);
  CHECK(form_for("referral-response")->field("/responded_at") == nullptr);
  CHECK(form_for("case-update")->field("/case_ref") == nullptr);
  CHECK(form_for("escalation") == nullptr);
}

TEST_CASE("every field has a label, a help text and labelled choices in both languages", "[desk][compose]") {
  for (const char* type : {"alert", "referral", "referral-response", "case-update", "statistics-report"}) {
    const ComposeForm* form = form_for(type);
    REQUIRE(form != nullptr);
    for (auto lang : kLanguages) {
      const Catalog& t = Catalog::builtin(lang);
      CHECK(t.has("help.#" + std::string(type)));
      for (const auto& f : form->fields) {
        INFO(std::string(lang) + " " + type + " " + f.pointer);
        CHECK(field_label(t, f) != f.name);
        CHECK_FALSE(field_help(t, f.key).empty());
        check_plain(field_help(t, f.key));
        for (const auto& c : f.choices) {
          INFO(c);
          CHECK(choice_label(t, f.name, c) != c);
        }
      }
    }
  }
  CHECK(Catalog::builtin("fr").text("help./consent").find("consentement") != std::string::npos);
}

TEST_CASE("form values become the document, empty rows and empty values left out", "[desk][compose]") {
  const ComposeForm& form = *form_for("alert");
  nlohmann::json doc = document_from(form, test::alert_form_values());
  CHECK(doc["kind"] == "missing_child");
  CHECK(doc["location"]["region"] == "maritime");
  CHECK(doc["subject_count"] == 1);
  CHECK(doc["minor_involved"] == true);
  CHECK(doc["accuracy"] == 2);
  CHECK(doc["suspected_exploitation"] == nlohmann::json::array({"child_labour"}));
  CHECK_FALSE(doc.contains("route"));
  CHECK(doc["observed_at"].get<std::string>().back() == 'Z');
  CHECK(check_form(form, doc, test::compose_directory(), "2026-11-30").empty());
  CHECK(topic_for("alert", doc) == "alert.missing_child.maritime.golfe");

  const ComposeForm& stats = *form_for("statistics-report");
  FormValues v = default_values(stats, test::compose_directory(), "2026-11-30", "2026-11-30T12:00", "abc");
  CHECK(v["/period/start"] == "2026-10-01");
  CHECK(v["/period/end"] == "2026-10-31");
  CHECK(v["/justice/prosecutions"] == "0");
  CHECK(v["/prefecture"] == "golfe");
  // Row 2 filled, rows 0, 1 and 3 empty: one row in the document; an error
  // in it goes back to the form's row 2.
  v["/victims/2/age_band"] = "9-17";
  v["/victims/2/gender"] = "female";
  v["/victims/2/exploitation_type"] = "child_labour";
  v["/victims/2/nationality"] = "TG";
  v["/victims/2/count"] = "3";
  v["/awareness/people_reached"] = "masqué";
  RowMap rows;
  doc = document_from(stats, v, &rows);
  REQUIRE(doc["victims"].size() == 1);
  CHECK(doc["victims"][0]["count"] == 3);
  CHECK(doc["awareness"]["people_reached"] == "suppressed");
  auto errors = check_form(stats, doc, test::compose_directory(), "2026-11-30", rows);
  for (const auto& e : errors) UNSCOPED_INFO(e.pointer + " " + e.key);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "/victims/2/count");
  const std::string fr = error_text(Catalog::builtin("fr"), errors[0]);
  CHECK(fr.find("1 à 4") != std::string::npos);
  check_plain(fr);
  CHECK(error_text(Catalog::builtin("en"), errors[0]).find("1 to 4") != std::string::npos);
}

TEST_CASE("validation errors are put next to their field in plain words", "[desk][compose]") {
  const ComposeForm& alert = *form_for("alert");
  FormValues v = test::alert_form_values();
  v["/location/region"] = "Maritime";
  v["/subject_count"] = "deux";
  v.erase("/description");
  auto errors = check_form(alert, document_from(alert, v), test::compose_directory(), "2026-11-30");
  const FieldError* region = error_at(errors, "/location/region");
  REQUIRE(region != nullptr);
  CHECK(error_text(Catalog::builtin("fr"), *region) == "En minuscules, comme « kozah ».");
  CHECK(error_text(Catalog::builtin("en"), *region) == "Lowercase, like \"kozah\".");
  REQUIRE(error_at(errors, "/subject_count") != nullptr);
  CHECK(error_text(Catalog::builtin("en"), *error_at(errors, "/subject_count")).find("whole number") !=
        std::string::npos);
  REQUIRE(error_at(errors, "/description") != nullptr);
  CHECK(error_text(Catalog::builtin("fr"), *error_at(errors, "/description")) == "Ce champ est obligatoire.");
  for (const auto& e : errors)
    for (auto lang : kLanguages) check_plain(error_text(Catalog::builtin(lang), e));

  // A prefecture of another region: the location rule of `send`, in words.
  v = test::alert_form_values();
  v["/location/prefecture"] = "kozah";
  errors = check_form(alert, document_from(alert, v), test::compose_directory(), "2026-11-30");
  REQUIRE(error_at(errors, "/location/prefecture") != nullptr);
  CHECK(error_text(Catalog::builtin("fr"), *error_at(errors, "/location/prefecture")).find("Kara") !=
        std::string::npos);

  // Referral: a citizenship in lowercase, and no consent without an override.
  const ComposeForm& referral = *form_for("referral");
  FormValues r{{"/referral_id", "ref-1"},       {"/to_org", "social.golfe"},   {"/trafficking_status", "possible"},
               {"/services_requested/shelter", "1"}, {"/reason", "Besoin d'un abri."}, {"/consent/given", "no"},
               {"/consent/given_by", "self"},  {"/consent/date", "2026-11-30"}, {"/is_minor", "no"},
               {"/age_band", "18-20"},         {"/gender", "female"},         {"/citizenship", "tg"},
               {"/exploitation_types/forced_labour", "1"}, {"/urgent_needs", ""}};
  nlohmann::json doc = document_from(referral, r);
  doc["from_org"] = "ngo.espoir";
  errors = check_form(referral, doc, test::compose_directory(), "2026-11-30");
  REQUIRE(error_at(errors, "/citizenship") != nullptr);
  CHECK(error_text(Catalog::builtin("en"), *error_at(errors, "/citizenship")) == "Two letters, like \"TG\".");
  REQUIRE(error_at(errors, "/consent/given") != nullptr);
  check_plain(error_text(Catalog::builtin("fr"), *error_at(errors, "/consent/given")));
  r["/consent/given_by"] = "best_interest_override";
  doc = document_from(referral, r);
  doc["from_org"] = "ngo.espoir";
  errors = check_form(referral, doc, test::compose_directory(), "2026-11-30");
  CHECK(error_at(errors, "/consent/justification") != nullptr);
  // A statistics period ending in the future.
  const ComposeForm& stats = *form_for("statistics-report");
  FormValues s = default_values(stats, test::compose_directory(), "2026-11-30", "2026-11-30T12:00", "abc");
  s["/period/end"] = "2026-12-31";
  errors = check_form(stats, document_from(stats, s), test::compose_directory(), "2026-11-30");
  REQUIRE(error_at(errors, "/period/end") != nullptr);
  CHECK(error_at(errors, "/period/end")->key == "error.period.future");
}

TEST_CASE("a rendered form shows each error under its field and no pattern", "[desk][compose]") {
  const ComposeForm& alert = *form_for("alert");
  ComposeDirectory dir = test::compose_directory();
  ComposeView v;
  v.form = &alert;
  v.dir = &dir;
  v.values = test::alert_form_values();
  v.values["/location/region"] = "Maritime";
  v.errors = check_form(alert, document_from(alert, v.values), dir, "2026-11-30");
  v.csrf = "tok";
  v.action = "/compose/alert";
  const std::string h = compose_main(Catalog::builtin("fr"), v);
  const size_t field = h.find("id=\"w_location_region\"");
  REQUIRE(field != std::string::npos);
  const size_t error = h.find("En minuscules, comme « kozah ».", field);
  CHECK(error != std::string::npos);
  CHECK(error < h.find("</div>", field));
  CHECK(h.find("data-follows=\"f_location_region\"") != std::string::npos);
  CHECK(h.find("<optgroup label=\"Kara\" data-region=\"kara\">") != std::string::npos);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("style=") == std::string::npos);
  check_plain(h.substr(h.find("<form")));
}

namespace {

using test::cookie_value;
using test::header_of;
using test::hidden_csrf;

// The service's side (queue_document) is tested with the service; here the
// desk's request is kept and refused as a policy refusal would be.
struct RefusingDesk : test::ComposeDesk {
  RefusingDesk()
      : ComposeDesk("relais-compose", [](test::ComposeDesk&, Store&, const ComposeRequest&) -> Result<OutboxEntry> {
          return Status::Refused("ngo.espoir may not publish on this topic");
        }) {}
};

}  // namespace

TEST_CASE("a viewer sees no compose link and gets 403 on every writing path", "[desk][compose]") {
  RefusingDesk d;
  auto [viewer, vtoken] = d.login("kossi");
  CHECK(d.desk->handle(d.get("/inbox", viewer)).body.find("nav-compose") == std::string::npos);
  CHECK(d.desk->handle(d.get("/compose", viewer)).status == 403);
  CHECK(d.desk->handle(d.get("/compose/alert", viewer)).status == 403);
  std::map<std::string, std::string> form{{"csrf", vtoken}, {"action", "send"}};
  for (const auto& [k, v] : test::alert_form_values()) form[k] = v;
  HttpResponse forced = d.desk->handle(d.post("/compose/alert", form, viewer));
  CHECK(forced.status == 403);
  CHECK(d.desk->handle(d.post("/message/x/answer/referral-response", form, viewer)).status == 403);
  CHECK(d.asked.empty());

  auto [worker, wtoken] = d.login("amivi");
  HttpResponse inbox = d.desk->handle(d.get("/inbox", worker));
  CHECK(inbox.body.find("id=\"nav-compose\"") != std::string::npos);
  HttpResponse page = d.desk->handle(d.get("/compose/alert", worker));
  CHECK(page.status == 200);
  CHECK(page.body.find("name=\"/location/region\"") != std::string::npos);
  CHECK(page.body.find("src=\"/assets/desk.js\"") != std::string::npos);
  CHECK(d.desk->handle(d.get("/compose/escalation", worker)).status == 404);
  // Without the session's token the form is refused as in part 1.
  form["csrf"] = vtoken;
  CHECK(d.desk->handle(d.post("/compose/alert", form, worker)).status == 403);
}

TEST_CASE("a caseworker's form comes back with its errors, or goes to the service to be queued", "[desk][compose]") {
  RefusingDesk d;
  auto [worker, token] = d.login("amivi");
  std::map<std::string, std::string> form{{"csrf", token}, {"action", "send"}, {"urgency", "urgent"}};
  for (const auto& [k, v] : test::alert_form_values()) form[k] = v;
  form["/location/region"] = "KARA";
  HttpResponse bad = d.desk->handle(d.post("/compose/alert", form, worker));
  CHECK(bad.status == 422);
  CHECK(bad.body.find("En minuscules, comme « kozah ».") != std::string::npos);
  CHECK(bad.body.find("value=\"KARA\"") == std::string::npos);  // a select: the choice is not in the list
  CHECK(d.asked.empty());
  form["/location/region"] = "maritime";
  HttpResponse sent = d.desk->handle(d.post("/compose/alert", form, worker));
  CHECK(sent.status == 422);  // the service refused it (policy): said in words
  CHECK(sent.body.find("les règles de l") != std::string::npos);
  REQUIRE_FALSE(d.asked.empty());
  const ComposeRequest& r = d.asked.back();
  CHECK(r.type == "alert");
  CHECK(r.topic == "alert.missing_child.maritime.golfe");
  CHECK(r.urgency == "urgent");
  CHECK(r.reply_to.empty());
  CHECK(nlohmann::json::parse(r.document)["location"]["prefecture"] == "golfe");
}

TEST_CASE("drafts are kept sealed in the store, for their owner only", "[desk][compose]") {
  RefusingDesk d;
  auto [worker, token] = d.login("amivi");
  std::map<std::string, std::string> form{{"csrf", token}, {"action", "save"}};
  form["/description"] = "brouillon-marqueur-7f3a";
  HttpResponse saved = d.desk->handle(d.post("/compose/alert", form, worker));
  REQUIRE(saved.status == 303);
  const std::string location = header_of(saved, "Location");
  CHECK(location.rfind("/compose/alert?draft=", 0) == 0);
  const std::string draft = location.substr(21, 32);
  HttpRequest again = d.get("/compose/alert", worker);
  again.params["draft"] = draft;
  again.params["saved"] = "1";
  HttpResponse page = d.desk->handle(again);
  CHECK(page.status == 200);
  CHECK(page.body.find("brouillon-marqueur-7f3a") != std::string::npos);
  CHECK(d.desk->handle(d.get("/compose", worker)).body.find(draft) != std::string::npos);
  {
    auto st = Store::open(d.state, d.id, {});
    REQUIRE(st.ok());
    auto list = (*st)->drafts("amivi");
    REQUIRE(list.ok());
    REQUIRE(list->size() == 1);
    CHECK((*list)[0].type == "alert");
    CHECK((*st)->open_draft(draft)->find("brouillon-marqueur-7f3a") != std::string::npos);
  }
  std::ifstream db(d.state + "/store.db", std::ios::binary);
  std::stringstream bytes;
  bytes << db.rdbuf();
  std::ifstream wal(d.state + "/store.db-wal", std::ios::binary);
  bytes << wal.rdbuf();
  CHECK(bytes.str().find("brouillon-marqueur-7f3a") == std::string::npos);  // sealed at rest
  // Another account does not see or open it.
  auto [other, other_token] = d.login("kossi");
  (void)other_token;
  CHECK(d.desk->handle(d.get("/compose", other)).status == 403);
  auto [w2, t2] = d.login("amivi");
  HttpResponse deleted = d.desk->handle(d.post("/drafts/" + draft + "/delete", {{"csrf", t2}}, w2));
  CHECK(deleted.status == 303);
  auto st = Store::open(d.state, d.id, {});
  CHECK((*st)->drafts("")->empty());
}

TEST_CASE("a received referral offers accept and refuse, and shows how long it waited", "[desk][compose]") {
  RefusingDesk d;
  {
    auto st = Store::open(d.state, d.id, {});
    REQUIRE(st.ok());
    StoredMessage m;
    m.id = "0192f0a0-0000-7000-8000-000000000001";
    m.sender = "ngo.espoir";
    m.topic = "referral.social.golfe";
    m.type = "referral";
    m.case_ref = "c-0011223344556677";
    m.urgency = "immediate";
    m.ts_ms = d.clock - 5 * 3600000LL;
    m.received_ms = d.clock - 5 * 3600000LL - 30 * 60000LL;
    m.expires_ms = d.clock + 86400000LL;
    nlohmann::json opened = {{"body", {{"referral_id", "ref-9"}, {"to_org", "social.golfe"}}}};
    REQUIRE((*st)->put_message(m, opened.dump()).ok());
  }
  auto [worker, token] = d.login("amivi");
  HttpResponse page = d.desk->handle(d.get("/message/0192f0a0-0000-7000-8000-000000000001", worker));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("id=\"accept\"") != std::string::npos);
  CHECK(page.body.find(">Refuser<") != std::string::npos);
  CHECK(page.body.find("En attente de réponse depuis 5 h 30 min.") != std::string::npos);
  CHECK(page.body.find("délai : 4 h 00 min") != std::string::npos);
  // Refusing without a reason: the reason's field says so.
  HttpResponse refuse = d.desk->handle(d.post("/message/0192f0a0-0000-7000-8000-000000000001/answer/referral-response",
                                              {{"csrf", token}, {"action", "send"}, {"/status", "rejected"}}, worker));
  CHECK(refuse.status == 422);
  CHECK(refuse.body.find("Pour refuser, donnez le motif du refus.") != std::string::npos);
  // Accepting: one click; the answer takes the referral's id, and goes back
  // to the message it answers.
  HttpResponse accept = d.desk->handle(d.post("/message/0192f0a0-0000-7000-8000-000000000001/answer/referral-response",
                                              {{"csrf", token}, {"action", "send"}, {"/status", "accepted"}}, worker));
  REQUIRE_FALSE(d.asked.empty());
  const ComposeRequest& r = d.asked.back();
  CHECK(r.type == "referral-response");
  CHECK(r.reply_to == "0192f0a0-0000-7000-8000-000000000001");
  const auto doc = nlohmann::json::parse(r.document);
  CHECK(doc["status"] == "accepted");
  CHECK(doc["referral_id"] == "ref-9");
  (void)accept;
  // A viewer sees the wait, but no action.
  auto [viewer, vtoken] = d.login("kossi");
  (void)vtoken;
  HttpResponse seen = d.desk->handle(d.get("/message/0192f0a0-0000-7000-8000-000000000001", viewer));
  CHECK(seen.body.find("id=\"accept\"") == std::string::npos);
  CHECK(seen.body.find("En attente de réponse") != std::string::npos);
}

TEST_CASE("a sent referral shows its answer, its wait and its escalation", "[desk][compose]") {
  const Catalog& fr = Catalog::builtin("fr");
  const Catalog& en = Catalog::builtin("en");
  CHECK(duration_text(fr, 2 * 3600000LL + 5 * 60000LL) == "2 h 05 min");
  CHECK(duration_text(fr, 3 * 86400000LL + 4 * 3600000LL) == "3 j 4 h");
  CHECK(duration_text(en, 3 * 86400000LL + 4 * 3600000LL) == "3 d 4 h");
  OutboxEntry e;
  e.id = "0192f0a0-0000-7000-8000-0000000000aa";
  e.type = "referral";
  e.created_ms = 1796047500000 - 26 * 3600000LL;
  e.escalate_at_ms = 1796047500000 - 2 * 3600000LL;
  e.escalation_id = "0192f0a0-0000-7000-8000-0000000000bb";
  std::string h = sent_referral_html(fr, e, 1796047500000);
  CHECK(h.find("Sans réponse depuis 1 j 2 h.") != std::string::npos);
  CHECK(h.find("Escaladée") != std::string::npos);
  CHECK(h.find("/message/0192f0a0-0000-7000-8000-0000000000bb") != std::string::npos);
  e.escalation_id.clear();
  e.answer_status = "accepted";
  h = sent_referral_html(en, e, 1796047500000);
  CHECK(h.find("Answer received: Accepted.") != std::string::npos);
  CHECK(h.find("Escalat") == std::string::npos);
  e.type = "alert";
  CHECK(sent_referral_html(fr, e, 1796047500000).empty());
}
