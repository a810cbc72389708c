"""The bank operations the conversation calls, each one's contract declared once.

An operation is a Lambda named `<stack>-op-<name>` (template.yaml) that a flow's `call` step names.
Its declaration says what it takes (the request model), what it answers (the result model), the
domain errors it refuses with, the session it needs and whether the customer must confirm it first.
Everything else follows from it: the function validates and answers with it
(`handlers.operation_lambda`), the flow linter checks each `call` step's operation, `with:` fields
and `errors:` names against it, the conversation turns a Lambda error back into the declared error
class, and the unit fakes refuse what the function would refuse. tests/unit/test_template.py checks
that every declared operation is deployed under its name and every deployed one is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from messenger_bank.cards.models import (
    BalanceResult,
    BlockCardRequest,
    CardLimitsResult,
    CardList,
    CardStatusResult,
    CreateSecureLinkRequest,
    GetBalanceRequest,
    GetCardLimitsRequest,
    GetHistoryRequest,
    GetRequisitesRequest,
    GetStatementRequest,
    HistoryResult,
    LastBalances,
    LastBalancesRequest,
    ListCardsRequest,
    RequisitesResult,
    SecureLinkResult,
    SetCardLimitRequest,
    StatementResult,
    UnblockCardRequest,
)
from messenger_bank.customers.errors import ChatNotFound, ChatTooNew
from messenger_bank.customers.models import (
    ChatDisowned,
    ChatList,
    ChatRemoved,
    DisownChatRequest,
    ListChatsRequest,
    RemoveChatRequest,
)
from messenger_bank.errors import (
    BankSystemUnavailable,
    CardBlocked,
    CardLimitAboveMaximum,
    CardNotFound,
    CustomerNotFound,
    DomainError,
    InsufficientFunds,
    InvalidOneTimeCode,
    LimitExceeded,
    OperationError,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
    TooManyCodes,
)
from messenger_bank.invocation import CORRELATION_KEY, SESSION_KEY, SessionCheck
from messenger_bank.onboarding.models import (
    ApplicationForm,
    CheckCodeRequest,
    CodeChecked,
    CodeSent,
    SavedApplication,
    SendCodeRequest,
)
from messenger_bank.outages.models import TellWhenBackRequest, WillTell
from messenger_bank.payments.errors import NoPaymentYet
from messenger_bank.payments.models import (
    CheckPayeeAccountRequest,
    CustomerRequest,
    LastPayment,
    ListPayeesRequest,
    PayeeAccountCheck,
    PayeeList,
    PaymentQuoteView,
    QuotePaymentRequest,
    SavedPayeeList,
)
from messenger_bank.plastic.errors import AddressNotUnderstood
from messenger_bank.plastic.models import SaveAddressRequest, SavedAddress
from messenger_bank.privacy.models import (
    ConsentWithdrawn,
    ForgetRequest,
    Forgotten,
    MyData,
    MyDataRequest,
    WithdrawConsentRequest,
)
from messenger_bank.programs.errors import CategoryUnavailable, OfferUnavailable, ProgramDisabled, RecommendationRefused
from messenger_bank.programs.models import (
    ActivateOfferRequest,
    CashbackCategoriesChosen,
    CashbackCategoryList,
    CashbackInfo,
    ChooseCashbackCategoryRequest,
    GetCashbackRequest,
    GetRecommendationsRequest,
    GetReferralRequest,
    ListCashbackCategoriesRequest,
    ListOffersRequest,
    OfferActivated,
    OfferList,
    RecommendationsInfo,
    Recommended,
    RecommendRequest,
    ReferralInfo,
)
from messenger_bank.requests.errors import MoneyRequestClosed, MoneyRequestNotFound, OwnPhone
from messenger_bank.requests.models import (
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    MoneyRequested,
    MoneyRequestView,
    OpenMoneyRequest,
    RequestMoneyRequest,
)
from messenger_bank.security.errors import (
    NotYourCard,
    PhoneNotProven,
    ReauthenticationRequired,
    SessionExpired,
    SessionInvalid,
    TooManyAttempts,
)
from messenger_bank.signin.models import (
    OpenedSession,
    OpenSessionRequest,
    ReauthenticationMethod,
    SignInLink,
    SignInRequest,
    StartReauthenticationRequest,
)
from messenger_bank.spending.errors import CodeRequired
from messenger_bank.transfers.models import QuoteTransferRequest, TransferQuote

# What a refused session fails with, on top of an operation's own errors.
SESSION_ERRORS: dict[SessionCheck, tuple[type[DomainError], ...]] = {
    "customer": (SessionInvalid, SessionExpired),
    "sensitive": (SessionInvalid, SessionExpired, ReauthenticationRequired),
}


class UndeclaredOperation(LookupError):
    """No operation of this name is declared, so no function of this name is deployed."""


@dataclass(frozen=True)
class Operation[R: BaseModel, A: BaseModel]:
    """One operation's contract: a flow `call`s it by `name` with the fields of `request`."""

    name: str
    request: type[R]
    result: type[A]
    errors: tuple[type[DomainError], ...] = ()
    session: SessionCheck | None = None
    # The flow must pass an explicit confirmation (a choose option with `confirm: true`) on every path to it.
    needs_confirmation: bool = False

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.request.model_fields)

    @property
    def required_fields(self) -> frozenset[str]:
        return frozenset(name for name, field in self.request.model_fields.items() if field.is_required())

    @property
    def refusals(self) -> dict[str, type[DomainError]]:
        """Every error the function may fail with, by the name that is its Lambda `errorType`: the
        declared ones (a subclass is its own errorType, so it is named too) and its session's."""
        declared = self.errors + (SESSION_ERRORS[self.session] if self.session else ())
        return {error.__name__: error for base in declared for error in _with_subclasses(base)}

    def parse(self, event: dict[str, Any]) -> R:
        """The request in an invoke's event (without the correlation id and session that travel beside it)."""
        request = {key: value for key, value in event.items() if key not in (CORRELATION_KEY, SESSION_KEY)}
        return self.request.model_validate(request)

    def refused(self, error_type: str, message: str = "") -> DomainError:
        """The error a Lambda error of this type stands for: the declared class, else an OperationError."""
        declared = self.refusals.get(error_type)
        if declared is None:
            return OperationError(message, error_type=error_type)
        return declared(message)


class OperationFailed(Exception):
    """A bank operation refused: `error` is the typed domain error, `code` its name (what a flow's
    `errors:` names; for an error the operation does not declare, the errorType as it came)."""

    def __init__(self, error: DomainError | str) -> None:
        if isinstance(error, str):
            error = OperationError(error_type=error)
        self.error = error
        self.code = error.error_type if isinstance(error, OperationError) else type(error).__name__
        super().__init__(self.code)


def _with_subclasses(error: type[DomainError]) -> list[type[DomainError]]:
    return [error, *(sub for child in error.__subclasses__() for sub in _with_subclasses(child))]


# ---------------------------------------------------------------- sign-in and onboarding
FIND_CUSTOMER = Operation("find_customer", OpenSessionRequest, OpenedSession, errors=(SessionInvalid,))
# The card is proven on the secure page (securepage.service), never in the chat: sign_in answers its link.
SIGN_IN = Operation("sign_in", SignInRequest, SignInLink, errors=(PhoneNotProven, TooManyAttempts, SessionInvalid))
START_REAUTHENTICATION = Operation(
    "start_reauthentication", StartReauthenticationRequest, ReauthenticationMethod, session="customer"
)
SEND_OTP = Operation("send_otp", SendCodeRequest, CodeSent, errors=(TooManyCodes,))
VERIFY_OTP = Operation("verify_otp", CheckCodeRequest, CodeChecked)
SAVE_APPLICATION = Operation("save_application", ApplicationForm, SavedApplication, errors=(PhoneNotProven,))

# ---------------------------------------------------------------- bound chats (customers/bindings.py)
LIST_CHATS = Operation("list_chats", ListChatsRequest, ChatList, session="customer")
REMOVE_CHAT = Operation(
    "remove_chat",
    RemoveChatRequest,
    ChatRemoved,
    errors=(ChatNotFound, ChatTooNew),
    session="customer",
    needs_confirmation=True,
)
# `ref` is what the "This wasn't me" button of an announcement carries: the new chat's binding id.
THIS_WASNT_ME = Operation("this_wasnt_me", DisownChatRequest, ChatDisowned, errors=(ChatNotFound,), session="customer")

# ---------------------------------------------------------------- data the customer controls (privacy/service.py)
GET_MY_DATA = Operation("get_my_data", MyDataRequest, MyData, session="customer")
WITHDRAW_CONSENT = Operation("withdraw_consent", WithdrawConsentRequest, ConsentWithdrawn, session="customer")
# Irreversible: the card or the bank password proven just now (sensitive) and the customer's explicit confirmation.
FORGET_CUSTOMER = Operation("forget_customer", ForgetRequest, Forgotten, session="sensitive", needs_confirmation=True)

# ---------------------------------------------------------------- cards
# BankSystemUnavailable: core banking is down (its breaker open); the balance flow shows the last one known.
LIST_CARDS = Operation("list_cards", ListCardsRequest, CardList, errors=(BankSystemUnavailable,), session="customer")
GET_BALANCE = Operation(
    "get_balance",
    GetBalanceRequest,
    BalanceResult,
    errors=(NotYourCard, BankSystemUnavailable),
    session="customer",
)
# The balances last read from the bank, with their times: our table only, so it answers while core banking is down.
LAST_BALANCES = Operation("last_balances", LastBalancesRequest, LastBalances, session="customer")
BLOCK_CARD = Operation("block_card", BlockCardRequest, CardStatusResult, errors=(NotYourCard,), session="customer")
# OperationRejected: the bank will not unblock this card (e.g. blocked as lost); a new one can be ordered.
UNBLOCK_CARD = Operation(
    "unblock_card", UnblockCardRequest, CardStatusResult, errors=(NotYourCard, OperationRejected), session="sensitive"
)
GET_REQUISITES = Operation(
    "get_requisites", GetRequisitesRequest, RequisitesResult, errors=(NotYourCard,), session="customer"
)
CREATE_SECURE_LINK = Operation(
    "create_secure_link",
    CreateSecureLinkRequest,
    SecureLinkResult,
    errors=(NotYourCard, CardBlocked),  # CardBlocked: a blocked card's details are not shown
    session="sensitive",
)
GET_HISTORY = Operation("get_history", GetHistoryRequest, HistoryResult, session="customer")
# The card account's monthly statement (amount due, minimum payment and its date) and its PDF.
GET_STATEMENT = Operation(
    "get_statement", GetStatementRequest, StatementResult, errors=(NotYourCard,), session="customer"
)
GET_CARD_LIMITS = Operation(
    "get_card_limits", GetCardLimitsRequest, CardLimitsResult, errors=(NotYourCard,), session="customer"
)
SET_CARD_LIMIT = Operation(
    "set_card_limit",
    SetCardLimitRequest,
    CardLimitsResult,
    errors=(NotYourCard, CardLimitAboveMaximum, CardBlocked),
    session="sensitive",
    needs_confirmation=True,
)
SAVE_DELIVERY_ADDRESS = Operation(
    "save_delivery_address", SaveAddressRequest, SavedAddress, errors=(AddressNotUnderstood,), session="customer"
)

# ---------------------------------------------------------------- transfers and money requests
QUOTE_TRANSFER = Operation(
    "quote_transfer",
    QuoteTransferRequest,
    TransferQuote,
    errors=(InsufficientFunds, LimitExceeded, CardNotFound, CardBlocked),
    session="customer",
)
REQUEST_MONEY = Operation(
    "request_money",
    RequestMoneyRequest,
    MoneyRequested,
    errors=(CustomerNotFound, OwnPhone),
    session="customer",
    needs_confirmation=True,
)
# `ref` is what a Pay / Decline button carries: <pay|decline>.<request id>.
OPEN_MONEY_REQUEST = Operation(
    "open_money_request",
    OpenMoneyRequest,
    MoneyRequestView,
    errors=(MoneyRequestClosed, MoneyRequestNotFound),
    session="customer",
)
PAY_MONEY_REQUEST = Operation(
    "pay_money_request",
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    errors=(
        MoneyRequestClosed,
        MoneyRequestNotFound,
        InsufficientFunds,
        LimitExceeded,
        CardBlocked,
        CodeRequired,
        InvalidOneTimeCode,
    ),
    session="customer",
    needs_confirmation=True,
)
DECLINE_MONEY_REQUEST = Operation(
    "decline_money_request",
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    errors=(MoneyRequestClosed, MoneyRequestNotFound),
    session="customer",
)

# ---------------------------------------------------------------- payments for services
LIST_PAYEES = Operation("list_payees", ListPayeesRequest, PayeeList)
CHECK_PAYEE_ACCOUNT = Operation(
    "check_payee_account", CheckPayeeAccountRequest, PayeeAccountCheck, errors=(PayeeNotFound, PayeeAccountNotFound)
)
QUOTE_PAYMENT = Operation(
    "quote_payment",
    QuotePaymentRequest,
    PaymentQuoteView,
    errors=(InsufficientFunds, LimitExceeded, PayeeNotFound, PayeeAccountNotFound, CardNotFound),
    session="customer",
)
LIST_SAVED_PAYEES = Operation("list_saved_payees", CustomerRequest, SavedPayeeList, session="customer")
LAST_PAYMENT = Operation("last_payment", CustomerRequest, LastPayment, errors=(NoPaymentYet,), session="customer")

# ---------------------------------------------------------------- a bank system down (outages/service.py)
# "Tell me when it's back": the chat is told once, when the scheduled check finds the system answering again.
TELL_WHEN_BACK = Operation("tell_when_back", TellWhenBackRequest, WillTell)

# ---------------------------------------------------------------- programs
GET_REFERRAL = Operation(
    "get_referral", GetReferralRequest, ReferralInfo, errors=(ProgramDisabled,), session="customer"
)
GET_RECOMMENDATIONS = Operation(
    "get_recommendations",
    GetRecommendationsRequest,
    RecommendationsInfo,
    errors=(ProgramDisabled,),
    session="customer",
)
RECOMMEND = Operation(
    "recommend", RecommendRequest, Recommended, errors=(RecommendationRefused, ProgramDisabled), session="customer"
)
LIST_OFFERS = Operation("list_offers", ListOffersRequest, OfferList, session="customer")
ACTIVATE_OFFER = Operation(
    "activate_offer", ActivateOfferRequest, OfferActivated, errors=(OfferUnavailable,), session="customer"
)
GET_CASHBACK = Operation("get_cashback", GetCashbackRequest, CashbackInfo, session="customer")
LIST_CASHBACK_CATEGORIES = Operation(
    "list_cashback_categories",
    ListCashbackCategoriesRequest,
    CashbackCategoryList,
    errors=(CategoryUnavailable,),
    session="customer",
)
CHOOSE_CASHBACK_CATEGORY = Operation(
    "choose_cashback_category",
    ChooseCashbackCategoryRequest,
    CashbackCategoriesChosen,
    errors=(CategoryUnavailable,),
    session="customer",
)

# Every declaration above, by name (collected rather than listed, so that a new one cannot be left out).
OPERATIONS: dict[str, Operation[Any, Any]] = {
    declared.name: declared for declared in list(globals().values()) if isinstance(declared, Operation)
}


def operation(name: str) -> Operation[Any, Any]:
    """The declared operation of this name; UndeclaredOperation for any other (no such function is deployed)."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise UndeclaredOperation(f"no operation {name!r} is declared (messenger_bank/operations.py)") from None
