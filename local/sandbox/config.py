"""The sandbox's settings: ports, credentials, limits. Defaults are what README.md documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

SYSTEMS: tuple[str, ...] = (
    "keycloak",
    "directory",
    "passport",
    "cerberus",
    "core",
    "billing",
    "acquirer",
    "partners",
    "network",
)

DEFAULT_PORTS: dict[str, int] = {
    "keycloak": 8080,
    "directory": 8090,
    "passport": 8091,
    "cerberus": 8092,
    "core": 8093,
    "billing": 8094,
    "acquirer": 8095,
    "partners": 8096,
    "network": 8097,
}

PARTNERS: tuple[str, ...] = ("gamearena", "twitch", "burgerking", "grushovka")


@dataclass(frozen=True)
class CreditTerms:
    """A credit line's terms as core banking applies them in statements (local/sandbox/statements.py).

    The bank sets them: the local cloud starts the sandbox with template.yaml's Credit* parameters, the
    values the bank's functions tell the customer; these defaults are those parameters' defaults.
    """

    grace_days: int = 25
    minimum_percent: Decimal = Decimal("5")
    minimum_floor: int = 1_000  # minor units
    interest_percent_per_year: Decimal = Decimal("24")
    late_fee: int = 500  # minor units

    def __post_init__(self) -> None:
        # A due date always falls in the month after its statement's (statements.py relies on it).
        if not 1 <= self.grace_days <= 28:
            raise ValueError("grace_days is 1-28")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a test or a demo may want to change; credentials are the sandbox's own, public ones."""

    realm: str = "bank"
    # Keycloak clients allowed to get tokens: client id -> secret.
    # The first is ours (the Lambdas' calls to Cerberus and core banking); the others call our internal API.
    keycloak_clients: dict[str, str] = field(
        default_factory=lambda: {
            "messenger-bank": "sandbox-secret",
            "core-banking": "sandbox-core-secret",
            "operator-console": "sandbox-operator-secret",
        }
    )
    # Realm roles in each client's tokens (security/internal_roles.py names the routes'): messenger-bank has
    # none, so the sandbox issues tokens both with and without the internal API's roles.
    keycloak_client_roles: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"core-banking": ("core-banking-events",), "operator-console": ("operator",)}
    )
    # The realm's users (the password grant, for people): username -> (password, realm roles). The operator
    # signs in to the operations view; the viewer has no role, so every operator action refuses it.
    keycloak_users: dict[str, tuple[str, tuple[str, ...]]] = field(
        default_factory=lambda: {
            "operator": ("sandbox-operator-password", ("operator",)),
            "viewer": ("sandbox-viewer-password", ()),
        }
    )
    # Clients a person may sign in through with the password grant (Keycloak's "direct access grants").
    keycloak_password_clients: tuple[str, ...] = ("operator-console",)
    # The audiences of a person's access token: the internal API and the operations view.
    keycloak_user_audience: tuple[str, ...] = ("core-banking", "operations-view")
    token_lifetime_seconds: int = 300
    # The audiences our resource servers (Cerberus, Core) expect in a token.
    token_audience: tuple[str, ...] = ("cerberus", "core-banking")
    passport_credentials: tuple[str, str] = ("mb-passport", "sandbox-passport")
    billing_credentials: tuple[str, str] = ("mb-billing", "sandbox-billing")
    acquirer_api_key: str = "sandbox-acquirer-key"
    acquirer_callback_secret: str = "sandbox-callback-secret"
    # Where the acquirer posts signed results when a payment names no callback_url.
    acquirer_callback_url: str | None = None
    # Where core banking posts card events (purchases cleared, declined, refunded): the bank's internal API.
    network_events_url: str | None = None
    partner_api_keys: dict[str, str] = field(default_factory=lambda: {p: f"sandbox-{p}-key" for p in PARTNERS})
    currency: str = "BYN"
    # Limits of a digital card, in minor units (kopecks).
    limit_per_operation: int = 1_000_000
    limit_per_day: int = 3_000_000
    # How long an authorization holds money when no clearing or reversal comes (card schemes: about 7 days).
    authorization_hold_seconds: int = 7 * 86_400
    # How far a clearing may exceed its authorization, in percent (a tip on a restaurant bill; schemes allow ~20).
    clearing_tolerance_percent: int = 20
    # Credited from the bank's equity account when a first card is issued (0 = none).
    welcome_bonus: int = 0
    # What a card account's monthly statement applies: grace period, minimum payment, interest, late fee.
    credit_terms: CreditTerms = field(default_factory=CreditTerms)
    # The bank's own identifiers printed on requisites.
    bank_name: str = "Messenger Bank (sandbox)"
    bank_bic: str = "MBNKBY2X"
    bank_code: str = "MBNK"
    bank_taxpayer_number: str = "190000001"
    # One-time codes are always this in test mode (Cerberus OTP and the acquirer's 3-D Secure page).
    test_otp_code: str = "123456"
