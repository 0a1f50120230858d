// open_agent_store: the agency's local store (store/store.h) in the
// configuration's [agent] state_dir, opened with its identity and the
// identities it retired at key rotations (whose store keys and bodies it must
// still open). A Config error naming the file when state_dir is not set.
#pragma once

#include <memory>

#include "agent/agent.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

Result<std::unique_ptr<Store>> open_agent_store(const AgentContext& ctx);

}  // namespace relais
