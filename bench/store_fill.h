// fill_received_store: fills a participant's real agent store (store/store.h)
// with received messages the way the agent service stores them
// (service/receiver.cpp): each document is checked, sealed and signed by its
// sender's agent (prepare_envelope), opened and verified by the recipient
// (open_delivery), turned into the store's clear columns
// (stored_message_of), and stored in bursts with put_messages; a statistics
// report also gets its cells (stats_cells_of + put_stats_cells, as the
// service's workflow does). Nothing is written as raw SQL.
//
// The messages are those of a deployment made by `relais-admin init`
// (DIR/agents/NAME.toml). Their received times are spread backwards from now
// (`spacing_ms` apart, newest last) so that the inbox looks like one that
// filled up over months; status is chosen per message by the plan (the
// older ones read or answered, the newest new). Sealing and opening run on
// `threads` threads; storing on the caller's.
// Used by relais-bench desk and report (bench/desk_inbox.cpp,
// bench/report_time.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/agent.h"
#include "store/store.h"
#include "util/status.h"

namespace relais::bench {

// One message of the plan: who sends it and what, and the status the
// recipient's store gives it.
struct FillItem {
  std::string sender;      // participant name with DIR/agents/SENDER.toml
  PublishRequest request;  // topic, type, json_text, urgency, ...
  std::string status = "new";
};

struct FillPlan {
  std::string dir;         // a relais-admin init deployment
  std::string recipient;   // whose store is filled (DIR/agents/RECIPIENT.toml)
  std::vector<std::string> senders;  // every sender the items name
  size_t count = 0;
  std::function<FillItem(size_t i)> item;  // i from 0 (oldest) to count-1
  int64_t spacing_ms = 300000;             // between received times
  int threads = 2;
  size_t burst = 500;                      // messages per put_messages
};

struct FillResult {
  size_t stored = 0;
  size_t stats_cells = 0;
  double seconds = 0;
};

// Opens the recipient's store (its [agent] state_dir, with its identity)
// and fills it. Status of the first failure (a refused document, a store
// error).
Result<FillResult> fill_received_store(const FillPlan& plan);

// The recipient's store, opened as its agent service opens it.
Result<std::unique_ptr<Store>> open_participant_store(const std::string& dir, const std::string& name);

}  // namespace relais::bench
