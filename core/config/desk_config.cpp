#include "config/desk_config.h"

#include "http/server.h"
#include "util/expires_in.h"
#include "util/toml_reader.h"

namespace relais {

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::vector<std::string> DeskConfig::origins() const {
  std::vector<std::string> out;
  const std::string scheme = tls() ? "https://" : "http://";
  for (const auto& h : hostnames) {
    const std::string name = h.find(':') != std::string::npos ? "[" + h + "]" : h;
    out.push_back(scheme + name + ":" + std::to_string(port));
    if ((tls() && port == 443) || (!tls() && port == 80)) out.push_back(scheme + name);
  }
  return out;
}

DeskConfig read_desk_config(TomlTable& desk) {
  DeskConfig c;
  if (!desk.present()) return c;
  c.enabled = true;
  c.listen = desk.get_string("listen", true).value_or("");
  if (!c.listen.empty()) {
    auto hp = parse_host_port(c.listen);
    if (hp.ok()) {
      c.host = hp->host;
      c.port = hp->port;
    } else {
      desk.error("listen", "desk.listen must be HOST:PORT, like 127.0.0.1:8470");
    }
  }
  if (desk.has("hostnames")) {
    for (std::string h : desk.get_strings("hostnames", false).value_or(std::vector<std::string>{})) {
      for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (h.empty() || h.find_first_of(" /:@") != std::string::npos)
        desk.error("hostnames", "desk.hostnames must be bare host names, like relais.agence.local (no port, no "
                                "scheme)");
      else
        c.hostnames.push_back(h);
    }
  } else if (!c.host.empty()) {
    c.hostnames.push_back(c.host);
    if (c.host != "localhost") c.hostnames.push_back("localhost");
  }
  c.tls_cert = desk.get_path("tls_cert", false).value_or("");
  c.tls_key = desk.get_path("tls_key", false).value_or("");
  if (c.tls_cert.empty() != c.tls_key.empty())
    desk.error(c.tls_cert.empty() ? "tls_key" : "tls_cert",
               "desk.tls_cert and desk.tls_key go together: give both (relais-agent desk-cert makes them)");
  if (auto idle = desk.get_string("session_idle", false)) {
    auto ms = parse_expires_in(*idle);
    if (ms.ok()) c.session_idle_ms = *ms;
    else desk.error("session_idle", "desk.session_idle must be a duration such as 15m or 2h");
  }
  if (!c.host.empty() && !is_loopback_host(c.host) && !c.tls())
    desk.error("listen", "desk.listen is not a loopback address, so the desk needs TLS: set desk.tls_cert and "
                         "desk.tls_key (relais-agent desk-cert makes them), or listen on 127.0.0.1");
  desk.reject_unknown();
  return c;
}

}  // namespace relais
