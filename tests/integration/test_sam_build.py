"""`sam build` works offline from AWS (no container, no account): what `sam deploy` would upload."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    # The layer ships its bytecode (layers/common/Makefile): /opt is read-only on Lambda, and without it every cold
    # start compiled the layer again (issue 20). Unchecked-hash (flags 0b01): used without the sources' timestamps.
    sources = sorted(layer.rglob("*.py"))
    assert len(sources) > 500
    assert [str(p) for p in sources if not Path(importlib.util.cache_from_source(str(p))).exists()] == []
    header = Path(importlib.util.cache_from_source(str(layer / "messenger_bank" / "handlers.py"))).read_bytes()[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 0b01
    images = build / "ImagesLayer" / "python"
    assert (images / "PIL").is_dir() and (images / "qrcode").is_dir()
    drawing = sorted(images.rglob("*.py"))
    assert [str(p) for p in drawing if not Path(importlib.util.cache_from_source(str(p))).exists()] == []
