// The agent service's commands (core/service):
//   relais-agent --config A.toml run
//     the agent service in the foreground (service/service.h): keeps the
//     session, stores and answers what arrives, sends the outbox; READY for
//     systemd once the store is open; SIGTERM or SIGINT stop it cleanly.
//     Exit 0 after a stop, 1 when the store cannot be opened, 2 for a
//     configuration error (e.g. a [[subscription]] overlapping the mailbox).
//   relais-agent --config A.toml send --topic T --type TYPE [--file F|-] [--urgency U] [--handling H]
//                                     [--case-ref R] [--in-reply-to ID] [--expires-in D]
//                                     [--attach FILE ...]
//     checks the document at once as publish does, fixes its id and expiry,
//     queues it in the outbox (sealed at rest) and prints
//     {"id":...,"status":"queued"}: exit 0 even with the broker down (the
//     service sends it). Invalid or refused: exit 1 with the reason.
//   relais-agent --config A.toml reply --in-reply-to ID --type referral-response|case-update [--file F|-]
//     the same for an answer to a received message: topic response.<its
//     sender>, in_reply_to and case_ref from it (service/reply.h).
//   --attach FILE (repeatable, send and reply): files sealed with the
//     document (alert, referral, case-update; agents/attach_files.h), queued
//     with it in the store.
// Exit codes: 0 ok, 1 refused/invalid/failed, 2 usage or configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

namespace relais {

struct ServiceCommands {
  CLI::App* run = nullptr;
  CLI::App* send = nullptr;
  CLI::App* reply = nullptr;
  PublishRequest send_request;
  std::string send_file = "-";
  std::string send_case_ref, send_in_reply_to, send_expires_in;
  std::string reply_to, reply_type, reply_file = "-";
  std::string reply_urgency = "routine", reply_handling = "H2";
  std::vector<std::string> send_attach, reply_attach;  // --attach FILE (repeatable)
};

// Adds run, send and reply to relais-agent's command line.
std::unique_ptr<ServiceCommands> add_service_commands(CLI::App& app);

// Runs the service command parsed, if any (its exit code), else nullopt.
// `read_document` reads --file (a path, or - for stdin).
std::optional<int> run_service_command(const ServiceCommands& commands, AgentContext& ctx,
                                       const std::function<Result<std::string>(const std::string&)>& read_document);

}  // namespace relais
