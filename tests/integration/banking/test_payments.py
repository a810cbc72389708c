"""Billing (SOAP, Basic), the acquirer (REST, API key, 3-D Secure page, signed callback), the partners."""

from __future__ import annotations

import io
import queue
import re
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from local.sandbox import Fault, Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.clients.billing import NAMESPACE, BillingClient
from messenger_bank.banking.clients.partners import PartnersClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.acquirer import TopUpRequest
from messenger_bank.banking.models.billing import PayRequest
from messenger_bank.banking.models.core import CreditRequest, IssueCardRequest
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    IdempotencyConflict,
    InsufficientFunds,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
)
from tests.integration.banking.conftest import POLICY, TIMEOUT, Clients, person


def key(label: str = "k") -> str:
    return f"{label}-{uuid.uuid4().hex}"


def funded_account(clients: Clients, funds: int) -> str:
    customer = service.create_customer(person(), core=clients.core)
    card = service.issue_virtual_card(
        IssueCardRequest(customer_id=customer.customer_id, idempotency_key=key()), core=clients.core
    )
    service.credit(
        CreditRequest(account_id=card.account_id, source="bonus", amount=funds, currency="BYN", idempotency_key=key()),
        core=clients.core,
    )
    return card.account_id


# --- billing -------------------------------------------------------------------------------------------------
def test_the_catalogue_has_every_category(clients: Clients) -> None:
    categories = {p.category for p in service.payees(billing=clients.billing)}
    assert categories == {"mobile", "utilities", "tv", "internet", "transport"}
    assert {p.name for p in service.payees("mobile", billing=clients.billing)} == {"A1", "MTS", "life:)"}


def test_a_utility_account_is_checked_with_its_amount_due(clients: Clients) -> None:
    account = service.validate_payee("200101", "1234567890", billing=clients.billing)
    assert account.amount_due is not None and account.amount_due > 0


def test_an_unknown_payee_account_is_not_found(clients: Clients) -> None:
    with pytest.raises(PayeeAccountNotFound):
        service.validate_payee("100101", "+375290001234", billing=clients.billing)


def test_an_unknown_service_code_is_payee_not_found(clients: Clients) -> None:
    with pytest.raises(PayeeNotFound):
        service.validate_payee("999999", "1234567890", billing=clients.billing)


def test_a_payment_is_made_once_per_key(clients: Clients, sandbox: Sandbox) -> None:
    payer = funded_account(clients, 10_000)
    request = PayRequest(
        service_code="100102",
        account="+375331234567",
        amount=1_500,
        currency="BYN",
        payer_account_id=payer,
        idempotency_key=key("pay"),
    )
    sandbox.faults.set("billing", "Pay", Fault(after_commit_rate=0.5))
    first = service.pay(request, billing=clients.billing)
    sandbox.faults.clear()
    assert service.pay(request, billing=clients.billing).payment_id == first.payment_id
    assert service.get_balance(payer, core=clients.core).available == 8_500


def test_a_payment_key_reused_with_another_amount_is_a_conflict_and_pays_nothing_more(clients: Clients) -> None:
    payer = funded_account(clients, 10_000)
    request = PayRequest(
        service_code="100102",
        account="+375331234567",
        amount=1_500,
        currency="BYN",
        payer_account_id=payer,
        idempotency_key=key("pay"),
    )
    service.pay(request, billing=clients.billing)

    with pytest.raises(IdempotencyConflict):
        service.pay(request.model_copy(update={"amount": 1_501}), billing=clients.billing)
    assert service.get_balance(payer, core=clients.core).available == 10_000 - 1_500


def test_a_payment_beyond_the_balance_is_insufficient_funds(clients: Clients) -> None:
    payer = funded_account(clients, 100)
    with pytest.raises(InsufficientFunds):
        service.pay(
            PayRequest(
                service_code="400101",
                account="1234567890",
                amount=101,
                currency="BYN",
                payer_account_id=payer,
                idempotency_key=key(),
            ),
            billing=clients.billing,
        )


def test_billing_refuses_wrong_credentials(clients: Clients) -> None:
    wrong = BillingClient(clients.soap("billing", NAMESPACE, "mb-billing", "nope"))
    with pytest.raises(BankAuthenticationFailed):
        wrong.payees()


def test_malformed_billing_xml_is_a_protocol_error(clients: Clients, sandbox: Sandbox) -> None:
    sandbox.faults.set("billing", "ListPayees", Fault(malformed_rate=1.0))
    with pytest.raises(BankProtocolError):
        clients.billing.payees()


# --- acquirer --------------------------------------------------------------------------------------------------
@pytest.fixture
def callbacks() -> Iterator[tuple[str, queue.Queue[tuple[bytes, str, str]]]]:
    """A tiny HTTP receiver standing in for our webhook route."""
    received: queue.Queue[tuple[bytes, str, str]] = queue.Queue()

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        received.put((request.get_data(), request.headers["X-Signature-Timestamp"], request.headers["X-Signature"]))
        return Response("ok")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/callback", received
    server.shutdown()


def walk_payment_page(url: str, pan: str, code: str) -> None:
    """What the customer does in the browser: card form, then the 3-D Secure code."""
    with httpx.Client() as browser:
        assert "Card number" in browser.get(url).text
        answer = browser.post(url, data={"pan": pan, "expiry": "12/30", "cvv": "123"})
        if answer.status_code == 303:
            secure = str(httpx.URL(url).join(answer.headers["Location"]))
            assert "3-D Secure" in browser.get(secure).text
            browser.post(secure, data={"code": code})


@pytest.mark.parametrize(
    ("pan", "code", "status"),
    [
        ("4111111111111111", "123456", "succeeded"),
        ("4111111111111111", "999999", "failed"),
        ("4000000000000002", "", "failed"),
    ],
)
def test_a_top_up_ends_with_a_signed_callback(
    clients: Clients, callbacks: tuple[str, queue.Queue[tuple[bytes, str, str]]], pan: str, code: str, status: str
) -> None:
    url, received = callbacks
    topup = service.start_topup(
        TopUpRequest(
            order_id=key("order"), amount=5_000, currency="BYN", callback_url=url, idempotency_key=key("topup")
        ),
        acquirer=clients.acquirer,
    )
    assert re.match(r"^http://127\.0\.0\.1:\d+/pay/pay_", topup.payment_url)
    walk_payment_page(topup.payment_url, pan, code)
    body, timestamp, signature = received.get(timeout=5)
    event = service.verify_topup_callback(body, timestamp, signature, acquirer=clients.acquirer)
    assert (event.payment.payment_id, event.payment.status) == (topup.payment_id, status)
    assert service.topup_status(topup.payment_id, acquirer=clients.acquirer).status == status


def test_a_forged_callback_is_refused(clients: Clients) -> None:
    with pytest.raises(OperationRejected):
        service.verify_topup_callback(b'{"event_id": "x"}', "1700000000", "sha256=00", acquirer=clients.acquirer)


def test_the_acquirer_refuses_a_wrong_api_key(sandbox: Sandbox) -> None:
    wrong = AcquirerClient(
        RestClient("acquirer", sandbox.urls["acquirer"], timeout=TIMEOUT, policy=POLICY, api_key="nope"), "secret"
    )
    with pytest.raises(BankAuthenticationFailed):
        wrong.payment("pay_x")


# --- partners ----------------------------------------------------------------------------------------------------
def test_offers_of_all_four_partners_best_first(clients: Clients) -> None:
    offers = service.partner_offers(client=clients.partners)
    assert {o.partner for o in offers} == {"gamearena", "twitch", "burgerking", "grushovka"}
    assert offers[0].cashback_percent == 33
    assert all(2 <= o.cashback_percent <= 33 for o in offers)


def test_each_offer_comes_with_its_partners_colours_and_a_picture_served_by_the_partner(clients: Clients) -> None:
    for partner in ("gamearena", "twitch", "burgerking", "grushovka"):
        for offer in clients.partners.offers(partner):
            assert offer.brand is not None and offer.image_url is not None
            picture = Image.open(io.BytesIO(clients.partners.picture(partner, offer.image_url)))
            assert (picture.format, picture.size) == ("PNG", (256, 256))
    twitch = clients.partners.offers("twitch")[0]
    assert twitch.image_url is not None
    with pytest.raises(OperationRejected):  # another partner's picture is not fetched with this one's key
        clients.partners.picture("gamearena", twitch.image_url)


def test_an_offer_is_activated_once_per_customer(clients: Clients) -> None:
    first = service.activate_offer("burgerking", "bk-001", "cus_1", client=clients.partners)
    assert service.activate_offer("burgerking", "bk-001", "cus_1", client=clients.partners) == first
    assert service.cashback_rules("burgerking", client=clients.partners)[0].percent == 7


def test_a_partner_refuses_another_partners_key(sandbox: Sandbox) -> None:
    crossed = PartnersClient(
        {
            "twitch": RestClient(
                "partner:twitch",
                f"{sandbox.urls['partners']}/twitch",
                timeout=TIMEOUT,
                policy=POLICY,
                api_key=sandbox.config.partner_api_keys["gamearena"],
            )
        }
    )
    with pytest.raises(BankAuthenticationFailed):
        crossed.offers("twitch")
