"""The money and identity contexts that `make mutation` mutates, each with the unit tests that are its own.

Paths are relative to `layers/common` (where the `messenger_bank` package lives) and to the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    name: str
    # Source files whose functions are mutated (fnmatch globs under layers/common).
    files: tuple[str, ...]
    # The context's own unit tests; a path that does not exist yet is skipped.
    tests: tuple[str, ...]
    # Which of those files' functions (mutmut mutant-name globs, module.x_function / module.xǁClassǁmethod).
    functions: tuple[str, ...] = ("*",)


# Webhooks: only the signature checks are in scope of the channel adapters (the rest is parsing/rendering).
_SIGNATURE_CHECKS = (
    "messenger_bank.channels.base.x_require_secret__mutmut_*",
    "messenger_bank.channels.base.x_hmac_sha256_hex__mutmut_*",
    "messenger_bank.channels.base.x_same__mutmut_*",
    "messenger_bank.channels.rules.x_header__mutmut_*",
    "messenger_bank.channels.meta.x_verify_*",
    "messenger_bank.channels.*.xǁ*ǁverify*",
    "messenger_bank.webhooks.*",
)

CONTEXTS: tuple[Context, ...] = (
    Context("transfers", ("messenger_bank/transfers/*",), ("tests/unit/transfers",)),
    Context("payments", ("messenger_bank/payments/*",), ("tests/unit/payments",)),
    Context("topup", ("messenger_bank/topup/*",), ("tests/unit/topup",)),
    Context("requests", ("messenger_bank/requests/*",), ("tests/unit/requests",)),
    Context("spending", ("messenger_bank/spending/*",), ("tests/unit/spending",)),
    # Card purchases as core banking reports them: the cashback each accrues (money owed to the customer).
    Context("purchases", ("messenger_bank/purchases/*",), ("tests/unit/purchases",)),
    Context(
        "banking",
        (
            "messenger_bank/banking/clients/*",
            "messenger_bank/banking/service.py",
            "messenger_bank/banking/credentials.py",
        ),
        ("tests/unit/banking",),
    ),
    Context("security", ("messenger_bank/security/*",), ("tests/unit/security",)),
    Context("signin", ("messenger_bank/signin/*",), ("tests/unit/signin",)),
    Context("onboarding", ("messenger_bank/onboarding/*",), ("tests/unit/onboarding",)),
    Context(
        "webhooks",
        (
            "messenger_bank/webhooks/*",
            "messenger_bank/channels/base.py",
            "messenger_bank/channels/rules.py",
            "messenger_bank/channels/meta.py",
            "messenger_bank/channels/telegram.py",
            "messenger_bank/channels/viber.py",
            "messenger_bank/channels/whatsapp.py",
            "messenger_bank/channels/messenger.py",
        ),
        ("tests/unit/webhooks", "tests/unit/channels/test_signatures.py", "tests/unit/channels/test_inbound.py"),
        _SIGNATURE_CHECKS,
    ),
    Context("securepage", ("messenger_bank/securepage/*",), ("tests/unit/securepage",)),
    # Identity: who the customer is and which chats speak for them (bound chats, "This wasn't me").
    Context("customers", ("messenger_bank/customers/*",), ("tests/unit/customers",)),
    Context(
        "cards",
        (
            "messenger_bank/cards/statement_cycle.py",
            "messenger_bank/cards/statement_run.py",
            "messenger_bank/cards/repository.py",
        ),
        ("tests/unit/cards/test_statement_cycle.py",),
    ),
)


def context_named(name: str) -> Context:
    for context in CONTEXTS:
        if context.name == name:
            return context
    raise KeyError(f"no mutation context {name!r}; known: {', '.join(c.name for c in CONTEXTS)}")
