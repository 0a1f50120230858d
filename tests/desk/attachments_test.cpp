// Attachments at the desk: files uploaded with an alert, referral or case
// update go to the service with the document (names checked, media types
// guessed from the bytes, never the browser's); drafts do not keep them; a
// message's files are listed on its page and served only as downloads
// (application/octet-stream, Content-Disposition: attachment, CSP sandbox),
// to anyone who may read the message; a body over the desk's limit gets a
// page in French then English. Through DeskServer::handle() over a real
// store, and over real HTTP for the multipart parsing and the 413 page.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <sys/stat.h>

#include "desk/account_store.h"
#include "desk/catalog.h"
#include "desk/compose_form.h"
#include "desk/compose_page.h"
#include "desk/desk_http.h"
#include "desk/desk_server.h"
#include "desk/page_frame.h"
#include "desk/password_hasher.h"
#include "store/store.h"
#include "temp_dir.h"
#include "compose_desk.h"

using namespace relais;
using namespace relais::desk;
using test::cookie_value;
using test::header_of;
using test::hidden_csrf;

namespace {

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20) +
                          std::string(3000, '\x42') + "\xFF\xD9";
const std::string kPdf = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const std::string kHtml = "<html><body><script>document.title='pwned'</script></body></html>";

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

int count_headers(const HttpResponse& r, const std::string& name) {
  int n = 0;
  for (const auto& [k, v] : r.headers) n += k == name ? 1 : 0;
  return n;
}

constexpr const char* kReceived = "0192f0a0-0000-7000-8000-00000000a001";

// The service's side (queue_document) is tested with the service; here
// the request is queued as it would be: the document and its files.
struct AttachmentDesk : test::ComposeDesk {
  AttachmentDesk()
      : ComposeDesk("relais-attach", [](test::ComposeDesk& d, Store& st, const ComposeRequest& r) -> Result<OutboxEntry> {
          OutboxEntry e;
          e.id = "0192f0a0-0000-7000-8000-00000000b00" + std::to_string(d.asked.size());
          e.topic = r.topic;
          e.type = r.type;
          e.created_ms = d.clock;
          e.expires_ms = d.clock + 86400000;
          if (Status s = st.enqueue(e, r.document, r.attachments); !s.ok()) return s;
          return e;
        }) {
    post_headers = {{"origin", "null"}, {"sec-fetch-site", "same-origin"}};
  }
  HttpRequest alert_post(const std::string& session, const std::string& token, const std::string& action = "send") {
    std::map<std::string, std::string> form{{"csrf", token}, {"action", action}};
    for (const auto& [k, v] : test::alert_form_values()) form[k] = v;
    return post("/compose/alert", form, session);
  }
  // A received alert/2 with two files: a photo and an HTML page.
  void receive_alert_with_files() {
    auto st = Store::open(state, id, {});
    REQUIRE(st.ok());
    StoredMessage m;
    m.id = kReceived;
    m.sender = "ngo.espoir";
    m.topic = "alert.missing_child.maritime.golfe";
    m.type = "alert";
    m.urgency = "urgent";
    m.handling = "H2";
    m.ts_ms = clock - 60000;
    m.received_ms = clock - 30000;
    m.expires_ms = clock + 86400000;
    std::vector<Attachment> files = {{"photo du marché.jpg", "image/jpeg", bytes_of(kJpeg)},
                                     {"<script>.html", "text/html", bytes_of(kHtml)}};
    nlohmann::json body = {{"kind", "missing_child"}, {"description", "Un enfant seul."}};
    body["attachments"] = attachment_list(files);
    nlohmann::json opened = {{"body", body}};
    REQUIRE(*(*st)->put_message(m, opened.dump(), files));
  }
};

}  // namespace

TEST_CASE("alert, referral and case-update forms take files and never show the attachments list as a field",
          "[desk][attachments]") {
  for (const char* type : {"alert", "referral", "case-update"}) {
    INFO(type);
    CHECK(takes_attachments(type));
    const ComposeForm* form = form_for(type);
    REQUIRE(form != nullptr);
    CHECK(form->versioned == std::string(type) + "/2");
    for (const auto& f : form->fields) CHECK(f.pointer.rfind("/attachments", 0) != 0);
    for (const auto& g : form->groups) CHECK(g.pointer.rfind("/attachments", 0) != 0);
  }
  CHECK_FALSE(takes_attachments("statistics-report"));
  CHECK_FALSE(takes_attachments("referral-response"));

  ComposeDirectory dir = test::compose_directory();
  ComposeView v;
  v.form = form_for("alert");
  v.dir = &dir;
  v.csrf = "tok";
  v.action = "/compose/alert";
  const std::string fr = compose_main(Catalog::builtin("fr"), v);
  CHECK(fr.find("enctype=\"multipart/form-data\"") != std::string::npos);
  CHECK(fr.find("<input type=\"file\" id=\"f_attachments\" name=\"attachments\" multiple") != std::string::npos);
  CHECK(fr.find("<label for=\"f_attachments\">Pièces jointes</label>") != std::string::npos);
  CHECK(fr.find("ne sont pas gardées dans les brouillons") != std::string::npos);
  CHECK(fr.find("name=\"/attachments") == std::string::npos);
  const std::string en = compose_main(Catalog::builtin("en"), v);
  CHECK(en.find("<label for=\"f_attachments\">Attachments</label>") != std::string::npos);
  CHECK(en.find("not kept in drafts") != std::string::npos);

  v.form = form_for("statistics-report");
  const std::string stats = compose_main(Catalog::builtin("fr"), v);
  CHECK(stats.find("enctype=") == std::string::npos);
  CHECK(stats.find("type=\"file\"") == std::string::npos);
}

TEST_CASE("file sizes are said in words in each language", "[desk][attachments]") {
  const Catalog& fr = Catalog::builtin("fr");
  const Catalog& en = Catalog::builtin("en");
  CHECK(size_text(fr, 830) == "830 octets");
  CHECK(size_text(en, 830) == "830 bytes");
  CHECK(size_text(fr, 1536) == "1,5 Kio");
  CHECK(size_text(en, 1536) == "1.5 KiB");
  CHECK(size_text(fr, 16u << 20) == "16 Mio");
  CHECK(size_text(en, 3 * 1048576 + 314573) == "3.3 MiB");
}

TEST_CASE("files uploaded with an alert are queued with it, their types guessed from their bytes",
          "[desk][attachments]") {
  AttachmentDesk d;
  auto [worker, token] = d.login("amivi");
  HttpRequest r = d.alert_post(worker, token);
  // The browser's types are not trusted: a JPEG said to be HTML, a PDF
  // said to be something else; an empty file input is no file.
  r.files = {{"attachments", "photo.jpg", "text/html", kJpeg},
             {"attachments", "C:\\Users\\amivi\\rapport signé.pdf", "application/x-evil", kPdf},
             {"attachments", "", "application/octet-stream", ""}};
  HttpResponse sent = d.desk->handle(r);
  REQUIRE(sent.status == 303);
  REQUIRE(d.asked.size() == 1);
  const ComposeRequest& q = d.asked.back();
  REQUIRE(q.attachments.size() == 2);
  CHECK(q.attachments[0].name == "photo.jpg");
  CHECK(q.attachments[0].media_type == "image/jpeg");
  CHECK(q.attachments[1].name == "rapport signé.pdf");
  CHECK(q.attachments[1].media_type == "application/pdf");
  CHECK_FALSE(nlohmann::json::parse(q.document).contains("attachments"));  // the agent lists them
  const std::string id = header_of(sent, "Location").substr(9);
  {
    auto st = Store::open(d.state, d.id, {});
    REQUIRE(st.ok());
    auto queued = (*st)->outbox_attachments(id);
    REQUIRE(queued.ok());
    REQUIRE(queued->size() == 2);
    CHECK((*queued)[0].data == bytes_of(kJpeg));
    CHECK((*queued)[1].data == bytes_of(kPdf));
  }
  // The sent message's page lists them as downloads.
  HttpResponse page = d.desk->handle(d.get("/message/" + id, worker));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("href=\"/message/" + id + "/attachments/1\"") != std::string::npos);
  CHECK(page.body.find("rapport signé.pdf</a> <span class=\"muted\">application/pdf · ") != std::string::npos);
  HttpResponse pdf = d.desk->handle(d.get("/message/" + id + "/attachments/2", worker));
  REQUIRE(pdf.status == 200);
  CHECK(pdf.body == kPdf);
  CHECK(header_of(pdf, "Content-Disposition") ==
        "attachment; filename=\"rapport sign_.pdf\"; filename*=UTF-8''rapport%20sign%C3%A9.pdf");

  // A statistics report takes no files: said next to the file input.
  std::map<std::string, std::string> stats{{"csrf", token}, {"action", "send"}};
  HttpRequest s = d.post("/compose/statistics-report", stats, worker);
  s.files = {{"attachments", "photo.jpg", "image/jpeg", kJpeg}};
  HttpResponse refused = d.desk->handle(s);
  CHECK(refused.status == 422);
  CHECK(refused.body.find("ne prend pas de pièces jointes") != std::string::npos);
  CHECK(d.asked.size() == 1);
}

TEST_CASE("a file name that cannot be attached is refused next to the file input, in words", "[desk][attachments]") {
  AttachmentDesk d;
  auto [worker, token] = d.login("amivi");
  for (const char* name : {".htaccess", "-rf", "..", "a\x01b.txt"}) {
    INFO(name);
    HttpRequest r = d.alert_post(worker, token);
    r.files = {{"attachments", name, "text/plain", "x"}};
    HttpResponse page = d.desk->handle(r);
    CHECK(page.status == 422);
    const size_t field = page.body.find("id=\"w_attachments\"");
    REQUIRE(field != std::string::npos);
    const size_t error = page.body.find("ne peut pas être joint sous ce nom", field);
    CHECK(error != std::string::npos);
    CHECK(error < page.body.find("</div>", field));
    CHECK(page.body.find("ne reviennent pas avec le formulaire", field) != std::string::npos);
    CHECK(page.body.find("href=\"#f_attachments\"") != std::string::npos);  // in the list on top
  }
  HttpRequest many = d.alert_post(worker, token);
  for (size_t i = 0; i <= kMaxAttachments; ++i) many.files.push_back({"attachments", "p" + std::to_string(i) + ".jpg", "", kJpeg});
  HttpResponse page = d.desk->handle(many);
  CHECK(page.status == 422);
  CHECK(page.body.find("Trop de fichiers : 16 au plus") != std::string::npos);
  HttpRequest big = d.alert_post(worker, token);
  big.files = {{"attachments", "scan.pdf", "", "%PDF-1.4\n" + std::string(16u << 20, 'x')}};
  page = d.desk->handle(big);
  CHECK(page.status == 422);
  CHECK(page.body.find("Les fichiers font 16 Mio en tout") != std::string::npos);
  CHECK(d.asked.empty());
}

TEST_CASE("a draft saved with files keeps the document only, and says so", "[desk][attachments]") {
  AttachmentDesk d;
  auto [worker, token] = d.login("amivi");
  HttpRequest r = d.alert_post(worker, token, "save");
  r.files = {{"attachments", "photo.jpg", "image/jpeg", kJpeg}};
  HttpResponse saved = d.desk->handle(r);
  REQUIRE(saved.status == 303);
  const std::string location = header_of(saved, "Location");
  CHECK(location.find("&saved=2") != std::string::npos);
  HttpRequest again = d.get("/compose/alert", worker);
  again.params["draft"] = location.substr(location.find("draft=") + 6, 32);
  again.params["saved"] = "2";
  HttpResponse page = d.desk->handle(again);
  CHECK(page.status == 200);
  CHECK(page.body.find("sans ses pièces jointes : les brouillons ne les gardent pas") != std::string::npos);
  CHECK(d.asked.empty());
}

TEST_CASE("a received message's files are downloads only, for anyone who may read it", "[desk][attachments]") {
  AttachmentDesk d;
  d.receive_alert_with_files();
  auto [worker, wtoken] = d.login("amivi");
  HttpResponse page = d.desk->handle(d.get(std::string("/message/") + kReceived, worker));
  REQUIRE(page.status == 200);
  const std::string base = std::string("/message/") + kReceived + "/attachments/";
  CHECK(page.body.find("href=\"" + base + "1\"") != std::string::npos);
  CHECK(page.body.find("href=\"" + base + "2\"") != std::string::npos);
  CHECK(page.body.find("&lt;script&gt;.html</a>") != std::string::npos);
  CHECK(page.body.find("<script>") == std::string::npos);
  CHECK(page.body.find("image/jpeg · 3 Kio") != std::string::npos);
  CHECK(page.body.find("jamais dans le bureau : chacune se télécharge") != std::string::npos);
  CHECK(page.body.find("blake2b") == std::string::npos);  // the list is not shown as a field

  // HTML with script in it is still an octet-stream download, sandboxed.
  HttpResponse html = d.desk->handle(d.get(base + "2", worker));
  REQUIRE(html.status == 200);
  CHECK(html.body == kHtml);
  CHECK(html.content_type == "application/octet-stream");
  CHECK(header_of(html, "Content-Disposition") ==
        "attachment; filename=\"_script_.html\"; filename*=UTF-8''%3Cscript%3E.html");
  CHECK(header_of(html, "Content-Security-Policy") == "sandbox");
  CHECK(count_headers(html, "Content-Security-Policy") == 1);
  CHECK(header_of(html, "X-Content-Type-Options") == "nosniff");
  CHECK(header_of(html, "Cache-Control") == "no-store");
  CHECK(count_headers(html, "Cache-Control") == 1);
  HttpResponse photo = d.desk->handle(d.get(base + "1", worker));
  REQUIRE(photo.status == 200);
  CHECK(photo.body == kJpeg);
  CHECK(header_of(photo, "Content-Disposition") ==
        "attachment; filename=\"photo du march_.jpg\"; filename*=UTF-8''photo%20du%20march%C3%A9.jpg");

  // Unknown index or message: a 404 page in words.
  for (const std::string& path : {base + "3", base + "0", base + "01", base + "x", base,
                                 std::string("/message/0192f0a0-0000-7000-8000-00000000ffff/attachments/1")}) {
    INFO(path);
    HttpResponse missing = d.desk->handle(d.get(path, worker));
    CHECK(missing.status == 404);
    CHECK(missing.body.find("Cette pièce jointe n&#39;existe pas") != std::string::npos);
    CHECK(missing.content_type.rfind("text/html", 0) == 0);
  }
  // A viewer reads messages, so downloads their files; without a session
  // the login page; a POST is no download.
  auto [viewer, vtoken] = d.login("kossi");
  CHECK(d.desk->handle(d.get(base + "1", viewer)).status == 200);
  HttpResponse anonymous = d.desk->handle(d.get(base + "1", ""));
  CHECK(anonymous.status == 303);
  CHECK(header_of(anonymous, "Location") == "/login");
  CHECK(anonymous.body.empty());
  CHECK(d.desk->handle(d.post(base + "1", {{"csrf", wtoken}}, worker)).status == 404);
  (void)vtoken;

  // Each download is in the access journal (the id and the file's number).
  HttpResponse journal_needs_admin = d.desk->handle(d.get("/journal", worker));
  CHECK(journal_needs_admin.status == 403);
  auto accounts = AccountStore::open(d.state);
  REQUIRE(accounts.ok());
  auto entries = (*accounts)->journal_entries(50);
  REQUIRE(entries.ok());
  int downloads = 0;
  for (const auto& e : *entries)
    if (e.action == "download_attachment") {
      ++downloads;
      CHECK(e.object.rfind(kReceived, 0) == 0);
    }
  CHECK(downloads == 3);
}

TEST_CASE("over HTTP: a multipart compose form is read, a download keeps its headers, too large a body gets a page",
          "[desk][attachments]") {
  AttachmentDesk d;
  d.receive_alert_with_files();
  REQUIRE(d.desk->start().ok());
  const int port = d.desk->port();
  auto [worker, token] = d.login("amivi");
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(20, 0);
  c.set_write_timeout(20, 0);
  const httplib::Headers headers{{"Cookie", "relais_session=" + worker},
                                 {"Origin", "http://127.0.0.1:" + std::to_string(port)}};

  httplib::MultipartFormDataItems items{{"csrf", token, "", ""}, {"action", "send", "", ""}};
  for (const auto& [k, v] : test::alert_form_values()) items.push_back({k, v, "", ""});
  items.push_back({"attachments", kJpeg, "photo.jpg", "image/jpeg"});
  items.push_back({"attachments", kPdf, "rapport.pdf", "application/pdf"});
  auto sent = c.Post("/compose/alert", headers, items);
  REQUIRE(sent);
  CHECK(sent->status == 303);
  REQUIRE(d.asked.size() == 1);
  REQUIRE(d.asked[0].attachments.size() == 2);
  CHECK(d.asked[0].attachments[0].data == bytes_of(kJpeg));
  CHECK(d.asked[0].attachments[1].name == "rapport.pdf");
  CHECK(nlohmann::json::parse(d.asked[0].document)["description"] == "Un enfant seul au marché.");

  auto got = c.Get((std::string("/message/") + kReceived + "/attachments/2").c_str(), headers);
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(got->body == kHtml);
  CHECK(got->get_header_value("Content-Type") == "application/octet-stream");
  CHECK(got->get_header_value("Content-Disposition").rfind("attachment; filename=\"_script_.html\"", 0) == 0);
  CHECK(got->get_header_value("Content-Security-Policy") == "sandbox");
  CHECK(got->get_header_value_count("Content-Security-Policy") == 1);
  CHECK(got->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(got->get_header_value("Cache-Control") == "no-store");

  // Over the limit (17 MiB): nothing reaches the desk; the answer is a page.
  httplib::MultipartFormDataItems huge{{"csrf", token, "", ""},
                                       {"attachments", std::string((17u << 20) + 1, 'x'), "scan.pdf", "application/pdf"}};
  auto refused = c.Post("/compose/alert", headers, huge);
  REQUIRE(refused);
  CHECK(refused->status == 413);
  CHECK(refused->get_header_value("Content-Type").rfind("text/html", 0) == 0);
  const size_t fr = refused->body.find("dépasse 16 Mio");
  const size_t en = refused->body.find("is over 16 MiB");
  CHECK(fr != std::string::npos);
  CHECK(en != std::string::npos);
  CHECK(fr < en);
  CHECK(d.asked.size() == 1);
  // The other forms are as before: an urlencoded form is bounded on its own.
  auto long_form = c.Post("/compose/alert", headers, "csrf=" + token + "&/description=" + std::string(20000, 'a'),
                          "application/x-www-form-urlencoded");
  REQUIRE(long_form);
  CHECK(long_form->status == 413);
  CHECK(long_form->body.find("Ce formulaire est trop long") != std::string::npos);
  d.desk->stop();
}
