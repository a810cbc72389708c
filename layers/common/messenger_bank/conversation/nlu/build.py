"""`python -m messenger_bank.conversation.nlu.build`: retrains and writes `data/model.json.gz`.

Run it after editing the training phrases or the feature code; a unit test fails until you do.
"""

from __future__ import annotations

import sys

from messenger_bank.conversation.nlu.training import build_bundle, write_bundle


def main() -> None:
    path = write_bundle(build_bundle())
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
