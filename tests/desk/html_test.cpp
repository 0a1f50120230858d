#include <catch2/catch.hpp>

#include "desk/html.h"
#include "desk/page_frame.h"

using namespace relais::desk;

TEST_CASE("escape leaves no markup and keeps UTF-8 text", "[desk][html]") {
  CHECK(escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  CHECK(escape("a \"b\" & c") == "a &quot;b&quot; &amp; c");
  CHECK(escape("Préfecture de Kozah") == "Préfecture de Kozah");
  CHECK(escape(std::string("a\x01z")) == "az");
  CHECK(escape(std::string("bad \xff byte")) == "bad \xEF\xBF\xBD byte");
  CHECK(escape(std::string("cut \xC3")) == "cut \xEF\xBF\xBD");
}

TEST_CASE("url_encode keeps only unreserved characters", "[desk][html]") {
  CHECK(url_encode("c-0123abcd") == "c-0123abcd");
  CHECK(url_encode("a/b?c=d e") == "a%2Fb%3Fc%3Dd%20e");
}

TEST_CASE("dates are shown day first with 24-hour time", "[desk][html]") {
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(format_local_time(1796047500000) == "30/11/2026 14:05");
  CHECK(format_local_time(0).empty());
}
