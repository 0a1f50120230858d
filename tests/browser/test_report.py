#!/usr/bin/python3
"""The commission's indicators in a real browser: two committees send
statistics reports through a real broker, the commission's service stores
them, `relais-agent report` writes the HTML file, and headless Chromium
opens it offline: no console error, five charts each with data drawn, no
resource fetched. The screenshot is kept in the artifacts folder
(report.fr.png, report.en.png), and the page's HTML on a failure.

Usage: /usr/bin/python3 tests/browser/test_report.py --bin BUILD/bin --artifacts DIR"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Browser, Deployment, read_text, wait_until  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ARGS = None
COMMITTEES = [("committee.golfe", "maritime", "golfe"), ("committee.kozah", "kara", "kozah")]
CHARTS = ["chart-region", "chart-monthly", "chart-exploitation", "chart-coverage", "chart-targets"]


def last_months(n):
    """The n full months before this one, oldest first: [(start, end)]."""
    first = datetime.date.today().replace(day=1)
    out = []
    for _ in range(n):
        end = first - datetime.timedelta(days=1)
        first = end.replace(day=1)
        out.append((first.isoformat(), end.isoformat()))
    return list(reversed(out))


def statistics(region, prefecture, start, end, report_id, k):
    """A statistics-report/2 whose counts grow with k (every count 0 or >= 5)."""
    return {
        "report_id": report_id,
        "period": {"start": start, "end": end},
        "region": region,
        "prefecture": prefecture,
        "victims": [
            {"age_band": "9-17", "gender": "female", "exploitation_type": "child_labour", "nationality": "TG",
             "count": 10 + k},
            {"age_band": "18-20", "gender": "male", "exploitation_type": "forced_labour", "nationality": "foreign",
             "count": "suppressed" if k == 1 else 5 + k},
        ],
        "victims_identified": 15 + 2 * k,
        "victims_assisted": {"shelter": 5, "medical": 10 + k, "psychosocial": 6, "legal": 0,
                             "family_tracing": 0, "reintegration": 5},
        "justice": {"investigations_opened": 5 + k, "prosecutions": 5, "convictions": 0},
        "repatriations": [{"direction": "inbound", "country": "BJ", "count": 5}],
        "awareness": {"sessions": 6, "people_reached": 120 + 10 * k},
        "trainings": {"sessions": 0, "people_trained": 0},
        "referrals": {"made": 8, "accepted": 6, "done": 5},
        "alerts_by_kind": {"suspected_trafficking": 7 + k, "missing_child": 5, "border_interception": 0},
    }


class ReportScenario(unittest.TestCase):

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="relais-browser-report-")
        self.dep = Deployment(ARGS.bin, os.path.join(self.work, "deployment"))
        self.dep.start_broker()
        self.browser = None

    def tearDown(self):
        if self.browser is not None:
            if not self._outcome.success:
                os.makedirs(ARGS.artifacts, exist_ok=True)
                try:
                    with open(os.path.join(ARGS.artifacts, "report.failed.html"), "w") as f:
                        f.write(self.browser.driver.page_source)
                except Exception:
                    pass
            self.browser.quit()
            foreign = sorted(p for p in self.browser.peers_contacted() if p not in ("127.0.0.1", "::1"))
            self.assertEqual(foreign, [], "Chromium opened connections while showing a file")
        self.dep.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def send_reports(self):
        """Three months from each committee, and one correction: 7 messages."""
        sent = 0
        for i, (start, end) in enumerate(last_months(3)):
            for k, (who, region, prefecture) in enumerate(COMMITTEES):
                doc = statistics(region, prefecture, start, end, "%s-%s" % (prefecture, start[:7]), i + k)
                self.dep.agent(who, "publish", "--topic", "stats." + prefecture, "--type", "statistics-report",
                               stdin=json.dumps(doc))
                sent += 1
        start, end = last_months(3)[0]
        fix = statistics("maritime", "golfe", start, end, "golfe-%s-r2" % start[:7], 4)
        fix["supersedes"] = "golfe-%s" % start[:7]
        self.dep.agent("committee.golfe", "publish", "--topic", "stats.golfe", "--type", "statistics-report",
                       stdin=json.dumps(fix))
        return sent + 1

    def test_html_opens_with_five_charts(self):
        # The commission keeps the statistics topics in its store.
        self.dep.enable_desk("commission")
        with open(self.dep.config("commission"), "a") as f:
            f.write('\n[[subscription]]\ntopic = "stats.*"\ndurable = "stats"\nfrom = "first"\n')
        sent = self.send_reports()
        self.dep.start_service("commission")

        def stored():
            out = self.dep.agent("commission", "inbox", "--json", "--type", "statistics-report").stdout
            return len(json.loads(out)) >= sent
        # Bounded generously: the service may be in a reconnect backoff when it starts.
        try:
            wait_until("the commission to store the reports", stored, timeout=120)
        except AssertionError as e:
            # Keep what the service and the inbox said: every listed message,
            # one line each (a tail of the JSON once hid the newest ones).
            log = os.path.join(self.dep.dir, "commission.service.log")
            tail = read_text(log)[-4000:] if os.path.exists(log) else "(no service log)"
            listed = json.loads(self.dep.agent("commission", "inbox", "--json").stdout)
            inbox = "\n".join("seq %s %s %s" % (m.get("seq"), m.get("type"), m.get("id")) for m in listed)
            raise AssertionError("%s\n--- commission service log (end):\n%s\n--- inbox:\n%s" % (e, tail, inbox))

        months = last_months(3)
        span = ["--from", months[0][0], "--to", months[-1][1]]
        os.makedirs(ARGS.artifacts, exist_ok=True)
        for lang in ("fr", "en"):
            path = os.path.join(self.work, "report.%s.html" % lang)
            out = self.dep.agent("commission", "report", *span, "--lang", lang, "--format", "html", "--out", path)
            summary = json.loads(out.stdout)
            self.assertEqual(summary["counted"], 6)   # the correction replaces one
            self.assertEqual(summary["excluded"], 1)

            if self.browser is None:
                self.browser = Browser(self.work)
            self.browser.open("file://" + path)
            d = self.browser.driver
            self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), lang)
            figures = d.find_elements(By.CSS_SELECTOR, "figure.chart")
            self.assertEqual([f.get_attribute("id") for f in figures], CHARTS)
            for fig in figures:
                marks = fig.find_elements(By.CSS_SELECTOR, "svg .mark")
                self.assertGreater(len(marks), 0, fig.get_attribute("id") + " draws no data")
                self.assertTrue(fig.find_element(By.CSS_SELECTOR, "svg title").get_attribute("textContent"))
                self.assertTrue(fig.find_element(By.CSS_SELECTOR, "svg desc").get_attribute("textContent"))
                self.assertTrue(fig.find_elements(By.CSS_SELECTOR, "svg .axis-title"))
                box = fig.find_element(By.TAG_NAME, "svg").rect
                self.assertGreater(box["width"], 100)
                self.assertGreater(box["height"], 100)
            text = self.browser.text()
            self.assertIn("Indicateurs du PTBA" if lang == "fr" else "PTBA indicators", text)
            self.assertNotIn("report.", text)
            self.assertEqual(self.browser.resources_from_elsewhere("file://" + self.work), [])
            self.browser.collect_console()
            errors = [e["message"] for e in self.browser.console if e.get("level") == "SEVERE"]
            self.assertEqual(errors, [], "the browser console reported errors")
            d.set_window_size(1280, max(900, d.execute_script("return document.body.scrollHeight")))
            self.browser.screenshot(os.path.join(ARGS.artifacts, "report.%s.png" % lang))
            shutil.copy(path, os.path.join(ARGS.artifacts, "report.%s.html" % lang))
        for fmt in ("csv", "json"):
            self.dep.agent("commission", "report", *span, "--format", fmt,
                           "--out", os.path.join(ARGS.artifacts, "report." + fmt))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--artifacts", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
