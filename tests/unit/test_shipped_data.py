"""The YAML documents the code reads at run time, and their JSON twins in the built layer
(messenger_bank/shipped_data.py): a twin holds the same data, is read where it exists, and every document a loader
reads has one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from messenger_bank import shipped_data
from messenger_bank.conversation.catalogue import CATALOGUE_DIR, load_catalogue
from messenger_bank.notices.templates import REGISTRY
from messenger_bank.programs.settings import DEFAULT_PROGRAMS_FILE
from messenger_bank.programs.terms import ProgramsConfigError, load_programs
from messenger_bank.types import LANGUAGES


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The documents as the layer's build leaves them: copied, each with its twin written."""
    for name in shipped_data.DOCUMENTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shipped_data.PACKAGE / name, tmp_path / name)
    shipped_data.write_twins(tmp_path)
    return tmp_path


def test_every_document_a_loader_reads_is_one_the_build_twins() -> None:
    read_by_loaders = {CATALOGUE_DIR / f"{language}.yaml" for language in LANGUAGES} | {DEFAULT_PROGRAMS_FILE, REGISTRY}

    assert {shipped_data.PACKAGE / name for name in shipped_data.DOCUMENTS} == read_by_loaders


@pytest.mark.parametrize("name", shipped_data.DOCUMENTS)
def test_a_twin_holds_the_data_the_pure_python_yaml_parser_reads(built: Path, name: str) -> None:
    twin = json.loads((built / name).with_suffix(".json").read_text(encoding="utf-8"))

    assert twin == yaml.safe_load((built / name).read_text(encoding="utf-8"))


def test_the_terms_read_from_the_twin_are_the_terms_read_from_the_yaml(built: Path) -> None:
    from_twin = load_programs((built / "programs/terms.json").read_text(encoding="utf-8"))

    assert from_twin == load_programs(DEFAULT_PROGRAMS_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_read_from_the_twins_is_the_catalogue_read_from_the_yaml(built: Path) -> None:
    assert load_catalogue(built / "conversation/catalogue") == load_catalogue(CATALOGUE_DIR)


def test_a_twin_is_read_in_place_of_its_yaml_where_there_is_one(tmp_path: Path) -> None:
    document = tmp_path / "terms.yaml"
    document.write_text("rate: 2\n", encoding="utf-8")
    assert shipped_data.read(document) == {"rate": 2}

    document.with_suffix(".json").write_text('{"rate": 3}', encoding="utf-8")

    assert shipped_data.read(document) == {"rate": 3}


def test_a_date_reaches_the_twin_as_its_iso_text(tmp_path: Path) -> None:
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs/terms.yaml").write_text("starts: 2026-01-31\n", encoding="utf-8")

    twins = shipped_data.write_twins(tmp_path, ("programs/terms.yaml",))

    assert json.loads(twins[0].read_text(encoding="utf-8")) == {"starts": "2026-01-31"}


def test_a_value_json_cannot_hold_fails_the_build_rather_than_ship_another_value(tmp_path: Path) -> None:
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs/terms.yaml").write_text("logo: !!binary aGVsbG8=\n", encoding="utf-8")

    with pytest.raises(TypeError, match="bytes has no JSON form"):
        shipped_data.write_twins(tmp_path, ("programs/terms.yaml",))


def test_terms_that_are_neither_json_nor_yaml_are_refused_as_not_yaml() -> None:
    with pytest.raises(ProgramsConfigError, match="not YAML"):
        load_programs("version: [1\n")


def test_terms_in_json_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(ProgramsConfigError, match="must be a mapping"):
        load_programs("[1, 2]")
