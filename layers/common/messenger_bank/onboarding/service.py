"""The card-issuance journey's steps, each a Lambda (see statemachines/card_issuance.asl.yaml).

Every step takes and returns IssuanceState: references only. A step that needs the person's data
unseals the application itself, uses it, and returns nothing of it.

Each step's function imports what its step uses (issue 20): this module holds the application's steps
(save_application, verify_applicant, close_application); the customer's registration is in
``onboarding/registration.py`` (the customers table, consents, the friend's code), the digital card and its
picture in ``onboarding/issuance.py`` (the programme's terms, the pictures).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from messenger_bank.banking import service as bank
from messenger_bank.banking.models import Identity
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import ChannelIdentity
from messenger_bank.errors import AlreadyCustomer
from messenger_bank.onboarding import applications
from messenger_bank.onboarding.models import ApplicationForm, IssuanceState, SavedApplication
from messenger_bank.security.errors import PhoneNotProven
from messenger_bank.signin.phone_proof import contact_proof_possible


def warm_saving() -> None:
    """SaveApplication's first-call costs, ahead (the card issuance's warm-up: handlers.lambda_entry)."""
    applications.warm()


def warm_verifying() -> None:
    """VerifyApplicant's: the application's key and table, the registry's and Cerberus' clients, the bank's token."""
    applications.warm()
    bank.warm(bank.passport_client, bank.cerberus_client, token=True)


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


def close_application(state: IssuanceState) -> IssuanceState:
    """The data has served: forget it now rather than at the TTL."""
    applications.forget(state.application_id)
    return state
