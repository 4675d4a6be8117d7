"""A person at the console, as the browser tests and the screenshot command drive it: by the
labels and button names people see (the console's fixed contract), never by markup."""

from __future__ import annotations

import re
from typing import Any

from tests.support import Account


class Person:
    """One browser context (its own cookies) of someone using the console at ``endpoint``."""

    def __init__(self, browser: Any, endpoint: str, **context: Any) -> None:
        self.endpoint = endpoint
        self.context = browser.new_context(base_url=endpoint, **context)
        # Fail in seconds, not Playwright's 30: every page here answers in milliseconds.
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()

    def close(self) -> None:
        self.context.close()

    def open(self, path: str) -> Any:
        return self.page.goto(self.endpoint + path)

    def sign_in(self, account: Account, secret: str | None = None) -> None:
        self.open("/console/sign-in")
        self.fill_sign_in(account, secret)

    def fill_sign_in(self, account: Account, secret: str | None = None) -> None:
        """Signs in on the sign-in form the page shows (one a link led to, say)."""
        page = self.page
        page.get_by_label("Access key ID").fill(account.access_key)
        page.get_by_label("Secret access key").fill(secret or account.secret_key)
        if account.security_token:
            page.get_by_label("Security token").fill(account.security_token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def sign_in_as_operator(self, token: str) -> None:
        self.open("/console/operator/sign-in")
        self.page.get_by_label("Admin token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def revoke_link(self, access_key: str) -> Any:
        """The operator's link to revoke ``access_key`` (``paged_to`` the page holding it)."""
        return self.paged_to(self.page.get_by_role("link", name=f"Revoke key {access_key}"))

    def paged_to(self, found: Any) -> Any:
        """``found`` (a locator), once a "Next page" link led to a page showing it: the
        operator's accounts list has 500 accounts a page in id order, a whole run makes more,
        and a random id may fall on any page. Starts from the page shown."""
        page = self.page
        page.wait_for_load_state("load")
        for _ in range(50):
            if found.count():
                break
            page.get_by_role("link", name="Next page").click()
            page.wait_for_load_state("load")
        return found

    def row(self, text: str) -> Any:
        """The table row that mentions ``text`` (a share's name, a principal's id)."""
        return self.page.get_by_role("row").filter(has_text=re.compile(re.escape(text)))

    def answer(self, share_name: str, button: str) -> None:
        """Answers the invitation to ``share_name`` as a receiver must: its row in the list
        has no Accept or Reject, only Review, which opens the invitation's page (what the share
        holds); ``button`` is pressed there, and the list comes back with the notice."""
        page = self.page
        self.row(share_name).get_by_role("link", name="Review", exact=True).click()
        page.get_by_role("heading", name=f"Invitation to {share_name}", exact=True).wait_for()
        page.get_by_role("button", name=button, exact=True).click()
        page.get_by_role("heading", name="Invitations", exact=True).wait_for()

    def create_share(self, name: str, principals: list[str], resources: list[str]) -> None:
        page = self.page
        self.open("/console/shares/new")
        page.get_by_label("Name", exact=True).fill(name)
        self.textbox("Principals").fill("\n".join(principals))
        self.textbox("Resources").fill("\n".join(resources))
        page.get_by_role("button", name="Create").click()
        page.wait_for_load_state()

    def textbox(self, label: str) -> Any:
        """The text field whose label begins with ``label`` (labels carry hints after it)."""
        return self.page.get_by_role("textbox", name=re.compile("^" + re.escape(label)))

    def text(self) -> str:
        return str(self.page.locator("main").inner_text())
