"""Card issuance step: the bank's customer and ours, linked to the chat (a Lambda; see onboarding/service.py).

Apart from the application's steps so that only this step's function loads the friend's-code programme
(programs.invite), the consents and the sign-in proof (issue 20).
"""

from __future__ import annotations

from messenger_bank.banking import service as bank
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import NewCustomer
from messenger_bank.observability import logger
from messenger_bank.onboarding import applications
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.service import _chat_identity, identity_of
from messenger_bank.privacy import consents
from messenger_bank.security.digests import chat_digest as chat_binding
from messenger_bank.signin.proofs import record_proof


def warm_registering() -> None:
    """RegisterCustomer's first-call costs, ahead (a journey's warm-up): the application's key and table, the
    core's client and the bank's token, the identity key the chat binding is digested with."""
    applications.warm()
    bank.warm(bank.core_client, token=True)
    chat_binding("warm-up")


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
    if link.customer.referred_by is not None:
        # Loaded by a referred newcomer's registration only: the referral programme (its terms, models, bonuses
        # and repository) was 0.22x of `import boto3` at every RegisterCustomer cold start (issue 20).
        from messenger_bank.programs import invite

        invite.attribute_at_registration(link.customer, passport_number=form.passport_number)
    logger.info("customer registered", extra={"customer_id": link.customer.customer_id, "new_customer": link.created})
    return state.model_copy(update={"customer_id": link.customer.customer_id, "customer_created": link.created})
