"""A session is issued only for a customer and a chat, each needed on its own; ownership needs a customer."""

from __future__ import annotations

import pytest

from messenger_bank.security.errors import NotYourCard
from messenger_bank.security.session_tokens import issue_session, owns
from tests.unit.security.conftest import SESSION_KEY


@pytest.mark.parametrize(("customer_id", "chat_key"), [("", "telegram:1"), ("cust-1", "")], ids=["customer", "chat"])
def test_a_session_is_not_issued_without_a_customer_or_a_chat(customer_id: str, chat_key: str) -> None:
    with pytest.raises(ValueError, match="needs a customer and a chat"):
        issue_session(customer_id, chat_key, key=SESSION_KEY)


def test_no_card_belongs_to_no_customer_even_when_the_look_up_lists_it() -> None:
    with pytest.raises(NotYourCard):
        owns("", "card-a", lambda customer_id: ["card-a"])
