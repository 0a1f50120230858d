#!/usr/bin/python3
"""Attachments through the desk in a real browser: headless Chromium, driven
by Selenium, against real agent services and a real broker.

ngo.refuge composes an alert with a photo (JPEG) and a PDF chosen in the
form's file input; its service seals and sends them; the commission's desk
lists them on the message's page; one is downloaded with the session's
cookie, and its headers and bytes are checked: the desk serves a file only
as a download (application/octet-stream, Content-Disposition: attachment,
Content-Security-Policy: sandbox, X-Content-Type-Options: nosniff).

Usage: /usr/bin/python3 tests/browser/test_desk_attachments.py --bin BUILD/bin --artifacts DIR
On a failure the page's screenshot and HTML, and the services' logs, are
kept in the artifacts folder."""

import argparse
import http.client
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORDS, Browser, Deployment  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

ARGS = None
DESKS = ("ngo.refuge", "commission")

# A JPEG-like and a PDF-like file: what matters is their first bytes (the
# media type is recognised from them) and that they come back unchanged.
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + bytes(range(256)) * 40 + b"\xff\xd9")
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
PHOTO_NAME = "photo du marché.jpg"
PDF_NAME = "rapport.pdf"


def fetch(base, path, cookie):
    """GET with the session's cookie; (status, headers as a dict of lists, body bytes)."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
    try:
        c.request("GET", path, headers={"Cookie": "relais_session=" + cookie})
        r = c.getresponse()
        headers = {}
        for k, v in r.getheaders():
            headers.setdefault(k.lower(), []).append(v)
        return r.status, headers, r.read()
    finally:
        c.close()


class AttachmentScenario(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="relais-browser-attach-")
        cls.dep = Deployment(ARGS.bin, os.path.join(cls.work, "deployment"))
        try:
            cls.dep.start_broker()
            # The commission reads every alert through a durable subscription.
            with open(cls.dep.config("commission"), "a") as f:
                f.write('\n[[subscription]]\ntopic = "alert.*.*.*"\ndurable = "alerts-all"\nfrom = "first"\n')
            cls.base = {}
            for who in DESKS:
                cls.dep.enable_desk(who)
            cls.dep.add_user("ngo.refuge", "amivi", "caseworker")
            cls.dep.add_user("commission", "kossi", "viewer")
            for who in DESKS:
                cls.base[who] = cls.dep.start_service(who)
            cls.files = os.path.join(cls.work, "files")
            os.makedirs(cls.files)
            for name, data in ((PHOTO_NAME, JPEG), (PDF_NAME, PDF)):
                with open(os.path.join(cls.files, name), "wb") as f:
                    f.write(data)
            cls.browser = Browser(cls.work)
        except Exception:
            cls.dep.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.dep.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tearDown(self):
        result = self._outcome.result
        if any(test is self for test, _ in result.errors + result.failures):
            os.makedirs(ARGS.artifacts, exist_ok=True)
            stem = os.path.join(ARGS.artifacts, "attachments." + self.id().split(".")[-1])
            self.browser.screenshot(stem + ".png")
            try:
                with open(stem + ".html", "w") as f:
                    f.write(self.browser.driver.page_source)
            except Exception:
                pass
            for name in os.listdir(self.dep.dir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.dep.dir, name), stem + "." + name)

    @property
    def d(self):
        return self.browser.driver

    def login(self, who, user, role):
        self.browser.open(self.base[who] + "/login")  # cookies are per host: 127.0.0.1 for every desk
        self.d.delete_all_cookies()
        self.browser.login(self.base[who], user, PASSWORDS[role])
        self.browser.wait_text(user)

    def choose(self, name, value):
        Select(self.d.find_element(By.NAME, name)).select_by_value(value)

    def fill(self, name, text):
        e = self.d.find_element(By.NAME, name)
        e.clear()
        e.send_keys(text)

    def test_an_alert_with_a_photo_and_a_pdf_is_listed_and_downloaded_as_a_file(self):
        self.login("ngo.refuge", "amivi", "caseworker")
        self.browser.open(self.base["ngo.refuge"] + "/compose/alert")
        self.browser.wait_text("Écrire : Alerte")
        form = self.d.find_element(By.CSS_SELECTOR, "form.compose")
        self.assertEqual(form.get_attribute("enctype"), "multipart/form-data")
        self.assertIn("ne sont pas gardées dans les brouillons", self.browser.text())
        self.choose("/kind", "missing_child")
        self.choose("/location/region", "maritime")
        self.choose("/location/prefecture", "golfe")
        self.fill("/location/detail", "gare routière")
        self.fill("/description", "Deux enfants seuls ; photo et rapport de la brigade joints.")
        self.fill("/subject_count", "2")
        self.choose("/age_band", "9-17")
        self.choose("/minor_involved", "yes")
        self.choose("/reliability", "B")
        self.choose("/accuracy", "2")
        # Several files in one input: their paths, one per line.
        self.d.find_element(By.ID, "f_attachments").send_keys(
            os.path.join(self.files, PHOTO_NAME) + "\n" + os.path.join(self.files, PDF_NAME))
        self.d.find_element(By.ID, "send").click()
        self.browser.wait_gone(form)
        # The sent message's page lists the files, and follows the outbox.
        self.browser.wait_text(PHOTO_NAME)
        self.browser.wait_text("Enregistré par le serveur", timeout=40)

        # The commission's viewer sees the alert and its files.
        self.login("commission", "kossi", "viewer")
        self.browser.wait(40).until(lambda d: d.find_elements(By.LINK_TEXT, "Alerte"))
        self.d.find_element(By.LINK_TEXT, "Alerte").click()
        self.browser.wait_text("Deux enfants seuls")
        text = self.browser.text()
        self.assertIn("Pièces jointes", text)
        self.assertIn(PHOTO_NAME, text)
        self.assertIn("image/jpeg", text)
        self.assertIn(PDF_NAME, text)
        self.assertIn("application/pdf", text)
        self.assertIn("ne s'ouvrent jamais dans le bureau", text)
        links = {a.text: a.get_attribute("href") for a in self.d.find_elements(By.CSS_SELECTOR, "ul.attachments a")}
        self.assertEqual(set(links), {PHOTO_NAME, PDF_NAME})
        base = self.base["commission"]
        for name, data in ((PDF_NAME, PDF), (PHOTO_NAME, JPEG)):
            href = links[name]
            self.assertTrue(href.startswith(base + "/message/"), href)
            status, headers, body = fetch(base, href[len(base):], self.browser.session_cookie())
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("content-type"), ["application/octet-stream"])
            quoted = urllib.parse.quote(name, safe="")
            self.assertEqual(headers.get("content-disposition"),
                             ['attachment; filename="%s"; filename*=UTF-8\'\'%s'
                              % (name.replace("é", "_"), quoted)])
            self.assertEqual(headers.get("content-security-policy"), ["sandbox"])
            self.assertEqual(headers.get("x-content-type-options"), ["nosniff"])
            self.assertEqual(headers.get("cache-control"), ["no-store"])
            self.assertEqual(body, data)
        # Without the session, no file.
        status, _, body = fetch(base, links[PDF_NAME][len(base):], "not-a-session")
        self.assertEqual(status, 303)
        self.assertNotIn(PDF, body)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--artifacts", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.bin = os.path.abspath(ARGS.bin)
    ARGS.artifacts = os.path.abspath(ARGS.artifacts)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
