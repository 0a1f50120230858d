// The collecting TOML reader: typed getters, every error at once with its
// line, unknown keys and sections, and no exception past the reader.
#include <catch2/catch.hpp>

#include "util/toml_reader.h"

using namespace relais;

TEST_CASE("typed getters read present keys and leave absent optional ones unset", "[toml_reader]") {
  TomlReader r("name = \"x\"\nn = 42\nflag = true\nlist = [\"a\", \"b\"]\n[sec]\nk = \"v\"\n[[item]]\na = 1\n[[item]]\na = 2\n",
               "t.toml");
  TomlTable root = r.root();
  CHECK(root.get_string("name", true) == std::optional<std::string>("x"));
  CHECK(root.get_int("n", true, 0, 100) == std::optional<int64_t>(42));
  CHECK(root.get_bool("flag", true) == std::optional<bool>(true));
  CHECK(root.get_strings("list", true) == std::optional<std::vector<std::string>>({"a", "b"}));
  CHECK_FALSE(root.get_string("absent", false).has_value());
  TomlTable sec = root.get_table("sec", true);
  CHECK(sec.present());
  CHECK(sec.get_string("k", true) == std::optional<std::string>("v"));
  CHECK(sec.path("k") == "sec.k");
  auto items = root.get_tables("item", true);
  REQUIRE(items.size() == 2);
  CHECK(items[0].get_int("a", true, 0, 9) == std::optional<int64_t>(1));
  CHECK(items[1].get_int("a", true, 0, 9) == std::optional<int64_t>(2));
  CHECK(items[1].line() == 9);
  for (auto& t : items) t.reject_unknown();
  sec.reject_unknown();
  root.reject_unknown();
  CHECK(r.ok());
  CHECK(r.finish(Code::kConfig).ok());
}

TEST_CASE("every problem is reported at once, each with file and line", "[toml_reader]") {
  TomlReader r("a = 1\nb = \"two\"\nc = 500\nd = \"yes\"\n[s]\ne = 1\nf = [1]\n", "broker.toml");
  TomlTable root = r.root();
  CHECK_FALSE(root.get_string("a", true).has_value());
  CHECK_FALSE(root.get_int("b", true, 0, 10).has_value());
  CHECK_FALSE(root.get_int("c", true, 0, 10).has_value());
  CHECK_FALSE(root.get_bool("d", true).has_value());
  CHECK_FALSE(root.get_string("missing", true).has_value());
  TomlTable s = root.get_table("s", false);
  CHECK_FALSE(s.get_strings("f", true).has_value());
  s.reject_unknown();
  root.reject_unknown();
  const Status st = r.finish(Code::kConfig);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kConfig);
  CHECK(st.exit_code() == 2);
  const std::vector<std::string> expected = {
      "broker.toml:1: a must be a string",
      "broker.toml:2: b must be an integer",
      "broker.toml:3: c = 500 is out of range [0, 10]",
      "broker.toml:4: d must be true or false",
      "broker.toml: missing required key missing",
      "broker.toml:7: s.f must be a list of strings",
      "broker.toml:6: unknown key s.e",
  };
  CHECK(r.errors() == expected);
  CHECK(st.message() == "broker.toml:1: a must be a string\nbroker.toml:2: b must be an integer\n"
                        "broker.toml:3: c = 500 is out of range [0, 10]\nbroker.toml:4: d must be true or false\n"
                        "broker.toml: missing required key missing\nbroker.toml:7: s.f must be a list of strings\n"
                        "broker.toml:6: unknown key s.e");
}

TEST_CASE("unknown keys and sections are flagged once no getter asked for them", "[toml_reader]") {
  TomlReader r("known = 1\nextra = 2\n[log]\nsync = \"x\"\ncolour = 1\n[nonsense]\nx = 1\n", "c.toml");
  TomlTable root = r.root();
  (void)root.get_int("known", false, 0, 9);
  TomlTable log = root.get_table("log", false);
  (void)log.get_string("sync", false);
  log.reject_unknown();
  root.reject_unknown();
  CHECK(r.errors() == std::vector<std::string>{"c.toml:5: unknown key log.colour", "c.toml:2: unknown key extra",
                                               "c.toml:6: unknown section [nonsense]"});
}

TEST_CASE("a missing required key of an absent table is reported at the file", "[toml_reader]") {
  TomlReader r("[other]\n", "c.toml");
  TomlTable root = r.root();
  TomlTable broker = root.get_table("broker", false);
  CHECK_FALSE(broker.present());
  CHECK_FALSE(broker.get_string("identity", true).has_value());
  broker.error("endpoint", "broker.endpoint must start with tcp://");
  CHECK(r.errors() == std::vector<std::string>{"c.toml: missing required key broker.identity",
                                               "c.toml: broker.endpoint must start with tcp://"});
}

TEST_CASE("a syntax error stands alone, with its line and the reader's module", "[toml_reader]") {
  TomlReader r("format = \"x\"\nname = = 3\n", "x.pub", "keys");
  CHECK_FALSE(r.parsed());
  TomlTable root = r.root();
  CHECK_FALSE(root.present());
  CHECK_FALSE(root.get_string("name", true).has_value());  // not reported again
  REQUIRE(r.errors().size() == 1);
  CHECK_THAT(r.errors()[0], Catch::StartsWith("x.pub:2: keys: "));
  CHECK(r.finish(Code::kInvalid).code() == Code::kInvalid);
}

TEST_CASE("an unreadable file is one error naming it", "[toml_reader]") {
  auto r = TomlReader::from_file("/nonexistent/relais/agent.toml");
  CHECK_FALSE(r->parsed());
  REQUIRE(r->errors().size() == 1);
  CHECK_THAT(r->errors()[0], Catch::StartsWith("/nonexistent/relais/agent.toml: "));
}

TEST_CASE("paths resolve against the folder of the file read", "[toml_reader]") {
  TomlReader text("p = \"a/../b\"\n", "t.toml");
  CHECK(text.root().get_path("p", true) == std::optional<std::string>("b"));
  auto r = TomlReader::from_file("/nonexistent/dir/c.toml");
  CHECK(r->resolve_path("keys/x.key") == "/nonexistent/dir/keys/x.key");
  CHECK(r->resolve_path("/abs/x") == "/abs/x");
}
