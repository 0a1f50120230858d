// Small-cell protection (report/figures.h): how one figure shows, and
// complementary suppression along lines with totals.
#include <catch2/catch.hpp>

#include "report/figures.h"
#include "report/report_test_util.h"

using namespace relais;
using namespace relais::report;
using relais::test::shown;

namespace {

Figure fig(std::initializer_list<std::optional<int64_t>> counts) {
  Figure f;
  for (auto c : counts) f.add(c);
  return f;
}

const std::optional<int64_t> kSuppressed;

}  // namespace

TEST_CASE("A figure shows exact, as a lower bound, or suppressed, never 1 to min_cell - 1", "[report][figures]") {
  CHECK(shown_alone(Figure{}, 5) == Shown::kNoReport);
  CHECK(shown_alone(fig({0}), 5) == Shown::kExact);
  CHECK(shown_alone(fig({0, 0}), 5) == Shown::kExact);
  CHECK(shown_alone(fig({5}), 5) == Shown::kExact);
  CHECK(shown_alone(fig({5}), 11) == Shown::kSuppressed);
  CHECK(shown_alone(fig({5, 6}), 11) == Shown::kExact);
  CHECK(shown_alone(fig({kSuppressed}), 5) == Shown::kSuppressed);  // known part 0: not "0"
  CHECK(shown_alone(fig({40, kSuppressed}), 5) == Shown::kLowerBound);
  CHECK(shown_alone(fig({5, kSuppressed}), 11) == Shown::kSuppressed);  // known part 5 < 11
  CHECK(shown_alone(fig({6, 5, kSuppressed}), 11) == Shown::kLowerBound);
}

TEST_CASE("One small cell in a line with a total hides a second cell", "[report][figures]") {
  Table t = Table::make("t", {"a"}, {"x", "y", "z"}, true, false);
  t.at(0, 0).figure = fig({7});
  t.at(0, 1).figure = fig({20});
  t.at(0, 2).figure = fig({12});
  t.compute_totals();
  CHECK(protect(t, 11) == 1);
  CHECK(shown(t, "a", "x") == "suppressed");   // 7 < 11
  CHECK(shown(t, "a", "z") == "suppressed");   // the smallest other non-zero cell
  CHECK(t.at(0, 2).complementary);
  CHECK(shown(t, "a", "y") == "20");
  CHECK(shown(t, "a", "total") == "39");       // 39 - 20 = 19: two cells, not one
}

TEST_CASE("A small cell alone in its line hides the total", "[report][figures]") {
  Table t = Table::make("t", {"a"}, {"x", "y"}, true, false);
  t.at(0, 0).figure = fig({7});
  t.at(0, 1).figure = fig({0});
  t.compute_totals();
  protect(t, 11);
  CHECK(shown(t, "a", "x") == "suppressed");
  CHECK(shown(t, "a", "y") == "0");
  CHECK(shown(t, "a", "total") == "suppressed");
}

TEST_CASE("A lower-bound total still protects a small hidden part", "[report][figures]") {
  // y is a suppressed cell (known 0) and x is 7: the total shows >= 27 and
  // z 20, so x's 7 would follow from 27 - 20 unless z hides too.
  Table t = Table::make("t", {"a"}, {"x", "y", "z"}, true, false);
  t.at(0, 0).figure = fig({7});
  t.at(0, 1).figure = fig({kSuppressed});
  t.at(0, 2).figure = fig({20});
  t.compute_totals();
  protect(t, 11);
  CHECK(shown(t, "a", "total") == ">=27");
  CHECK(shown(t, "a", "x") == "suppressed");
  CHECK(shown(t, "a", "z") == "suppressed");
}

TEST_CASE("Suppressed cells with no known part need no complement", "[report][figures]") {
  Table t = Table::make("t", {"a", "b"}, {"x", "y"}, true, true);
  t.at(0, 0).figure = fig({kSuppressed});
  t.at(0, 1).figure = fig({30});
  t.at(1, 0).figure = fig({12});
  t.at(1, 1).figure = fig({15});
  t.compute_totals();
  CHECK(protect(t, 5) == 0);
  CHECK(shown(t, "a", "x") == "suppressed");
  CHECK(shown(t, "a", "y") == "30");
  CHECK(shown(t, "a", "total") == ">=30");
  CHECK(shown(t, "total", "x") == ">=12");
  CHECK(shown(t, "total", "total") == ">=57");
}

TEST_CASE("Figures linked as the same hide together", "[report][figures]") {
  Table a = Table::make("a", {"r"}, {"x", "y"}, true, false);
  Table b = Table::make("b", {"r"}, {"x"}, false, false);
  a.at(0, 0).figure = fig({6});
  a.at(0, 1).figure = fig({30});
  a.compute_totals();
  b.at(0, 0).figure = fig({30});
  protect_lines({&a, &b}, {Line{{&a.at(0, 1)}, &b.at(0, 0), true}}, 11);
  CHECK(shown(a, "r", "y") == "suppressed");  // complement of x's 6
  CHECK(shown(b, "r", "x") == "suppressed");  // the same figure, elsewhere
}
