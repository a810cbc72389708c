"""The flow linter's command line: `python -m local.devtools.lint [FLOWS_DIR]`.

Prints `file:line: message` for each problem and exits 1 when there is any. The checks themselves are
`messenger_bank.conversation.flowlint` (the flows' validator Lambda runs them too).
"""

from __future__ import annotations

import sys
from pathlib import Path

from messenger_bank.conversation.flowlint import lint_flows
from messenger_bank.conversation.flows import FLOWS_DIR

__all__ = ["lint_flows", "main"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else FLOWS_DIR
    problems = lint_flows(directory)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{directory}: flows are fine")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
