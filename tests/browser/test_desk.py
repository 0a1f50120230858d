#!/usr/bin/python3
"""The desk in a real browser: headless Chromium, driven by Selenium, against
real agent services, a real broker and real accounts.

Usage: /usr/bin/python3 tests/browser/test_desk.py --bin BUILD/bin --artifacts DIR
Each scenario has its own deployment, services and users. On a failure the
page's screenshot and HTML are kept in the artifacts folder."""

import argparse
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORDS, Browser, Deployment, http_request  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ARGS = None
HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "demo", "documents")
READER = "social.golfe"


class DeskScenario(unittest.TestCase):
    """One deployment with social.golfe's service and desk; one browser."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="relais-browser-")
        self.dep = Deployment(ARGS.bin, os.path.join(self.work, "deployment"))
        # Stopped even when setUp fails half-way (tearDown would not run then).
        self.addCleanup(self.dep.stop)
        self.dep.start_broker()
        self.dep.enable_desk(READER)
        self.dep.add_user(READER, "amivi", "caseworker")
        self.dep.add_user(READER, "kossi", "viewer")
        self.dep.add_user(READER, "chef", "admin")
        self.base = self.dep.start_service(READER)
        self.browser = Browser(self.work)

    def tearDown(self):
        result = self._outcome.result  # errors are recorded there as they happen
        if any(test is self for test, _ in result.errors + result.failures):
            os.makedirs(ARGS.artifacts, exist_ok=True)
            stem = os.path.join(ARGS.artifacts, self.id().split(".")[-1])
            self.browser.screenshot(stem + ".png")
            try:
                with open(stem + ".html", "w") as f:
                    f.write(self.browser.driver.page_source)
            except Exception:
                pass
            for name in os.listdir(self.dep.dir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.dep.dir, name), stem + "." + name)
        self.browser.quit()
        self.dep.stop()
        self.check_network()
        shutil.rmtree(self.work, ignore_errors=True)

    def check_network(self):
        peers = self.browser.peers_contacted()
        # A scenario that never opened a page (it speaks HTTP itself) may
        # leave no connection in the log.
        if getattr(self.browser, "opened", False):
            self.assertIn("127.0.0.1", peers, "the network log shows no connection at all: is it being written?")
        foreign = sorted(p for p in peers if p not in ("127.0.0.1", "::1"))
        self.assertEqual(foreign, [], "Chromium opened connections beyond 127.0.0.1")

    def no_console_errors(self):
        self.browser.collect_console()
        errors = [e["message"] for e in self.browser.console if e.get("level") == "SEVERE"]
        self.assertEqual(errors, [], "the browser console reported errors")

    def send_referral(self, case_ref):
        out = self.dep.agent("ngo.refuge", "publish", "--topic", "referral." + READER, "--type", "referral",
                             "--urgency", "urgent", "--case-ref", case_ref,
                             "--file", os.path.join(DOCS, "referral-ngo-to-social.json"))
        return out.stdout

    def login(self, user, role):
        self.browser.login(self.base, user, PASSWORDS[role])
        self.browser.wait_text("Boîte de réception")

    # ---- scenarios

    def test_log_in(self):
        self.browser.open(self.base + "/inbox")
        self.browser.wait_text("Connexion")  # redirected to the login page, in French
        self.assertEqual(self.browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "fr")
        self.login("amivi", "caseworker")
        self.assertIn("Connecté : amivi", self.browser.text())
        self.assertEqual(self.browser.resources_from_elsewhere(self.base), [])
        self.no_console_errors()

    def test_message_from_another_agency_appears_and_opens(self):
        self.login("amivi", "caseworker")
        self.send_referral("c-b10a55e1")
        # The inbox refreshes itself (short polling with ETag): no reload here.
        self.browser.wait(40).until(lambda d: d.find_elements(By.LINK_TEXT, "Orientation"))
        self.assertIn("ngo.refuge", self.browser.text())
        self.browser.driver.find_element(By.LINK_TEXT, "Orientation").click()
        self.browser.wait_text("Acheminement")
        text = self.browser.text()
        self.assertIn("Signature vérifiée", text)
        self.assertIn("ne pas transmettre au-delà de ses destinataires", text)  # H2 explained
        self.assertIn("Consentement", text)  # body fields labelled
        self.assertEqual(self.browser.resources_from_elsewhere(self.base), [])
        self.no_console_errors()

    def test_case_timeline(self):
        self.send_referral("c-c0ffee01")
        self.login("amivi", "caseworker")
        self.browser.open(self.base + "/case/c-c0ffee01")
        # The referral received, and the automatic "received" response the service sent.
        self.browser.wait(40).until(lambda d: (d.refresh() or True) and "Reçu" in d.find_element(By.TAG_NAME, "body").text
                                    and "Envoyé" in d.find_element(By.TAG_NAME, "body").text)
        self.assertIn("Dossier c-c0ffee01", self.browser.text())
        self.assertIn("Réponse à une orientation", self.browser.text())

    def test_switch_to_english(self):
        self.login("kossi", "viewer")
        self.browser.driver.find_element(By.XPATH, "//button[text()='English']").click()
        self.browser.wait_text("Inbox")
        self.assertEqual(self.browser.driver.find_element(By.TAG_NAME, "html").get_attribute("lang"), "en")
        for path in ("/inbox", "/outbox", "/case/c-none"):
            self.browser.open(self.base + path)
            self.assertNotIn("inbox.", self.browser.text())
            self.assertNotIn("nav.", self.browser.text())
        self.browser.driver.find_element(By.XPATH, "//button[text()='Français']").click()
        self.browser.wait_text("Boîte de réception")

    def test_outbox_shows_a_queued_message_becoming_logged(self):
        self.login("amivi", "caseworker")
        self.dep.stop_broker()
        sent = self.dep.agent(READER, "send", "--topic", "response.ngo.refuge", "--type", "referral-response",
                              "--file", os.path.join(DOCS, "response-accepted.json"))
        self.assertIn('"status":"queued"', sent.stdout.replace(" ", ""))
        self.browser.open(self.base + "/outbox")
        self.browser.wait_text("En attente d'envoi")
        self.dep.start_broker()
        # The page refreshes itself until the service has delivered it.
        self.browser.wait(60).until(lambda d: "Enregistré par le serveur" in d.find_element(By.TAG_NAME, "body").text)

    # ---- security

    def test_post_without_csrf_token_is_refused(self):
        status, body, _ = http_request(self.base, "POST", "/login",
                                       headers={"Origin": self.base, "Content-Type": "application/x-www-form-urlencoded"},
                                       body="user=amivi&password=" + urllib.parse.quote(PASSWORDS["caseworker"]))
        self.assertEqual(status, 403)
        self.assertIn("formulaire", body)

    def test_foreign_host_is_refused(self):
        port = urllib.parse.urlsplit(self.base).port
        status, _, _ = http_request(self.base, "GET", "/login", headers={"Host": "evil.example:%d" % port})
        self.assertEqual(status, 421)

    def test_repeated_wrong_passwords_lock_the_account(self):
        for _ in range(4):
            self.browser.login(self.base, "amivi", "not the password at all")
            self.assertIn("Nom d'utilisateur ou mot de passe incorrect", self.browser.text())
        self.browser.login(self.base, "amivi", "not the password at all")
        self.assertIn("Trop d'essais incorrects", self.browser.text())
        # (That the right password waits too while locked is checked with a fake
        # clock in tests/desk/desk_server_test.cpp: here the 2 s may pass.)
        self.dep.agent(READER, "user", "unlock", "amivi")
        self.login("amivi", "caseworker")

    def test_viewer_cannot_reach_a_caseworker_action(self):
        self.send_referral("c-5ee0a11")
        self.login("kossi", "viewer")
        self.browser.wait(40).until(lambda d: d.find_elements(By.LINK_TEXT, "Orientation"))
        self.browser.driver.find_element(By.LINK_TEXT, "Orientation").click()
        self.browser.wait_text("Acheminement")
        self.assertEqual(self.browser.driver.find_elements(By.ID, "mark-done"), [])
        message_path = urllib.parse.urlsplit(self.browser.driver.current_url).path
        csrf = self.browser.driver.find_element(By.NAME, "csrf").get_attribute("value")
        status, _, _ = http_request(self.base, "POST", message_path + "/status",
                                    headers={"Origin": self.base, "Cookie": "relais_session=" + self.browser.session_cookie(),
                                             "Content-Type": "application/x-www-form-urlencoded"},
                                    body="csrf=" + urllib.parse.quote(csrf) + "&status=answered")
        self.assertEqual(status, 403)
        # The journal is an admin's: a viewer gets 403 there too.
        self.browser.open(self.base + "/journal")
        self.assertIn("Votre rôle ne permet pas cette action", self.browser.text())


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("-k", dest="pattern", default=None)
    ARGS, rest = parser.parse_known_args()
    ARGS.bin = os.path.abspath(ARGS.bin)
    ARGS.artifacts = os.path.abspath(ARGS.artifacts)
    argv = [sys.argv[0]] + rest + (["-k", ARGS.pattern] if ARGS.pattern else [])
    unittest.main(argv=argv, verbosity=2)


if __name__ == "__main__":
    main()
