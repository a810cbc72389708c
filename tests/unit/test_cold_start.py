"""Each function's init loads only what it uses: Pillow and qrcode only in the functions that draw (those
whose Layers list in template.yaml names the ImagesLayer, the only place that says which functions draw),
the X-Ray SDK in none (tracing is Lambda's own).

Each handler module is imported in a process of its own, forked from one that has imported what every
function loads anyway (boto3, pydantic, Powertools) and none of the watched packages: what the child
finds in sys.modules is what that function's init loaded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.cold_start import added_layers, bank_clients, functions

ROOT = Path(__file__).resolve().parents[2]
DRAWS = "ImagesLayer"
ONLY_WHERE_DRAWN = ("PIL", "qrcode")
NOWHERE = ("aws_xray_sdk", "pydantic_settings")

# Runs in a fresh interpreter: argv[1] the watched packages; stdin [[name, code folder, module], ...];
# prints {name: {"loaded": [...], "read": [settings models read]} or {"error": "..."}}.
PROBE = """
import importlib, json, os, sys
watched = json.loads(sys.argv[1])
jobs = json.load(sys.stdin)
# What every function loads, once before the forks (one of these loading a watched package fails here too).
import boto3, pydantic, aws_lambda_powertools, messenger_bank.http, messenger_bank.operations
early = [m for m in watched if m in sys.modules]
if early:
    raise SystemExit(f"loaded before any function: {early}")
found = {}
for name, code, module in jobs:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        sys.path.insert(0, code)
        try:
            importlib.import_module(module)
            answer = {"loaded": [m for m in watched if m in sys.modules]}
            # Which settings models (messenger_bank.configuration.read_once) the init read.
            configuration = sys.modules.get("messenger_bank.configuration")
            answer["read"] = sorted(
                read.__wrapped__.__closure__[0].cell_contents.__name__
                for read in getattr(configuration, "_ACCESSORS", ())
                if read.cache_info().currsize
            )
        except BaseException as error:
            answer = {"error": repr(error)}
        os.write(write, json.dumps(answer).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        found[name] = json.loads(pipe.read())
    os.waitpid(pid, 0)
print(json.dumps(found))
"""


def probe(
    jobs: list[tuple[str, Path, str]], watched: tuple[str, ...] = (*ONLY_WHERE_DRAWN, *NOWHERE)
) -> dict[str, dict[str, Any]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "common"),
        "AWS_DEFAULT_REGION": "eu-central-1",
        "POWERTOOLS_SERVICE_NAME": "test",
        "POWERTOOLS_METRICS_NAMESPACE": "Test",
        "SECRETS_PREFIX": "/test",
    }
    done = subprocess.run(
        [sys.executable, "-P", "-c", PROBE, json.dumps(list(watched))],
        input=json.dumps([[name, str(code), module] for name, code, module in jobs]),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=280,
    )
    found: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return found


def loaded_at_init(watched: tuple[str, ...], names: Iterable[str] | None = None) -> dict[str, Any]:
    """Function -> the watched modules its init loaded (or the error that stopped it); every function by default."""
    every = functions()
    found = probe([(name, *every[name]) for name in (sorted(every) if names is None else names)], watched)
    return {name: answer.get("error") or answer["loaded"] for name, answer in found.items()}


def drawing_functions() -> frozenset[str]:
    return frozenset(name for name, layers in added_layers().items() if DRAWS in layers)


def test_a_function_loads_pillow_and_qrcode_only_if_it_draws_and_the_xray_sdk_never() -> None:
    # One probe for all (one process, a fork per function): a test per function would start one per worker.
    found = probe([(name, code, module) for name, (code, module) in sorted(functions().items())])
    drawing = drawing_functions()
    assert drawing, "no function has the ImagesLayer: nothing could draw"
    offenders = {
        name: loaded.get("error") or [m for m in loaded["loaded"] if m in NOWHERE or name not in drawing]
        for name, loaded in found.items()
    }
    assert {name: wrong for name, wrong in offenders.items() if wrong} == {}
    assert sorted(found) == sorted(functions())


def test_an_operations_function_loads_its_own_contexts_declarations_and_no_others() -> None:
    # Each context's declarations bring its models (pydantic schemas built at import): a function needs its own. The
    # programmes declare theirs per programme (programs/<programme>_operations.py): a function loads its programme's.
    from messenger_bank.operations import DECLARING_CONTEXTS

    programmes = ("referral", "recommend", "offer", "cashback")
    declarations = (
        *(f"messenger_bank.{context}.operations" for context in DECLARING_CONTEXTS),
        *(f"messenger_bank.programs.{programme}_operations" for programme in programmes),
    )
    jobs = [
        (name, code, module) for name, (code, module) in sorted(functions().items()) if code.parent.name == "operations"
    ]
    found = probe(jobs, declarations)
    own = {
        name: re.findall(
            r"from (messenger_bank\.\w+\.(?:\w+_)?operations) import", (code / "app.py").read_text("utf-8")
        )
        for name, code, _module in jobs
    }
    # A recommendation's link is the referrer's share link (programs/invite.py): recommend's functions define the
    # referral programme's models too.
    for name in ("GetRecommendationsFunction", "RecommendFunction"):
        own[name] = ["messenger_bank.programs.referral_operations", *own[name]]
    assert len(found) == len(jobs) > 30
    assert {name: loaded.get("error") or loaded["loaded"] for name, loaded in found.items()} == own


def test_a_webhook_function_loads_its_own_messengers_adapter_and_no_others() -> None:
    webhooks = {
        "TelegramWebhookFunction": "telegram",
        "ViberWebhookFunction": "viber",
        "WhatsAppWebhookFunction": "whatsapp",
        "MessengerWebhookFunction": "messenger",
    }
    adapters = tuple(f"messenger_bank.channels.{messenger}" for messenger in webhooks.values())
    jobs = [(name, code, module) for name, (code, module) in sorted(functions().items()) if name in webhooks]

    found = probe(jobs, adapters)

    assert len(jobs) == len(webhooks)
    assert {name: loaded.get("error") or loaded["loaded"] for name, loaded in found.items()} == {
        name: [f"messenger_bank.channels.{messenger}"] for name, messenger in webhooks.items()
    }


def test_only_the_conversation_and_the_flow_validator_load_the_yaml_parser_at_init() -> None:
    """The catalogue, the notices' registry and the programmes' terms are read on first use, from their JSON twins in
    the built layer (messenger_bank/shipped_data.py), so PyYAML is imported only where a YAML document is parsed
    (issue 20: +0.13x of ``import boto3``, and the programmes' functions imported it at init for their terms). The
    conversation and the flow validator read the flows, with the lines of every key, at init."""
    assert {name for name, modules in loaded_at_init(("yaml",)).items() if modules} == {
        "ConversationFunction",
        "FlowValidatorFunction",
    }


def test_a_webhook_does_not_load_the_sealer_and_the_conversation_does() -> None:
    """A webhook seals only an update whose free text holds a card or document number (webhooks/sealing.py): the
    sealer (cryptography's AES-GCM, the KMS client) loads on such an update, not at every webhook's init. The
    conversation seals sessions on its common path and loads it at init."""
    webhooks = (
        "TelegramWebhookFunction",
        "ViberWebhookFunction",
        "WhatsAppWebhookFunction",
        "MessengerWebhookFunction",
    )
    jobs = [
        (name, code, module)
        for name, (code, module) in sorted(functions().items())
        if name in webhooks or name == "ConversationFunction"
    ]

    found = probe(jobs, ("messenger_bank.security.sealing",))

    assert {name: loaded.get("error") or loaded["loaded"] for name, loaded in found.items()} == {
        **{name: [] for name in webhooks},
        "ConversationFunction": ["messenger_bank.security.sealing"],
    }


def test_a_webhook_reads_no_settings_at_init() -> None:
    """Viber's adapter read the channels' settings at init for its sender's name, and with them every platform
    secret the function may see (SSM, up to eight reads, issue 20); the name is read where a welcome names it."""
    webhooks = (
        "TelegramWebhookFunction",
        "ViberWebhookFunction",
        "WhatsAppWebhookFunction",
        "MessengerWebhookFunction",
    )
    jobs = [(name, code, module) for name, (code, module) in sorted(functions().items()) if name in webhooks]

    found = probe(jobs, ())

    assert {name: loaded.get("error") or loaded["read"] for name, loaded in found.items()} == {
        name: [] for name in webhooks
    }


def test_the_probe_sees_an_init_read_settings(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from messenger_bank.channels import settings\nsettings()\n", encoding="utf-8")
    assert probe([("Reading", tmp_path, "app")], ()) == {
        "Reading": {"loaded": [], "read": ["ChannelSettings", "StackSettings"]}
    }


def test_the_probe_sees_a_renderer_load_pillow_and_qrcode(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import messenger_bank.images.share\n", encoding="utf-8")
    assert probe([("Drawing", tmp_path, "app")]) == {"Drawing": {"loaded": ["PIL", "qrcode"], "read": []}}


def _drawing_modules() -> frozenset[str]:
    """The layer's modules that import Pillow or qrcode, read from their source."""
    layer = ROOT / "layers" / "common"
    found = set()
    for path in (layer / "messenger_bank").rglob("*.py"):
        if re.search(r"^\s*(from|import) (PIL|qrcode)\b", path.read_text(encoding="utf-8"), re.MULTILINE):
            parts = path.relative_to(layer).with_suffix("").parts
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return frozenset(found)


def test_a_function_whose_code_can_draw_carries_the_images_layer_and_no_other_does() -> None:
    """The import probe above sees only a function's init; a renderer imported where it draws loads later, so
    a function missing the layer would fail on AWS on its drawing path only. Its code's reach (read from the
    source, tests/support/reach.py) says whether it can draw."""
    from tests.support.aws import template_resources
    from tests.support.reach import reachable

    drawing_modules = _drawing_modules()
    assert "messenger_bank.images.receipt" in drawing_modules
    wrong = {}
    for name, resource in sorted(template_resources().items()):
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        reached = {qualified.rpartition(".")[0] for qualified in reachable(resource["Properties"]["CodeUri"])}
        can_draw = bool(reached & drawing_modules)
        if can_draw != (name in drawing_functions()):
            wrong[name] = "draws without the images layer" if can_draw else "carries the images layer, never draws"
    assert wrong == {}


def test_a_card_operation_loads_no_token_library_no_bindings_and_no_picture_models() -> None:
    """Issue 20, third pass: the card operations (cards/service.py) read a customer and ask core banking. The
    one-time link is made in cards/secure_links.py (then PyJWT, and with it cryptography, ~35 ms of CPU on the
    Lambda-like path), a chat is bound in customers/bindings.py (the channels' models, the notices), and the
    pictures' request models are imported where a picture or PDF is drawn; none loads at a card function's init."""
    jobs = [
        (name, code, module)
        for name, (code, module) in sorted(functions().items())
        if "from messenger_bank.cards.service import" in (code / f"{module}.py").read_text("utf-8")
    ]
    watched = ("jwt", "messenger_bank.customers.bindings", "messenger_bank.channels", "messenger_bank.images.models")

    found = probe(jobs, watched)

    assert {"GetBalanceFunction", "ListCardsFunction", "GetRequisitesFunction"} <= {name for name, _, _ in jobs}
    # get_requisites draws on every invocation and imports the PDF's request model at its init.
    assert {name: loaded.get("error") or loaded["loaded"] for name, loaded in found.items()} == {
        name: ["messenger_bank.images.models"] if name == "GetRequisitesFunction" else [] for name, _, _ in jobs
    }


def test_only_the_internal_authorizer_loads_pyjwt() -> None:
    """Issue 20, sixth pass: our HS256 tokens (sessions, links) are made and read on the standard library
    (security/_hs256.py), since importing PyJWT imports cryptography's X.509 and asymmetric algorithms (+0.26x of
    ``import boto3`` in instructions). The authorizer verifies Keycloak's RS256 and needs both."""
    assert {name for name, modules in loaded_at_init(("jwt",)).items() if modules} == {"InternalAuthorizerFunction"}


def test_a_card_issuance_step_loads_what_its_step_uses() -> None:
    """Issue 20, third pass: the steps were one module (onboarding/service.py), so each step's function loaded
    every step's needs: sign-in's service (PyJWT), the programme's terms (YAML), the friend's-code programme and
    the pictures' models. Now the application's steps (service.py), the registration (registration.py), the card
    (issuance.py) and its picture (picture.py) are apart; sign-in's proof is signin/proofs.py. Sixth pass: the
    card's step reads the terms without defining the programmes' thirty models (the partners' colours, which the
    terms name, are programs/colours.py). Seventh pass: the registration loads the referral programme on the call
    of a newcomer with a friend's code (tests/unit/onboarding/test_registration_details.py, tests/e2e/test_referrals.py
    hold that path)."""
    watched = (
        "jwt",
        "messenger_bank.signin.service",
        "messenger_bank.programs.invite",
        "messenger_bank.programs.terms",
        "messenger_bank.programs.models",
        "messenger_bank.images.models",
    )
    expected = {
        "SaveApplicationFunction": [],
        "VerifyApplicantFunction": [],
        "CloseApplicationFunction": [],
        # The friend's code is counted at registration, by the call of a referred newcomer only (programs.invite,
        # which names the terms and the programmes' models: 0.22x of `import boto3`; seventh pass).
        "RegisterCustomerFunction": [],
        "IssueVirtualCardFunction": ["messenger_bank.programs.terms"],  # the card-issued message's cashback range
        "RenderCardPictureFunction": ["messenger_bank.images.models"],
    }
    jobs = [(name, code, module) for name, (code, module) in sorted(functions().items()) if name in expected]

    found = probe(jobs, watched)

    assert {name: loaded.get("error") or loaded["loaded"] for name, loaded in found.items()} == expected


BANK_CLIENTS = tuple(
    f"messenger_bank.banking.clients.{client}"
    for client in ("acquirer", "billing", "cerberus", "core", "keycloak", "partners", "passport", "rest", "soap")
)
BANK_MODELS = tuple(
    f"messenger_bank.banking.models.{system}"
    for system in ("acquirer", "billing", "cerberus", "core", "partners", "passport")
)


def test_no_function_loads_a_bank_client_at_init_nor_the_models_of_a_system_it_never_calls() -> None:
    """A bank system's client is imported by its factory (banking/service.py), and its models by the client or by a
    context that names them: a function that calls core banking alone defined Cerberus', the acquirer's, billing's
    and the partners' 20 models and imported SOAP's XML parsers, all unused (issue 20)."""
    loaded = loaded_at_init(BANK_MODELS + BANK_CLIENTS)

    assert {
        name: [m for m in modules if m in BANK_CLIENTS]
        for name, modules in loaded.items()
        if set(modules) & set(BANK_CLIENTS)
    } == {}
    # Core banking's models are the card and account types several contexts' own models are made of (a plastic
    # order's address, a statement's lines): loading them is allowed; no other system's the function never calls.
    allowed = {
        name: {"core"} | {m.rsplit(".", 1)[1] for m in bank_clients(str(code.relative_to(ROOT)))}
        for name, (code, _) in functions().items()
    }
    strangers = {
        name: [m for m in modules if m.rsplit(".", 1)[1] not in allowed[name]] for name, modules in loaded.items()
    }
    assert {name: wrong for name, wrong in strangers.items() if wrong} == {}


def test_the_bench_counts_the_bank_clients_a_function_meets_on_its_first_call() -> None:
    clients = "messenger_bank.banking.clients."
    assert bank_clients("functions/operations/get_balance") == [f"{clients}{c}" for c in ("core", "keycloak", "rest")]
    assert bank_clients("functions/operations/list_offers") == [f"{clients}{c}" for c in ("partners", "rest")]
    assert bank_clients("functions/operations/list_payees") == [f"{clients}{c}" for c in ("billing", "soap")]
    assert bank_clients("functions/edges/telegram_webhook") == []


def test_no_function_loads_powertools_http_resolver() -> None:
    """The functions behind the HTTP API answer the route API Gateway matched through messenger_bank/http.py's
    ``HttpRoutes``: Powertools' event handler package, with the resolvers of every event source, asyncio and their
    data classes, cost +0.18x of ``import boto3`` at each of their cold starts (issue 20). Before that, the
    top-up's and the plastic card's journey steps loaded it too, through their context's service (~20 ms)."""
    loaded = loaded_at_init(("aws_lambda_powertools.event_handler",))

    assert len(loaded) > 80
    assert {name: modules for name, modules in loaded.items() if modules} == {}


def test_only_the_top_up_step_that_sends_the_link_loads_a_messengers_client() -> None:
    """Issue 20, sixth pass: the top-up's steps were one module, so the start, the credit and the acquirer's
    callback loaded the channels' client, models and rate limiter and the notices for the one step that writes to
    a chat (topup/link.py), ~0.1x of ``import boto3`` each; the start and the credit were just over 2x."""
    names = ("TopUpStartFunction", "TopUpParkFunction", "TopUpCreditFunction", "AcquirerCallbackFunction")

    assert loaded_at_init(("messenger_bank.channels.client",), names) == {
        name: ["messenger_bank.channels.client"] if name == "TopUpParkFunction" else [] for name in names
    }


def test_the_statement_run_loads_nothing_of_the_sending() -> None:
    """Issue 20, sixth pass: the run (step 1: the month, the customers) was in the sending's module and loaded the
    card services, the notices and a messenger's client, which only the sending (step 2) uses."""
    names = ("StatementRunFunction", "StatementSendFunction")
    watched = ("messenger_bank.cards.service", "messenger_bank.channels.client")

    assert loaded_at_init(watched, names) == {
        "StatementRunFunction": [],
        "StatementSendFunction": list(watched),
    }


def test_the_cashback_payouts_run_and_payment_load_nothing_of_the_telling() -> None:
    """Issue 20, sixth pass: the run, the payment and the notices were one module (purchases/payout.py), so the run's
    and the payment's functions loaded the catalogue, the receipt's request model and the messengers' models that
    only the notices (purchases/payout_notices.py) use."""
    names = ("PayoutRunFunction", "PayoutPayFunction")
    watched = (
        "messenger_bank.conversation.catalogue",
        "messenger_bank.images.models",
        "messenger_bank.channels.models",
        "messenger_bank.programs.cashback",
    )

    assert loaded_at_init(watched, names) == {name: [] for name in names}


def test_of_the_programmes_functions_only_those_that_draw_load_the_pictures_models() -> None:
    """Issue 20, sixth pass: the share picture (programs/sharing.py) and the offers picture (programs/offer_list.py)
    were drawn from the modules every referral and offer function imports (invite.py, partner_offers.py), so the
    registration, the bonuses, "recommend", activating an offer and the card events loaded the pictures' models and
    store (~0.035x of ``import boto3``)."""
    draw = {"GetReferralFunction", "ListOffersFunction"}
    names = (
        *sorted(draw),
        "ActivateOfferFunction",
        "RecommendFunction",
        "GetRecommendationsFunction",
        "RegisterCustomerFunction",
        "CreditReferralBonusesFunction",
        "CardEventsFunction",
    )

    assert loaded_at_init(("messenger_bank.images.models",), names) == {
        name: ["messenger_bank.images.models"] if name in draw else [] for name in names
    }


def test_only_the_card_issuance_bonuses_load_the_invite_programmes_money_side() -> None:
    """Issue 20, seventh pass: the share links and the referrer's progress were in programs/invite.py beside the
    attribution and the bonuses, which pay through the bank, so showing a referrer their code (GetReferral) and
    "recommend" loaded the bank's service and models (GetReferral 1.98 -> 1.74x of ``import boto3``). They are
    programs/referrer.py now; the registration loads invite.py on its call, for a referred newcomer only."""
    loaded = loaded_at_init(("messenger_bank.programs.invite",))

    assert len(loaded) > 80
    assert {name for name, modules in loaded.items() if modules} == {"CreditReferralBonusesFunction"}


def test_the_partners_offers_functions_define_no_core_banking_model() -> None:
    """Issue 20, seventh pass: programs/bank.py imported core banking's models for its protocols' annotations and the
    bonus's credit, so listing and activating a partner's offer, which call only the partners' API, defined them at
    init (ListOffers 2.02 -> 1.95x of ``import boto3``)."""
    names = ("ListOffersFunction", "ActivateOfferFunction")

    assert loaded_at_init(("messenger_bank.banking.models.core",), names) == {name: [] for name in names}


def test_the_card_events_accrual_loads_no_bank_client() -> None:
    """Issue 20, seventh pass: the card events' accrual took the cashback rules from programs/cashback.py and the
    offers activated from programs/partner_offers.py, both of which load programs/bank.py and with it the bank's
    service and httpx (+0.17x of ``import boto3``), though an event is accrued from the event alone and the customers
    table; the rules are programs/cashback_rules.py now (CardEvents 2.08 -> 1.86x)."""
    watched = ("messenger_bank.banking.service", "httpx")

    assert loaded_at_init(watched, ("CardEventsFunction",)) == {"CardEventsFunction": []}


def test_no_function_loads_powertools_batch_utility_or_its_parser_models() -> None:
    """Issue 20, seventh pass: the conversation walked its FIFO batch with Powertools' ``SqsFifoPartialProcessor``,
    whose package, once pydantic is loaded, imports the parser models of SQS, DynamoDB, Kinesis and Kafka records,
    the event data classes and asyncio: 0.29x of ``import boto3`` at the cold start of the function on every turn's
    path. The batch is walked in conversation/turns.py (tests/unit/conversation/test_turn_deadline.py)."""
    watched = ("aws_lambda_powertools.utilities.batch", "aws_lambda_powertools.utilities.parser.models", "asyncio")
    loaded = loaded_at_init(watched)

    assert len(loaded) > 80
    assert {name: modules for name, modules in loaded.items() if modules} == {}
