// broker.toml and agents/<name>.toml loaders (core/net/*_config.h), through
// a temporary file as they only read paths. The first byte picks which.
#include "config/agent_config.h"
#include "config/broker_config.h"
#include "fuzz/harnesses.h"

namespace relais::fuzz {

int fuzz_config(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    const std::string path = temp_file("agent.toml", data + 1, size - 1);
    (void)load_agent_config(path);
  } else {
    const std::string path = temp_file("broker.toml", data + 1, size - 1);
    auto c = load_broker_config(path);
    if (c.ok()) FUZZ_CHECK(c->max_frame_bytes > 0);
  }
  return 0;
}

}  // namespace relais::fuzz
