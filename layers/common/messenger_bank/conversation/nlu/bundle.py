"""The trained models as shipped: `data/model.json.gz`, read once per process.

The development tools build it from the training phrases (`python -m local.devtools.nlu_training`),
so a cold start reads JSON instead of parsing YAML and running SGD, and the layer holds no training
code. Its fingerprint names the phrases and code it was built from; a unit test compares it.
"""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from messenger_bank.conversation.nlu.classifier import ModelFile

OUT_OF_SCOPE = "out_of_scope"
MODEL_FILE = "model.json.gz"  # gzip: a third of the size in the layer, the same load time
REBUILD = "python -m local.devtools.nlu_training"


class ModelBundle(BaseModel):
    """Everything `understand` needs, in one JSON file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str
    intents: ModelFile
    cyrillic_language: ModelFile
    latin_language: ModelFile


def model_path() -> Path:
    return Path(str(resources.files(__package__ or "messenger_bank.conversation.nlu"))) / "data" / MODEL_FILE


def read_bundle() -> ModelBundle:
    """The shipped bundle; a missing file is a broken build, never a reason to train in a Lambda."""
    path = model_path()
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build it with `{REBUILD}` and commit it")
    return ModelBundle.model_validate_json(gzip.decompress(path.read_bytes()))
