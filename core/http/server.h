// HttpServer: the one small HTTP server of Relais programs (the broker's
// /metrics and /healthz; later the desk), a wrapper over cpp-httplib that
// fixes the limits every endpoint gets, so no caller can forget one:
//
//   - request bodies of at most HttpLimits::max_body_bytes (413 beyond);
//   - read and write timeouts (10 s by default) for slow or stalled peers;
//   - at most keep_alive_max requests on one connection (5 by default);
//   - `threads` workers behind a task queue of at most `queue` connections:
//     when it is full, the accepting thread waits for room, so the kernel's
//     listen backlog, not memory, absorbs a flood;
//   - a Host check: a request whose Host header is not the configured
//     host[:port], nor localhost, 127.0.0.1 or [::1] with the bound port, is
//     answered 421 (DNS rebinding from a browser cannot reach it); a request
//     without Host is answered 400.
// Routes: get() adds a GET route on an exact path (anything else is 404,
// 405 for another method on a known path). handle_all() instead sends every
// GET and POST request, whatever its path, to one RequestHandler that does
// its own dispatch (the desk): it sees the method, path, query and form
// parameters, headers, cookies and the client address, and sets status,
// headers and body. Handlers run on the worker threads: they must only read
// what is safe to read from there (the broker gives them a snapshot under a
// mutex, core/broker/metrics.h), never engine state.
//
// Uploads: a multipart/form-data body's files (parts with a file name) are
// in HttpRequest::files; its other parts are form parameters like those of
// an urlencoded body. A body over max_body_bytes is answered 413 before any
// handler runs: set_too_large() gives that answer a page of its own.
//
// Host names: by default the Host check admits the configured host,
// localhost, 127.0.0.1 and [::1]; set_hostnames() replaces that list (the
// desk's [desk] hostnames). TLS: with HttpTls the server speaks only HTTPS,
// with the given PEM certificate and key (Status::Config at start() when
// they cannot be loaded).
//
// Lifecycle: add routes, then start() binds (Status::Config when the
// address cannot be bound) and serves on its own thread until stop() (also
// called by the destructor). port() is the bound port (0 asks for an
// ephemeral one).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace relais {

struct HttpLimits {
  size_t max_body_bytes = 4096;
  int timeout_seconds = 10;
  size_t keep_alive_max = 5;
  size_t threads = 2;
  size_t queue = 16;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie may repeat)
};

// One uploaded file of a multipart/form-data body. `filename` and
// `content_type` are what the client said: never trust them.
struct HttpFile {
  std::string field;         // the form input's name
  std::string filename;
  std::string content_type;
  std::string content;
};

// One request as handle_all() sees it.
struct HttpRequest {
  std::string method;       // GET | POST
  std::string path;         // without the query
  std::string remote_addr;  // the client's address
  std::map<std::string, std::string> params;   // query, then an urlencoded or multipart form body (first value of each)
  std::map<std::string, std::string> headers;  // lowercased names (first value of each)
  std::string body;                            // empty for a multipart body
  std::vector<HttpFile> files;                 // a multipart body's files, in order

  std::string header(const std::string& lowercase_name) const;
  std::string param(const std::string& name) const;
  // The value of cookie `name` from the Cookie header ("" when absent).
  std::string cookie(const std::string& name) const;
};

struct HttpTls {
  std::string cert_file;  // PEM
  std::string key_file;   // PEM, mode 0600
};

// "HOST:PORT" (IPv4 or a name; "[v6]:PORT") split; Status::Config with a
// plain message when it is not of that shape or the port is not 0..65535.
struct HostPort {
  std::string host;
  int port = 0;
};
Result<HostPort> parse_host_port(const std::string& text);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;
  using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer(HostPort listen, HttpLimits limits, std::optional<HttpTls> tls = std::nullopt);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Before start() only.
  void get(const std::string& path, Handler handler);
  void handle_all(RequestHandler handler) { all_ = std::move(handler); }
  // The answer to a request whose body is over max_body_bytes (its status
  // is 413 whatever the handler sets; the request has no body nor params
  // from it). Without one the answer is a bare 413.
  void set_too_large(RequestHandler handler) { too_large_ = std::move(handler); }
  // Host names admitted by the Host check (lowercase), replacing the default.
  void set_hostnames(std::vector<std::string> names) { hostnames_ = std::move(names); }

  Status start();
  void stop();
  int port() const { return port_; }

  // The Host check on its own (exposed for tests): true for the configured
  // host, localhost, 127.0.0.1 or [::1] (or the names given to
  // set_hostnames()), each bare or with the bound port.
  bool host_allowed(const std::string& host_header) const;

 private:
  struct Impl;
  HostPort listen_;
  HttpLimits limits_;
  std::optional<HttpTls> tls_;
  int port_ = 0;
  std::vector<std::pair<std::string, Handler>> routes_;
  RequestHandler all_;
  RequestHandler too_large_;
  std::vector<std::string> hostnames_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relais
