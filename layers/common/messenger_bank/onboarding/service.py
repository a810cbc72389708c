"""The card-issuance journey's steps, each a Lambda (see statemachines/card_issuance.asl.yaml).

Every step takes and returns IssuanceState: references only. A step that needs the person's data
unseals the application itself, uses it, and returns nothing of it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from messenger_bank.banking import service as bank
from messenger_bank.banking.models import Identity, IssueCardRequest
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Card, ChannelIdentity, NewCustomer
from messenger_bank.errors import AlreadyCustomer
from messenger_bank.images.models import CardPictureRequest
from messenger_bank.images.settings import media_settings
from messenger_bank.images.storage import store
from messenger_bank.money import format_money
from messenger_bank.observability import logger, metrics
from messenger_bank.onboarding import applications
from messenger_bank.onboarding.models import (
    ApplicationForm,
    IssuanceState,
    IssuedCardView,
    SavedApplication,
)
from messenger_bank.onboarding.names import card_holder
from messenger_bank.privacy import consents
from messenger_bank.programs import invite
from messenger_bank.programs.partner_offers import format_percent
from messenger_bank.programs.terms import programs
from messenger_bank.security.digests import chat_digest as chat_binding
from messenger_bank.security.errors import PhoneNotProven
from messenger_bank.signin.phone_proof import contact_proof_possible
from messenger_bank.signin.service import record_proof
from messenger_bank.types import Language

VIRTUAL_PRODUCT = "visa-digital"


def save_application(form: ApplicationForm) -> SavedApplication:
    """The conversation's last onboarding step: seal the data, hand back only its reference.

    Raises PhoneNotProven unless the messenger vouches for the phone (``phone_verified``, where it
    can) or this chat checked a one-time code sent to it."""
    if form.phone_verified:
        proven = contact_proof_possible(form.channel, form.chat_key, form.phone)
    else:
        proven = customers.proven_phone(form.chat_key, time.time()) == form.phone
    if not proven:
        raise PhoneNotProven("the applicant's phone is not proven in this chat")
    return SavedApplication(application_id=applications.seal(form))


def _chat_identity(form: ApplicationForm) -> ChannelIdentity:
    chat_id = form.chat_key.partition(":")[2]
    return ChannelIdentity(channel=form.channel, user_id=form.user_id, chat_id=chat_id or form.user_id)


def identity_of(form: ApplicationForm) -> Identity:
    parts = form.full_name.split()
    return Identity(
        last_name=parts[0],
        first_name=parts[1] if len(parts) > 1 else parts[0],
        middle_name=" ".join(parts[2:]) or None,
        birth_date=form.date_of_birth,
        document_number=form.passport_number,
        personal_number=form.personal_id,
        issue_date=form.issue_date,
        phone=form.phone,
    )


def verify_applicant(state: IssuanceState) -> IssuanceState:
    """Passport registry, then Cerberus. Raises IdentityNotConfirmed, ApplicantUnderAge,
    CustomerSanctioned or AlreadyCustomer: the state machine tells the customer which."""
    form = applications.unseal(state.application_id)
    person = identity_of(form)
    # Our own directory is read while the bank checks run (a read, nothing done with it before they pass); the
    # bank's two stay one after the other: Cerberus never screens a person the registry did not confirm.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="phone-taken") as pool:
        phone_taken = pool.submit(customers.phone_taken, form.phone, _chat_identity(form))
        bank.verify_identity(person)
        bank.screen_customer(person)
        if phone_taken.result():
            # The phone is an existing customer's: no second card, and no binding without a card proof.
            raise AlreadyCustomer("the phone is a customer's already")
    return state


def register_customer(state: IssuanceState) -> IssuanceState:
    """The bank's customer (created, or found by personal number) and ours, linked to this chat.

    An existing customer never gets here or gets AlreadyCustomer (the phone or the bank customer is
    known already): they sign in with a card."""
    form = applications.unseal(state.application_id)
    bank_customer = bank.create_customer(identity_of(form))
    link = customers.register_newcomer(
        NewCustomer(
            bank_customer_id=bank_customer.customer_id,
            phone=form.phone,
            language=form.language,
            identity=_chat_identity(form),
            referred_by_code=form.referral,
        )
    )
    # The sign-in zone: this chat proved the phone and, through the Passport registry, the person, and the
    # card is issued to it - so it counts as proven now (sensitive operations run for a while without
    # asking for the password again).
    record_proof(link.customer.customer_id, chat_binding(form.chat_key))
    # The consents given in this application, dated as the customer is registered (privacy/consents.py); a
    # retried step writes the same rows again.
    consents.record_at_registration(
        link.customer.customer_id, marketing=form.consent == "marketing", at=link.customer.created_at
    )
    # A friend's code counts (abuse refused) while the newcomer has no card; it never stops the card.
    invite.attribute_at_registration(link.customer, passport_number=form.passport_number)
    logger.info("customer registered", extra={"customer_id": link.customer.customer_id, "new_customer": link.created})
    return state.model_copy(update={"customer_id": link.customer.customer_id, "customer_created": link.created})


def _cashback_range(language: Language) -> dict[str, str]:
    """The programme's lowest and highest cashback rates, for the card-issued message."""
    lowest, highest = programs().rate_range()
    return {"cashback_from": format_percent(lowest, language), "cashback_to": format_percent(highest, language)}


def issue_virtual_card(state: IssuanceState) -> IssuanceState:
    """One digital card per customer: the bank's idempotency key is the customer, not the application,
    so two applications of one person (two messengers, a double press) get the same card.

    The card's account is opened with the credit limit Cerberus's scoring grants; a refused scoring
    still gives the card, a debit one (limit 0)."""
    if state.customer_id is None:
        raise ValueError("issue_virtual_card needs the registered customer")
    customer = customers.customer_by_id(state.customer_id)
    scoring = bank.score_credit(customer.bank_customer_id)
    logger.info("credit scored", extra={"customer_id": customer.customer_id, "decision": scoring.decision})
    issued = bank.issue_virtual_card(
        IssueCardRequest(
            customer_id=customer.bank_customer_id,
            product=VIRTUAL_PRODUCT,
            credit_limit=scoring.credit_limit,
            idempotency_key=f"virtual-card-{customer.bank_customer_id}",
        )
    )
    customers.record_card(
        Card(
            card_id=issued.card_id,
            customer_id=customer.customer_id,
            mask=issued.masked_pan,
            kind="virtual",
            scheme="visa",
            expiry=issued.expiry,
            issued_at=customer.created_at,
        )
    )
    metrics.add_metric(name="CardsIssued", unit="Count", value=1)
    card = IssuedCardView(
        card_id=issued.card_id,
        mask=issued.masked_pan,
        expiry=issued.expiry,
        product=issued.product,
        cashback_category=issued.cashback_category,
        credit_limit=issued.credit_limit,
        credit_line=credit_line(issued.credit_limit, scoring.currency, state.language),
        **_cashback_range(state.language),
    )
    return state.model_copy(update={"card": card})


def credit_line(limit: int, currency: str, language: Language) -> str:
    """What the card-issued message says of the credit: the limit granted, or that the card is a debit one."""
    if not limit:
        return text("issuance.no_credit_line", language)
    return text("issuance.credit_line", language, limit=format_money(limit, currency, language))


def render_card_picture(state: IssuanceState) -> IssuanceState:
    if state.card is None:
        raise ValueError("render_card_picture needs the issued card")
    from messenger_bank.images.card import card_picture  # Pillow only in the function that draws

    form = applications.unseal(state.application_id)
    latin, cyrillic = card_holder(form.full_name)
    picture = card_picture(
        CardPictureRequest(
            design="virtual_visa",
            masked_number=state.card.mask,
            holder_latin=latin,
            holder_cyrillic=cyrillic,
            expiry=state.card.expiry,
            language=state.language,
        )
    )
    stored = store("card", picture, "image/png", bucket=media_settings().bucket(), owner=state.customer_id)
    return state.model_copy(update={"picture_url": stored.url})


def close_application(state: IssuanceState) -> IssuanceState:
    """The data has served: forget it now rather than at the TTL."""
    applications.forget(state.application_id)
    return state
