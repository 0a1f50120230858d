#include "service/agent_store.h"

#include <vector>

namespace relais {

Result<std::unique_ptr<Store>> open_agent_store(const AgentContext& ctx) {
  if (ctx.config.state_dir.empty())
    return Status::Config("agent: the store lives in [agent] state_dir: set it in " + ctx.config.path);
  std::vector<const Identity*> retired;
  for (const Identity& id : ctx.retired) retired.push_back(&id);
  return Store::open(ctx.config.state_dir, ctx.identity, retired);
}

}  // namespace relais
