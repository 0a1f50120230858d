// DeskConfig: the [desk] section of an agent configuration, which turns on
// the desk (the agency's web interface served by `relais-agent run`).
//
//   [desk]
//   listen = "127.0.0.1:8470"   # required to turn it on
//   hostnames = ["relais.agence.local"]   # Host names admitted (default: the
//                               # listen host and localhost)
//   tls_cert = "desk.crt"       # PEM; both required off loopback
//   tls_key = "desk.key"        # PEM, mode 0600 (relais-agent desk-cert)
//   session_idle = "15m"        # sessions end after this long unused
//
// Listening on an address that is not loopback without tls_cert and tls_key
// is a configuration error (exit 2): passwords and victims' data would
// cross the office network in clear.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relais {

class TomlTable;

struct DeskConfig {
  bool enabled = false;
  std::string listen;               // HOST:PORT
  std::string host;                 // parsed from listen
  int port = 0;
  std::vector<std::string> hostnames;  // lowercase; never empty once enabled
  std::string tls_cert;
  std::string tls_key;
  int64_t session_idle_ms = 15LL * 60 * 1000;

  bool tls() const { return !tls_cert.empty(); }
  // The origins a POST may come from: scheme://name[:port] for each hostname.
  std::vector<std::string> origins() const;
};

// Reads [desk] from `desk` (an absent table: disabled). Problems are
// reported through the table's reader (TomlTable::error), all at once.
DeskConfig read_desk_config(TomlTable& desk);

// Whether an address is loopback (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(const std::string& host);

}  // namespace relais
