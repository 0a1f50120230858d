"""Real processes for the desk's browser tests: a deployment made by
relais-admin init, a broker, agent services with the desk on, accounts, and
headless Chromium driven by Selenium (Debian's chromium, chromium-driver and
python3-selenium). Everything listens on 127.0.0.1 with ephemeral ports and
is stopped at the end. Waits are on conditions (WebDriverWait, or a bounded
poll of a process's output), never fixed sleeps."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--window-size=1280,900",
    # Nothing beyond this machine: names other than the desk's resolve to
    # nothing (no DNS query leaves), everything else goes to a closed local
    # proxy port, and the background services that phone home are off.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--proxy-server=http://127.0.0.1:9",  # loopback itself is never proxied
    "--enable-features=EnableIPv6ReachabilityOverride",
    "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
    "--disable-client-side-phishing-detection", "--no-default-browser-check", "--no-pings",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,"
    "NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,DialMediaRouteProvider",
]
# Network log events that put a connection on the wire: a TCP connect
# attempt, or UDP bytes sent (a UDP socket's connect() alone sends nothing:
# Chromium's IPv6 reachability probe "connects" one to 2001:4860:4860::8888
# only to learn its local address, and never sends on it).
TCP_EVENTS = ("TCP_CONNECT_ATTEMPT", "TCP_CONNECT")

PASSWORDS = {
    "caseworker": "mangue tortue bleue cinq lampadaires",
    "viewer": "pirogue lagune rouge sept baobabs",
    "admin": "harmattan colline verte neuf tambours",
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_text(path):
    with open(path) as f:
        return f.read()


def wait_until(what, fn, timeout=20.0, poll=0.05):
    """A bounded wait on a condition (for processes; pages use WebDriverWait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(poll)


class Deployment:
    """One sample deployment: relais-admin init, the broker, agent services."""

    def __init__(self, bin_dir, work_dir):
        self.bin = bin_dir
        self.dir = work_dir
        self.port = free_port()
        self.broker = None
        self.services = {}
        self.logs = []
        self.run([os.path.join(bin_dir, "relais-admin"), "init", "--dir", self.dir, "--port", str(self.port)])

    def run(self, argv, stdin=None, check=True):
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d): %s" % (" ".join(argv[:4]), p.returncode, p.stderr))
        return p

    def agent(self, who, *args, stdin=None, check=True):
        return self.run([os.path.join(self.bin, "relais-agent"), "--config", self.config(who)] + list(args),
                        stdin=stdin, check=check)

    def config(self, who):
        return os.path.join(self.dir, "agents", who + ".toml")

    def start_broker(self):
        log = open(os.path.join(self.dir, "broker.log"), "a")
        self.logs.append(log)
        self.broker = subprocess.Popen([os.path.join(self.bin, "relais-broker"), "--config",
                                        os.path.join(self.dir, "broker.toml")], stdout=log, stderr=log)
        wait_until("the broker to be ready", lambda: "ready on" in read_text(os.path.join(self.dir, "broker.log")),
                   timeout=30)

    def stop_broker(self):
        if self.broker and self.broker.poll() is None:
            self.broker.send_signal(signal.SIGTERM)
            self.broker.wait(timeout=30)
        self.broker = None

    def enable_desk(self, who):
        """Adds [desk] on an ephemeral port of 127.0.0.1 to WHO's configuration."""
        with open(self.config(who), "a") as f:
            f.write('\n[desk]\nlisten = "127.0.0.1:0"\n')
            # Reconnect quickly after the tests restart the broker.
            f.write('\n[service]\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\n')

    def add_user(self, who, name, role):
        self.agent(who, "user", "add", name, "--role", role, stdin=PASSWORDS[role] + "\n")

    def start_service(self, who):
        """Starts `relais-agent run` for WHO; returns the desk's base URL."""
        err_path = os.path.join(self.dir, who + ".service.log")
        log = open(err_path, "a")
        self.logs.append(log)
        p = subprocess.Popen([os.path.join(self.bin, "relais-agent"), "--config", self.config(who), "run"],
                             stdout=log, stderr=log)
        self.services[who] = p

        def desk_url():
            if p.poll() is not None:
                raise AssertionError("the service of %s stopped: %s" % (who, read_text(err_path)))
            for line in read_text(err_path).splitlines():
                if "desk listening on " in line:
                    return line.split("desk listening on ", 1)[1].split()[0]
            return None
        return wait_until("the desk of " + who, desk_url, timeout=30)

    def stop(self):
        for p in list(self.services.values()):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in list(self.services.values()):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.services = {}
        self.stop_broker()
        for log in self.logs:
            log.close()


class Browser:
    """Headless Chromium with a fresh profile and a network log."""

    def __init__(self, work_dir):
        self.profile = tempfile.mkdtemp(prefix="relais-chromium-", dir=work_dir)
        self.netlog = os.path.join(work_dir, "netlog-%d.json" % os.getpid())
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS:
            opts.add_argument(flag)
        opts.add_argument("--user-data-dir=" + self.profile)
        opts.add_argument("--log-net-log=" + self.netlog)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.driver.set_page_load_timeout(30)
        self.console = []

    def wait(self, timeout=30):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1)

    def open(self, url):
        self.opened = True  # a page was asked for: the network log must show it
        self.driver.get(url)
        self.collect_console()

    def collect_console(self):
        self.console += self.driver.get_log("browser")

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    @staticmethod
    def _detached(error):
        """Whether a driver error says the node has left the document: a stale
        element, or Chromium's "Node with given id does not belong to the
        document"."""
        return isinstance(error, StaleElementReferenceException) or (
            isinstance(error, WebDriverException) and "does not belong to the document" in str(error))

    def wait_gone(self, element, timeout=30):
        """Waits until `element` has left the document (the page was replaced)."""
        def gone(_):
            try:
                element.is_enabled()
                return False
            except WebDriverException as e:
                if self._detached(e):
                    return True
                raise
        self.wait(timeout).until(gone)

    def wait_text(self, fragment, timeout=30):
        def shown(d):
            # The page may be replaced between finding its body and reading
            # it (a navigation under way): not shown yet, look again.
            try:
                return fragment in d.find_element(By.TAG_NAME, "body").text
            except WebDriverException as e:
                if self._detached(e):
                    return False
                raise
        self.wait(timeout).until(shown)

    def login(self, base, user, password):
        self.open(base + "/login")
        self.driver.find_element(By.ID, "user").send_keys(user)
        self.driver.find_element(By.ID, "password").send_keys(password)
        form = self.driver.find_element(By.CSS_SELECTOR, "form.stack")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # The answer is a new page: wait until the form we filled is gone.
        self.wait_gone(form)

    def resources_from_elsewhere(self, base):
        """URLs of resources this page loaded from another origin."""
        names = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".concat([document.location.href]);")
        return [n for n in names if not n.startswith(base + "/")]

    def session_cookie(self):
        for c in self.driver.get_cookies():
            if c["name"] == "relais_session":
                return c["value"]
        return None

    def screenshot(self, path):
        try:
            self.driver.save_screenshot(path)
        except Exception:  # the browser may be gone
            pass

    def quit(self):
        try:
            self.collect_console()
        except Exception:
            pass
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    def peers_contacted(self):
        """Every peer address Chromium opened a connection to (after quit),
        from the connection events of its network log."""
        text = read_text(self.netlog) if os.path.exists(self.netlog) else ""
        if not text:
            return set()
        try:
            log = json.loads(text)
        except ValueError:  # a log cut at exit: close it
            log = json.loads(text.rstrip().rstrip(",") + "]}")
        names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
        peers = set()
        udp_peer = {}  # UDP socket source id -> the address it connected to
        for event in log.get("events", []):
            name = names.get(event.get("type"))
            params = event.get("params") or {}
            address = params.get("address")
            source = (event.get("source") or {}).get("id")
            if name == "UDP_CONNECT" and isinstance(address, str):
                udp_peer[source] = address
            elif name == "UDP_BYTES_SENT":
                address = address or udp_peer.get(source)
            elif name not in TCP_EVENTS:
                continue
            if name == "UDP_CONNECT" or not isinstance(address, str) or not address:
                continue
            peers.add(address.rsplit(":", 1)[0].strip("[]"))
        return peers


def http_request(base, method, path, headers=None, body=None):
    """A raw HTTP request to the desk (for what a browser would never send)."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), dict(r.getheaders())
    finally:
        c.close()
