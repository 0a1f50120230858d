#!/usr/bin/python3
"""Writing from the desk in a real browser: headless Chromium, driven by
Selenium, against real agent services, a real broker and real accounts.

One deployment for every scenario (the services take most of the time):
ngo.refuge, social.golfe, the commission and committee.golfe each run their
service with the desk on. Scenarios run in the order of their names.

Usage: /usr/bin/python3 tests/browser/test_desk_compose.py --bin BUILD/bin --artifacts DIR
On a failure the page's screenshot and HTML, and the services' logs, are
kept in the artifacts folder."""

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
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

ARGS = None
DESKS = ("ngo.refuge", "social.golfe", "commission", "committee.golfe")


class ComposeScenarios(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="relais-browser-compose-")
        cls.dep = Deployment(ARGS.bin, os.path.join(cls.work, "deployment"))
        try:
            cls.dep.start_broker()
            # The commission reads every alert through a durable subscription.
            with open(cls.dep.config("commission"), "a") as f:
                f.write('\n[[subscription]]\ntopic = "alert.*.*.*"\ndurable = "alerts-all"\nfrom = "first"\n')
            cls.base = {}
            for who in DESKS:
                cls.dep.enable_desk(who)
                cls.dep.add_user(who, "amivi", "caseworker")
            cls.dep.add_user("social.golfe", "kossi", "viewer")
            cls.dep.add_user("commission", "kossi", "viewer")
            for who in DESKS:
                cls.base[who] = cls.dep.start_service(who)
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
            stem = os.path.join(ARGS.artifacts, "compose." + self.id().split(".")[-1])
            self.browser.screenshot(stem + ".png")
            try:
                with open(stem + ".html", "w") as f:
                    f.write(self.browser.driver.page_source)
            except Exception:
                pass
            for name in os.listdir(self.dep.dir):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(self.dep.dir, name), stem + "." + name)

    # ---- helpers

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

    def submit(self, button_id="send"):
        form = self.d.find_element(By.CSS_SELECTOR, "form.compose")
        self.d.find_element(By.ID, button_id).click()
        self.browser.wait_gone(form)

    def switch_language(self, to):
        page = self.d.find_element(By.TAG_NAME, "html")
        self.d.find_element(By.XPATH, "//button[text()='%s']" % to).click()
        self.browser.wait_gone(page)

    def field_error(self, field_id):
        """The error shown inside the field's own block (id w_...)."""
        return self.d.find_element(By.ID, "w" + field_id[1:]).find_element(By.CLASS_NAME, "field-error").text

    def no_console_errors(self):
        self.browser.collect_console()
        # A form sent back with its errors is a 422, a refused page a 403:
        # Chromium logs each such answer; those are the expected ones.
        errors = [e["message"] for e in self.browser.console if e.get("level") == "SEVERE"
                  and "the server responded with a status of 422" not in e["message"]
                  and "the server responded with a status of 403" not in e["message"]]
        self.browser.console = []
        self.assertEqual(errors, [], "the browser console reported errors")

    def fill_alert(self, description, count):
        self.choose("/kind", "missing_child")
        self.choose("/location/region", "maritime")
        self.choose("/location/prefecture", "golfe")
        self.fill("/location/detail", "grand marché")
        self.fill("/description", description)
        self.fill("/subject_count", count)
        self.choose("/age_band", "9-17")
        self.choose("/minor_involved", "yes")
        self.choose("/reliability", "B")
        self.choose("/accuracy", "2")

    # ---- scenarios

    def test_1_viewer_sees_no_compose_button_and_a_forced_post_gets_403(self):
        self.login("social.golfe", "kossi", "viewer")
        self.assertEqual(self.d.find_elements(By.ID, "nav-compose"), [])
        csrf = self.d.find_element(By.NAME, "csrf").get_attribute("value")
        base = self.base["social.golfe"]
        body = urllib.parse.urlencode({"csrf": csrf, "action": "send", "/kind": "missing_child",
                                       "/location/region": "maritime", "/location/prefecture": "golfe"})
        status, _, _ = http_request(base, "POST", "/compose/alert",
                                    headers={"Origin": base, "Cookie": "relais_session=" + self.browser.session_cookie(),
                                             "Content-Type": "application/x-www-form-urlencoded"}, body=body)
        self.assertEqual(status, 403)
        self.browser.open(base + "/compose/alert")
        self.assertIn("Votre rôle ne permet pas cette action", self.browser.text())

    def test_2_an_alert_composed_in_french_arrives_at_the_commission(self):
        self.login("ngo.refuge", "amivi", "caseworker")
        self.d.find_element(By.ID, "nav-compose").click()
        self.browser.wait_text("Écrire un message")
        self.d.find_element(By.ID, "new-alert").click()
        self.browser.wait_text("Écrire : Alerte")
        # The prefecture list follows the region (desk.js): Kara's are hidden.
        self.choose("/location/region", "maritime")
        kara = self.d.find_element(By.CSS_SELECTOR, "select[name='/location/prefecture'] optgroup[data-region='kara']")
        self.assertEqual(kara.get_attribute("hidden"), "true")
        self.fill_alert("Un enfant seul, qui dit attendre un transporteur.", "1")
        self.submit()
        self.browser.wait_text("Enregistré par le serveur", timeout=40)  # the page follows the outbox
        self.no_console_errors()
        self.login("commission", "kossi", "viewer")
        self.browser.wait(40).until(lambda d: d.find_elements(By.LINK_TEXT, "Alerte"))
        self.assertIn("ngo.refuge", self.browser.text())
        self.d.find_element(By.LINK_TEXT, "Alerte").click()
        self.browser.wait_text("Un enfant seul, qui dit attendre un transporteur.")
        self.assertIn("alert.missing_child.maritime.golfe", self.browser.text())

    def test_3_a_referral_accepted_at_social_golfe_shows_in_the_referrers_case(self):
        self.login("ngo.refuge", "amivi", "caseworker")
        self.browser.open(self.base["ngo.refuge"] + "/compose/referral")
        self.choose("/to_org", "social.golfe")
        self.choose("/trafficking_status", "possible")
        self.d.find_element(By.NAME, "/services_requested/shelter").click()
        self.fill("/reason", "Jeune femme sans abri, recrutée par une fausse offre d'emploi.")
        self.choose("/consent/given", "yes")
        self.choose("/consent/given_by", "self")
        self.choose("/is_minor", "no")
        self.choose("/age_band", "18-20")
        self.choose("/gender", "female")
        self.fill("/citizenship", "TG")
        self.d.find_element(By.NAME, "/exploitation_types/forced_labour").click()
        self.submit()
        self.browser.wait_text("Référence du dossier")
        case_ref = None
        for dt in self.d.find_elements(By.CSS_SELECTOR, "dl.fields dt"):
            if dt.text == "Référence du dossier":
                case_ref = dt.find_element(By.XPATH, "following-sibling::dd[1]").text.split(" ·")[0].strip()
        self.assertTrue(case_ref and case_ref.startswith("c-"), case_ref)
        self.assertIn("Sans réponse depuis", self.browser.text())

        self.login("social.golfe", "amivi", "caseworker")
        self.browser.wait(40).until(lambda d: d.find_elements(By.LINK_TEXT, "Orientation"))
        self.d.find_element(By.LINK_TEXT, "Orientation").click()
        self.browser.wait_text("Répondre à cette orientation")
        self.assertIn("En attente de réponse depuis", self.browser.text())
        page = self.d.find_element(By.TAG_NAME, "main")
        self.d.find_element(By.ID, "accept").click()
        self.browser.wait_gone(page)
        self.browser.wait_text("Réponse à une orientation")

        self.login("ngo.refuge", "amivi", "caseworker")
        self.browser.open(self.base["ngo.refuge"] + "/case/" + case_ref)
        self.browser.wait(40).until(
            lambda d: (d.refresh() or True) and "Réponse à une orientation — Acceptée" in d.find_element(By.TAG_NAME, "body").text)
        self.no_console_errors()

    def test_4_a_statistics_cell_of_3_is_refused_next_to_the_field(self):
        self.login("committee.golfe", "amivi", "caseworker")
        self.browser.open(self.base["committee.golfe"] + "/compose/statistics-report")
        self.assertIn("Les nombres de 1 à 4 sont refusés", self.browser.text())
        self.fill("/victims_assisted/shelter", "3")
        self.submit()
        error = self.field_error("f_victims_assisted_shelter")
        self.assertIn("1 à 4", error)
        self.assertIn("reconnaître", error)
        for mark in ("^", "$", "[a-z"):
            self.assertNotIn(mark, self.browser.text())
        # Corrected, and sent while the broker is down: it waits in the
        # outbox, and the page shows it logged once the broker is back.
        self.dep.stop_broker()
        self.fill("/victims_assisted/shelter", "masqué")
        self.submit()
        self.browser.wait_text("En attente d'envoi")
        self.dep.start_broker()
        self.browser.wait_text("Enregistré par le serveur", timeout=40)

    def test_5_field_errors_in_french_then_in_english(self):
        self.login("ngo.refuge", "amivi", "caseworker")
        self.browser.open(self.base["ngo.refuge"] + "/compose/alert")
        self.fill_alert("", "deux")
        self.submit()
        self.assertEqual(self.field_error("f_subject_count"), "Écrivez un nombre entier, en chiffres, comme 3.")
        self.assertEqual(self.field_error("f_description"), "Ce champ est obligatoire.")
        self.switch_language("English")
        self.browser.wait_text("Write: Alert")
        self.fill_alert("", "deux")
        self.submit()
        self.assertEqual(self.field_error("f_subject_count"), "Write a whole number, in digits, like 3.")
        self.assertEqual(self.field_error("f_description"), "This field is required.")
        for mark in ("^", "$", "[a-z"):
            self.assertNotIn(mark, self.browser.text())
        self.switch_language("Français")
        self.browser.wait_text("Écrire : Alerte")
        self.no_console_errors()


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
