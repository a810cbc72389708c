"""`sam build` works offline from AWS (no container, no account): what `sam deploy` would upload."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cold_start import import_environment
from tests.support.aws import template_resources

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_sam_build_packages_every_function_and_the_layers_with_their_dependencies(tmp_path: Path) -> None:
    sam = Path(sys.executable).with_name("sam")
    build = tmp_path / "build"
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{sam.parent}{os.pathsep}{os.environ['PATH']}"}

    command = [str(sam), "build", "--template", "template.yaml", "--build-dir", str(build)]
    done = subprocess.run(
        [*command, "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    functions = [name for name, r in template_resources().items() if r["Type"] == "AWS::Serverless::Function"]
    for name in functions:
        assert (build / name / "app.py").exists(), name
    layer = build / "CommonLayer" / "python"
    assert (layer / "messenger_bank" / "conversation" / "nlu" / "data" / "model.json.gz").exists()
    assert (layer / "pydantic").is_dir() and (layer / "aws_lambda_powertools").is_dir()
    # The runtime has boto3 and botocore; Pillow and qrcode are only for the functions that draw.
    assert [name for name in ("boto3", "botocore", "PIL", "qrcode") if (layer / name).exists()] == []
    # The layer ships its bytecode (layers/packages.mk, layers/common/Makefile): /opt is read-only on Lambda, and
    # without it every cold start compiled the layer again (issue 20). Unchecked-hash (flags 0b01): used without the
    # sources' timestamps.
    ours = sorted((layer / "messenger_bank").rglob("*.py"))
    assert len(ours) > 200
    assert [str(p) for p in ours if not Path(importlib.util.cache_from_source(str(p))).exists()] == []
    header = Path(importlib.util.cache_from_source(str(layer / "messenger_bank" / "handlers.py"))).read_bytes()[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 0b01
    # The packages ship their bytecode alone, beside where each source was, and the layer stays under the 40 MB a
    # function that does not draw may weigh (issue 20; its functions' own code is a few KB).
    assert [str(p) for p in layer.rglob("*.py") if "messenger_bank" not in p.relative_to(layer).parts] == []
    assert (layer / "pydantic" / "__init__.pyc").exists() and (layer / "yaml" / "__init__.pyc").exists()
    assert sum(p.stat().st_size for p in layer.rglob("*") if p.is_file()) <= 40 * 1024 * 1024
    # The YAML documents read at run time have their JSON twins (messenger_bank/shipped_data.py), with the same data.
    from messenger_bank.shipped_data import DOCUMENTS, parse_yaml

    for name in DOCUMENTS:
        twin = json.loads((layer / "messenger_bank" / name).with_suffix(".json").read_text(encoding="utf-8"))
        assert twin == parse_yaml((ROOT / "layers" / "common" / "messenger_bank" / name).read_text("utf-8")), name
    assert_every_handler_imports_from(build, functions)
    images = build / "ImagesLayer" / "python"
    assert (images / "PIL").is_dir() and (images / "qrcode").is_dir()
    assert list(images.rglob("*.py")) == [] and (images / "PIL" / "Image.pyc").exists()  # bytecode alone


# Imports every function's handler module from its built folder, the layers first on the path (this virtualenv after
# them, for boto3, as the runtime's): a package left without its bytecode, or needing its source, fails here.
IMPORT_EVERY_HANDLER = r"""
import importlib.util, json, sys
layers, folders = sys.argv[1], json.loads(sys.argv[2])
for name, folder in folders.items():
    spec = importlib.util.spec_from_file_location(f"handler_{name}", f"{folder}/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.lambda_handler), name
import pydantic, aws_lambda_powertools, cryptography.hazmat.bindings._rust, PIL
for package in (pydantic, aws_lambda_powertools, cryptography, PIL):
    assert package.__file__.startswith(layers), package.__file__
# A card drawn with the built layers: Pillow's stripped libraries (FreeType, zlib) load and work.
from messenger_bank.images.card import card_picture
from messenger_bank.images.models import CardPictureRequest
picture = card_picture(CardPictureRequest(design="virtual_visa", masked_number="4111 11•• •••• 1111",
    holder_latin="IVAN PETROV", holder_cyrillic="ИВАН ПЕТРОВ", expiry="12/30", language="ru"))
assert picture.startswith(b"\x89PNG") and len(picture) > 10_000, len(picture)
"""


def assert_every_handler_imports_from(build: Path, functions: list[str]) -> None:
    env = import_environment([build / "CommonLayer" / "python", build / "ImagesLayer" / "python"])
    folders = json.dumps({name: str(build / name) for name in functions})
    done = subprocess.run(
        [sys.executable, "-P", "-c", IMPORT_EVERY_HANDLER, str(build), folders],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=build,
    )
    assert done.returncode == 0, done.stderr[-3000:]
