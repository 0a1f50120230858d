// Broker: the central router as a program runs it. One ROUTER socket (CURVE
// server), one ZAP thread, one log-writer thread and signature-check workers
// around the BrokerEngine (engine.h), which makes every decision.
//
// Lifecycle: Broker::create() loads and checks everything (config, identity,
// bundle, data folder) and fails with a Status whose exit_code() is the
// program's; start() starts the ZAP handler, binds and writes DATA/broker.pid;
// run() serves until stop_fd becomes readable (the program passes a signalfd
// for SIGTERM/SIGINT) and then shuts down cleanly: every accepted record is
// synced before exit. Each time reload_fd (a signalfd for SIGHUP) becomes
// readable, the bundle file is read again and the engine reloads it
// (engine.h); the outcome goes to DATA/reload.status (reload_control.h).
// A Broker is used from one thread; its helpers own their own threads.
// A LifecycleListener (optional) hears when the broker serves, reloads and
// stops: the program tells the service manager (broker/notify.h), so the
// core library never links libsystemd.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/broker_config.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

class BrokerImpl;

// The broker's lifecycle as the program reports it. Every call is made on
// the broker's thread, in this order: ready() once start() serves; for each
// reload reloading() before the bundle is read and reloaded() after its
// outcome is known (accepted or refused: the broker serves on either way);
// stopping() once when the stop signal is seen, before the final sync.
class LifecycleListener {
 public:
  virtual ~LifecycleListener() = default;
  virtual void ready(const std::string& endpoint, uint64_t bundle_serial) = 0;
  virtual void reloading() = 0;
  virtual void reloaded(bool accepted, uint64_t bundle_serial) = 0;
  virtual void stopping() = 0;
};

class Broker {
 public:
  static Result<std::unique_ptr<Broker>> create(const BrokerConfig& config);
  ~Broker();

  // Starts the ZAP handler (refusing to run if it cannot), then binds.
  Status start();
  // Serves until stop_fd is readable, reloading when reload_fd (-1: none)
  // is. Returns the shutdown status.
  Status run(int stop_fd, int reload_fd = -1);
  // The endpoint actually bound (resolves a tcp://...:* wildcard port).
  std::string endpoint() const;
  // Set before start(); must outlive the broker. nullptr: nobody listens.
  void set_lifecycle_listener(LifecycleListener* listener);

  // How a reload reads the bundle file: by default read_file() with the
  // bundle size limit. The disk seam of a reload: called on the reload's own
  // thread (never the broker's), once per reload, with broker.bundle's path;
  // a test can hold a check there. Set before start().
  using BundleReader = std::function<Result<Bytes>(const std::string& path)>;
  void set_bundle_reader(BundleReader reader);

 private:
  explicit Broker(std::unique_ptr<BrokerImpl> impl);
  std::unique_ptr<BrokerImpl> impl_;
};

// Checks a configuration and its bundle without starting anything, for
// --check-config: every problem, each with file:line where there is one.
Status check_broker_config(const std::string& config_path);

}  // namespace relais
