// The outputs of the indicators: CSV that parses back to the same numbers
// in its dialect, JSON, and HTML with five charts, no script and no inline
// style, in French or English.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "desk/catalog.h"
#include "report/report_csv.h"
#include "report/report_html.h"
#include "report/report_json.h"
#include "report/report_test_util.h"

using namespace relais;
using namespace relais::test;
using report::Dimension;

namespace {

// A CSV reader for the dialect: separator `sep`, quoted fields, CRLF.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, char sep) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

// The number in a decimal written with `point` ("104,5" with ',').
double decimal(std::string s, char point) {
  for (char& c : s)
    if (c == point) c = '.';
  return std::stod(s);
}

}  // namespace

TEST_CASE("The CSV parses back to the same numbers in the French and the English dialects", "[report][csv]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  for (const std::string lang : {"fr", "en"}) {
    INFO(lang);
    const char sep = lang == "fr" ? ';' : ',', point = lang == "fr" ? ',' : '.';
    const std::string csv = report::render_report_csv(r, desk::Catalog::builtin(lang));
    REQUIRE(csv.rfind("\xEF\xBB\xBF", 0) == 0);  // the BOM
    const auto rows = parse_csv(csv.substr(3), sep);
    REQUIRE(rows.size() > 100);
    CHECK(rows[0].size() == 11);
    CHECK(rows[0][0] == (lang == "fr" ? "tableau" : "table"));
    int cells = 0, targets = 0, coverage = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      const auto& row = rows[i];
      REQUIRE(row.size() == 11);
      if (row[0] == "targets") {
        ++targets;
        if (row[3] == "justice.investigations_opened") {
          CHECK(row[5] == "209");
          CHECK(row[8] == "200");
          CHECK(row[9] == (lang == "fr" ? "104,5" : "104.5"));
          CHECK(decimal(row[9], point) == Approx(104.5));
        }
        continue;
      }
      if (row[0] == "coverage") {
        ++coverage;
        if (row[1] == "blitta" && row[3] == "2026-01") CHECK(row[10] == "late");
        continue;
      }
      if (row[0] == "excluded") continue;
      // A table cell: the same as the table says.
      const auto& t = r.main.table(row[0]);
      const std::string text = shown(t, row[1], row[3]);
      if (text == "suppressed") {
        CHECK(row[5].empty());
        CHECK(row[7] == "1");
      } else if (text == "none") {
        CHECK(row[5].empty());
        CHECK(row[10] == "no_report");
      } else if (text.rfind(">=", 0) == 0) {
        CHECK(row[5] == text.substr(2));
        CHECK(row[6] == "1");
      } else {
        CHECK(row[5] == text);
        CHECK(row[6] == "0");
        CHECK(row[7] == "0");
      }
      ++cells;
    }
    CHECK(targets == 19);
    CHECK(coverage == 39 * 3);
    CHECK(cells > 5 * 18);
    // Hand-computed totals, read back from the file.
    auto find = [&](const std::string& table, const std::string& group, const std::string& item) {
      for (const auto& row : rows)
        if (row[0] == table && row[1] == group && row[3] == item) return row;
      return std::vector<std::string>{};
    };
    CHECK(find("victims_by_exploitation", "total", "child_labour")[5] == "480");
    CHECK(find("victims_by_exploitation", "total", "total")[5] == "710");
    CHECK(find("victims_by_exploitation", "total", "total")[6] == "1");
    CHECK(find("alerts_by_kind", "kara", "missing_child")[7] == "1");
  }
}

TEST_CASE("A CSV field holding the separator or a quote is quoted", "[report][csv]") {
  StoredFixture f;
  auto r = build(f.reports, Dimension::kRegion, false);
  r.main.groups[0].label = "Sav;an\"es, nord";  // as if the location table said so
  for (const std::string lang : {"fr", "en"}) {
    const std::string csv = report::render_report_csv(r, desk::Catalog::builtin(lang));
    const auto rows = parse_csv(csv.substr(3), lang == "fr" ? ';' : ',');
    bool seen = false;
    for (const auto& row : rows) {
      REQUIRE(row.size() == 11);
      if (row[1] == "savanes") seen = seen || row[2] == "Sav;an\"es, nord";
    }
    CHECK(seen);
  }
}

TEST_CASE("The JSON holds the tables, the targets, the coverage and the reports not counted", "[report][json]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const auto j = report::report_json(r);
  CHECK(j["format"] == "relais-indicators/1");
  CHECK(j["counted_reports"] == 47);
  CHECK(j["min_cell"] == 5);
  CHECK(j["excluded"].size() == 11);
  const auto& v = j["tables"][2];
  CHECK(v["id"] == "victims_by_exploitation");
  CHECK(v["cells"][5][11] == nlohmann::ordered_json({{"value", 710}, {"lower_bound", true}}));
  CHECK(j["tables"][1]["cells"][1][1] == nlohmann::ordered_json({{"suppressed", true}}));
  CHECK(j["coverage"]["reported"] == nlohmann::ordered_json({16, 16, 15}));
}

TEST_CASE("The HTML holds five charts with data, no script, no inline style, in French by default", "[report][html]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const std::string html = report::render_report_html(r, desk::Catalog::builtin("fr"));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<html lang=\"fr\">") != std::string::npos);
  CHECK(html.find("@page") != std::string::npos);  // report.css inline, with its A4 print rules
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find(" style=") == std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // nothing fetched
  CHECK(html.find("https://") == std::string::npos);
  for (const char* id : {"chart-region", "chart-monthly", "chart-exploitation", "chart-coverage", "chart-targets"}) {
    INFO(id);
    const size_t at = html.find(std::string("<figure class=\"chart\" id=\"") + id + "\"");
    REQUIRE(at != std::string::npos);
    const std::string fig = html.substr(at, html.find("</figure>", at) - at);
    CHECK(fig.find("<title id=\"") != std::string::npos);
    CHECK(fig.find("<desc id=\"") != std::string::npos);
    CHECK(fig.find("class=\"mark") != std::string::npos);
    CHECK(fig.find("class=\"axis-title\"") != std::string::npos);
  }
  CHECK(html.find("Victimes enregistrées par région") != std::string::npos);
  CHECK(html.find("\u2265 710") != std::string::npos);       // the lower bound
  CHECK(html.find("1\u202f400") != std::string::npos);        // French digit grouping
  CHECK(html.find("104,5\u202f%") != std::string::npos);      // decimal comma
  CHECK(html.find("report.") == std::string::npos);           // every label found in the catalog

  const std::string en = report::render_report_html(r, desk::Catalog::builtin("en"));
  CHECK(en.find("<html lang=\"en\">") != std::string::npos);
  CHECK(en.find("Victims recorded by region") != std::string::npos);
  CHECK(en.find("104.5%") != std::string::npos);
  CHECK(en.find("1,400") != std::string::npos);
  CHECK(en.find("report.") == std::string::npos);

  // Kept beside the tests' binaries for a look.
  std::ofstream(std::string(RELAIS_BIN_DIR) + "/report-fixture.fr.html") << html;
}

TEST_CASE("The desk's dashboard part links the downloads and escapes them", "[report][html]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kPrefecture, true);
  report::DownloadLinks links{"/report.html?from=2026-01-01&to=2026-03-31", "/report.csv?x=\"1\"", ""};
  const std::string main = report::render_report_main(r, desk::Catalog::builtin("fr"), links);
  CHECK(main.find("<html") == std::string::npos);
  CHECK(main.find("href=\"/report.html?from=2026-01-01&amp;to=2026-03-31\"") != std::string::npos);
  CHECK(main.find("/report.csv?x=&quot;1&quot;") != std::string::npos);
  CHECK(main.find("JSON") == std::string::npos);
  CHECK(main.find("Version publique") != std::string::npos);
  CHECK(main.find(" style=") == std::string::npos);
}
