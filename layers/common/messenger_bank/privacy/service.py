"""The operations of data the customer controls (functions/operations/get_my_data, withdraw_consent,
forget_customer):

    get_my_data       what the bot keeps about the customer: the bound messengers, the consents with their
                      dates, the personal values it holds, masked (phone as `phones.mask_phone`, cards as
                      their masks); the name and passport are the bank's, never the bot's
    withdraw_consent  the marketing consent withdrawn: nothing unasked goes out to the customer any more
                      (consents.may_market)
    forget_customer   the bot's copies erased or anonymised (erasure.py), an audit record with no personal
                      data kept, the bank's own records left to core banking. A sensitive operation: the
                      card or the bank password proven on the secure page within SENSITIVE_AUTH_MINUTES
                      (the session check of handlers.operation_lambda), and an explicit confirmation
                      in the flow (privacy.operations.FORGET_CUSTOMER needs_confirmation)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, get_args

from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.bindings import MINSK, list_chats, when_text
from messenger_bank.customers.models import ListChatsRequest
from messenger_bank.customers.service import CustomersRepository, customer_by_id
from messenger_bank.ids import random_id
from messenger_bank.observability import logger, metrics
from messenger_bank.outages.models import BankSystem
from messenger_bank.phones import mask_phone
from messenger_bank.privacy import erasure
from messenger_bank.privacy.consents import ConsentsRepository
from messenger_bank.privacy.models import (
    Consent,
    ConsentKind,
    ConsentWithdrawn,
    ErasureAudit,
    ForgetRequest,
    Forgotten,
    MyData,
    MyDataRequest,
    WithdrawConsentRequest,
)
from messenger_bank.privacy.settings import PrivacySettings, privacy_settings
from messenger_bank.types import Language

KEPT: Final = "banking records (accounts, cards, operations, ledger) in core banking, as the law requires"


def _consent_line(kind: ConsentKind, consent: Consent | None, since: datetime, language: Language) -> str:
    if consent is None:
        # Registered before consents were recorded: onboarding could not go on without the personal-data
        # consent, so it dates from registration; the marketing one was never asked.
        state = "given" if kind == "personal_data" else "not_given"
        return text(
            f"privacy.consent.{kind}",
            language,
            state=text(f"privacy.state.{state}", language, when=when_text(since, language)),
        )
    state = "withdrawn" if consent.withdrawn else "given" if consent.given else "not_given"
    return text(
        f"privacy.consent.{kind}",
        language,
        state=text(f"privacy.state.{state}", language, when=when_text(consent.at, language)),
    )


def get_my_data(
    request: MyDataRequest,
    *,
    customers: CustomersRepository | None = None,
    consents: ConsentsRepository | None = None,
    settings: PrivacySettings | None = None,
    s3_client: Any = None,
) -> MyData:
    directory = customers or CustomersRepository()
    config = settings or privacy_settings()
    customer = customer_by_id(request.customer_id, repository=directory)
    language = request.language
    given = (consents or ConsentsRepository()).consents(customer.customer_id)
    chats = list_chats(
        ListChatsRequest(customer_id=customer.customer_id, chat_key=request.chat_key, language=language),
        repository=directory,
    )
    cards = ", ".join(card.mask for card in directory.cards(customer.customer_id)) or text("privacy.none", language)
    media = erasure.count_media(config.bucket(), customer.customer_id, s3_client=s3_client)
    details = text(
        "privacy.details",
        language,
        phone=mask_phone(customer.phone),
        since=when_text(customer.created_at.astimezone(MINSK), language),
        language_name=text(f"language.{customer.language}", language),
        cards=cards,
        chats=chats.text,
        personal_data=_consent_line("personal_data", given.get("personal_data"), customer.created_at, language),
        marketing=_consent_line("marketing", given.get("marketing"), customer.created_at, language),
        media=media,
    )
    marketing = given.get("marketing")
    return MyData(text=details, marketing=marketing is not None and marketing.given)


def withdraw_consent(
    request: WithdrawConsentRequest, *, consents: ConsentsRepository | None = None, now: datetime | None = None
) -> ConsentWithdrawn:
    moment = now or datetime.now(UTC)
    withdrawn = (consents or ConsentsRepository()).withdraw(request.customer_id, request.kind, moment)
    if withdrawn:
        metrics.add_metric(name="MarketingConsentWithdrawn", unit="Count", value=1)
    logger.info(
        "consent withdrawn", extra={"customer_id": request.customer_id, "kind": request.kind, "changed": withdrawn}
    )
    return ConsentWithdrawn(withdrawn=withdrawn, when=when_text(moment, request.language))


def forget_customer(
    request: ForgetRequest,
    *,
    customers: CustomersRepository | None = None,
    settings: PrivacySettings | None = None,
    dynamodb: Any = None,
    s3_client: Any = None,
    now: datetime | None = None,
) -> Forgotten:
    """Erase the bot's copies of the customer; the session check proved the card or password just now.
    `dynamodb` / `s3_client`: a boto3 DynamoDB resource and S3 client (the deployed ones unless given)."""
    import boto3

    directory = customers or CustomersRepository()
    config = settings or privacy_settings()
    customer = customer_by_id(request.customer_id, repository=directory)
    bindings = directory.bindings(customer.customer_id)
    who = erasure.Identifiers.of(customer, bindings)
    done = erasure.Erasure()
    dynamodb = dynamodb or boto3.resource("dynamodb")
    tables = config.tables()
    plan = erasure.KeyPlan(
        customers=dynamodb.Table(tables["customers"]),
        sessions=dynamodb.Table(tables["sessions"]),
        journey_waits=dynamodb.Table(tables["journey_waits"]),
        handoffs=dynamodb.Table(tables["handoffs"]),
        keep_chat=request.chat_key,
    )
    # The media first, the customer's profile and identities last, with the audit record in one transaction
    # (KeyPlan.finish): a forget that fails half-way leaves the customer bound, so asking again finishes it.
    erasure.sweep_media(config.bucket(), customer.customer_id, done, s3_client=s3_client)
    chats = {binding.chat_key for binding in bindings} | {request.chat_key}
    last = plan.sweep(who, customer, chats, done, systems=get_args(BankSystem))
    plan.count_last(last, done)
    audit = ErasureAudit(
        erasure_id="er_" + random_id(16),
        erased_at=now or datetime.now(UTC),
        channel=request.chat_key.split(":", 1)[0],
        proof=f"card or bank password on the secure page within {config.sensitive_auth_minutes} minutes",
        categories=done.categories(),
        kept=KEPT,
    )
    plan.finish(
        last, {"pk": f"{erasure.AUDIT_PREFIX}{audit.erasure_id}", "sk": "AUDIT", **audit.model_dump(mode="json")}
    )
    metrics.add_metric(name="CustomersForgotten", unit="Count", value=1)
    logger.info("customer forgotten", extra={"erasure_id": audit.erasure_id, "erased": done.total})
    return Forgotten(erasure_id=audit.erasure_id, erased=done.total)
