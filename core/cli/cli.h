// Command-line parsing with CLI11, mapped to the Relais exit-code contract:
// 0 ok, 1 refused/invalid/failed, 2 usage or configuration error.
// For the programs only (library relais_cli): the core modules never link CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

namespace relais {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Parses argv. Returns std::nullopt when the program should go on, or the
// exit code to return now: 0 after --help/--version, 2 on any usage error
// (CLI11's own codes such as 106 or 109 are never leaked).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n"
              << "Run '" << app.get_name() << " --help' for usage.\n";
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace relais
