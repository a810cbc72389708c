"""The programs document: data validated before it is used, from a file locally or from AppConfig."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from messenger_bank.programs import terms as config_module
from messenger_bank.programs.settings import ReferralSettings
from messenger_bank.programs.terms import ProgramsConfigError, load_programs, programs
from tests.unit.programs.conftest import programs_document


def test_the_shipped_document_is_valid_and_names_the_four_partners() -> None:
    loaded = load_programs(programs_document())

    assert set(loaded.partners) == {"gamearena", "twitch", "burgerking", "grushovka"}
    assert loaded.invite.referrer_bonus.amount_minor > 0
    assert [m.converted for m in loaded.recommend.milestones] == [3, 5, 10]
    every_rate = [c.rate_percent for c in loaded.categories.values()] + [
        r for p in loaded.partners.values() for r in [*p.rates.values(), *(o.cashback_percent for o in p.offers)]
    ]
    assert all(Decimal(2) <= r <= Decimal(33) for r in every_rate)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("partners", "twitch", "rates", "streaming"), 40),
        (("categories", "groceries", "rate_percent"), 1),
        (("partners", "gamearena", "offers", 0, "cashback_percent"), 40),
    ],
)
def test_a_rate_outside_2_to_33_percent_is_rejected(path: tuple[Any, ...], value: int) -> None:
    document = programs_document()
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(ProgramsConfigError, match=r"less than or equal to 33|greater than or equal to 2"):
        load_programs(document)


def test_a_bonus_that_is_not_a_positive_integer_of_minor_units_is_rejected() -> None:
    for amount in (0, -100, 10.5):
        document = programs_document()
        document["invite"]["referrer_bonus"]["amount_minor"] = amount

        with pytest.raises(ProgramsConfigError):
            load_programs(document)


def test_milestones_must_grow_and_unknown_fields_are_refused() -> None:
    document = programs_document()
    document["recommend"]["milestones"][1]["converted"] = 3
    with pytest.raises(ProgramsConfigError, match="increasing"):
        load_programs(document)

    document = programs_document()
    document["invite"]["bonus_for_everyone"] = True
    with pytest.raises(ProgramsConfigError):
        load_programs(document)


def test_each_partner_has_its_colours_and_they_must_be_hex_triplets() -> None:
    loaded = load_programs(programs_document())
    assert all(partner.colours is not None for partner in loaded.partners.values())

    document = programs_document()
    document["partners"]["twitch"]["colours"] = {"background": "purple", "foreground": "#FFFFFF"}
    with pytest.raises(ProgramsConfigError):
        load_programs(document)


def test_a_bonus_in_another_currency_is_rejected() -> None:
    document = programs_document()
    document["invite"]["newcomer_bonus"]["currency"] = "USD"

    with pytest.raises(ProgramsConfigError, match="currency"):
        load_programs(document)


def test_months_are_counted_in_the_bank_time_zone() -> None:
    loaded = load_programs(programs_document())

    assert loaded.month_of(datetime(2025, 5, 31, 21, 30, tzinfo=UTC)) == "2025-06"  # 00:30 in Minsk
    start, end = loaded.month_bounds("2025-12")
    assert (start.isoformat(), end.isoformat()) == ("2025-12-01T00:00:00+03:00", "2026-01-01T00:00:00+03:00")


def test_the_file_source_reads_the_file_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = programs_document()
    document["invite"]["monthly_cap"] = 2
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("PROGRAMS_FILE", str(path))

    settings = ReferralSettings()

    assert programs(settings).invite.monthly_cap == 2


def test_deployed_the_document_comes_from_appconfig_through_powertools(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, Any]] = []

    def get_app_config(**kwargs: Any) -> bytes:
        asked.append(kwargs)
        return yaml.safe_dump(programs_document()).encode()

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", get_app_config)
    monkeypatch.setenv("PROGRAMS_SOURCE", "appconfig")
    monkeypatch.setenv("PROGRAMS_APPCONFIG_APPLICATION", "messenger-bank")
    monkeypatch.setenv("PROGRAMS_APPCONFIG_ENVIRONMENT", "prod")
    monkeypatch.setenv("PROGRAMS_MAX_AGE_SECONDS", "60")
    settings = ReferralSettings()

    first = programs(settings)
    second = programs(settings)

    assert asked[0] == {"name": "programs", "environment": "prod", "application": "messenger-bank", "max_age": 60}
    assert first is second  # the same document is validated once
    assert config_module._parsed.cache_info().hits >= 1


def test_appconfig_without_an_application_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMS_SOURCE", "appconfig")
    with pytest.raises(ValueError, match="APPCONFIG"):
        ReferralSettings()
