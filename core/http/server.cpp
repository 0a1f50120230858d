#include "http/server.h"

#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <httplib.h>
#include <mutex>
#include <thread>

namespace relais {
namespace {

// A fixed pool of workers behind a queue of at most `max_queued` jobs (one
// job: one accepted connection). enqueue() waits while the queue is full.
class BoundedQueue final : public httplib::TaskQueue {
 public:
  BoundedQueue(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~BoundedQueue() override = default;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> g(mu_);
    room_.wait(g, [&] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));  // after shutdown too: the job closes its socket
    g.unlock();
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> g(mu_);
      shutdown_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  void work() {
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> g(mu_);
        ready_.wait(g, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool shutdown_ = false;
};

// "name" or "name:port" or "[v6]" or "[v6]:port" -> (name, port or -1).
std::pair<std::string, int> split_host_header(const std::string& h) {
  std::string name = h;
  int port = -1;
  const size_t colon = h.rfind(':');
  const size_t bracket = h.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    name = h.substr(0, colon);
    const std::string p = h.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return {"", -2};
    port = std::stoi(p);
  }
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {name, port};
}

}  // namespace

Result<HostPort> parse_host_port(const std::string& text) {
  auto bad = [&] {
    return Status::Config("metrics listen address \"" + text +
                          "\" is not HOST:PORT (for example 127.0.0.1:9470; port 0 picks a free one)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.front() == '[') {
    if (hp.host.size() < 3 || hp.host.back() != ']') return bad();
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  const std::string p = text.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return bad();
  hp.port = std::stoi(p);
  if (hp.port > 65535) return bad();
  return hp;
}

std::string HttpRequest::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::string HttpRequest::cookie(const std::string& name) const {
  const std::string all = header("cookie");
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find(';', pos);
    if (end == std::string::npos) end = all.size();
    std::string_view part(all.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return {};
}

namespace {

HttpRequest to_request(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  r.remote_addr = req.remote_addr;
  r.body = req.body;
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(std::move(name), v);  // first value wins
  }
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);  // query and urlencoded form (httplib parses both)
  // A multipart body: httplib keeps every part in `files`, in order of name.
  for (const auto& [name, part] : req.files) {
    if (part.filename.empty() && part.content_type.empty()) r.params.emplace(name, part.content);
    else r.files.push_back({name, part.filename, part.content_type, part.content});
  }
  return r;
}

void fill_response(HttpResponse r, httplib::Response& res) {
  res.status = r.status;
  for (auto& [k, v] : r.headers) res.headers.emplace(std::move(k), std::move(v));
  res.set_content(std::move(r.body), r.content_type.c_str());
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(const std::optional<HttpTls>& tls) {
    if (tls) server = std::make_unique<httplib::SSLServer>(tls->cert_file.c_str(), tls->key_file.c_str());
    else server = std::make_unique<httplib::Server>();
  }
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};  // the accept loop ended (or never began)
};

HttpServer::HttpServer(HostPort listen, HttpLimits limits, std::optional<HttpTls> tls)
    : listen_(std::move(listen)), limits_(limits), tls_(std::move(tls)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::get(const std::string& path, Handler handler) { routes_.emplace_back(path, std::move(handler)); }

bool HttpServer::host_allowed(const std::string& host_header) const {
  auto [name, port] = split_host_header(host_header);
  if (port == -2 || name.empty()) return false;
  if (port != -1 && port != port_) return false;
  if (!hostnames_.empty()) {
    for (std::string h : hostnames_) {
      for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
      if (name == h) return true;
    }
    return false;
  }
  std::string configured = listen_.host;
  for (auto& c : configured) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (configured.find(':') != std::string::npos) configured = "[" + configured + "]";
  return name == configured || name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

Status HttpServer::start() {
  assert(!impl_);
  impl_ = std::make_unique<Impl>(tls_);
  httplib::Server& s = *impl_->server;
  if (!s.is_valid()) {
    impl_.reset();
    return Status::Config("cannot load the TLS certificate " + tls_->cert_file + " or its key " + tls_->key_file +
                          ": check both are PEM files readable by this service (relais-agent desk-cert makes them)");
  }
  const HttpLimits lim = limits_;
  s.new_task_queue = [lim] { return new BoundedQueue(lim.threads, lim.queue); };
  s.set_payload_max_length(lim.max_body_bytes);
  s.set_read_timeout(lim.timeout_seconds, 0);
  s.set_write_timeout(lim.timeout_seconds, 0);
  s.set_keep_alive_max_count(lim.keep_alive_max);
  s.set_keep_alive_timeout(lim.timeout_seconds);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Host")) {
      res.status = 400;
      res.set_content("a Host header is required\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!host_allowed(req.get_header_value("Host"))) {
      res.status = 421;
      res.set_content("this server answers only for its own address or localhost\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  for (const auto& [path, handler] : routes_) {
    Handler h = handler;
    // cpp-httplib matches a route as a whole-path regular expression; the
    // paths used here ("/metrics", "/healthz") are plain.
    s.Get(path, [h](const httplib::Request&, httplib::Response& res) { fill_response(h(), res); });
  }
  if (too_large_) {
    RequestHandler h = too_large_;
    s.set_error_handler(httplib::Server::HandlerWithResponse([h](const httplib::Request& req, httplib::Response& res) {
      if (res.status != 413 || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      HttpRequest r;
      r.method = req.method;
      r.path = req.path;
      r.remote_addr = req.remote_addr;
      for (const auto& [k, v] : req.headers) {
        std::string name = k;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace(std::move(name), v);
      }
      HttpResponse out = h(r);
      out.status = 413;
      fill_response(std::move(out), res);
      return httplib::Server::HandlerResponse::Handled;
    }));
  }
  if (all_) {
    RequestHandler h = all_;
    auto any = [h](const httplib::Request& req, httplib::Response& res) { fill_response(h(to_request(req)), res); };
    s.Get(".*", any);
    s.Post(".*", any);
  }
  const int port = listen_.port == 0 ? s.bind_to_any_port(listen_.host) : (s.bind_to_port(listen_.host, listen_.port) ? listen_.port : -1);
  if (port <= 0) {
    impl_.reset();
    return Status::Config("cannot listen for HTTP on " + listen_.host + ":" + std::to_string(listen_.port) +
                          " (is another program using that port, or is the address not this machine's?)");
  }
  port_ = port;
  Impl* impl = impl_.get();
  impl_->thread = std::thread([impl] {
    impl->server->listen_after_bind();
    impl->listen_returned = true;
  });
  // stop() only ends a server that runs: wait until its accept loop has begun
  // (at once, in practice), or has returned without serving.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl_->server->is_running()) {
    if (impl_->listen_returned || std::chrono::steady_clock::now() > give_up) {
      impl_->server->stop();
      impl_->thread.join();
      impl_.reset();
      return Status::IOError("the HTTP server on " + listen_.host + ":" + std::to_string(port_) +
                             " did not start serving; see the log above, then restart the broker");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
}

}  // namespace relais
