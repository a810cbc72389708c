"""`python -m messenger_bank.conversation.nlu`: one utterance per stdin line, one JSON object per line.

Output: {"text", "intent", "confidence", "entities": [{"type", "value"}, ...]}. Nothing is logged:
an utterance may carry a card number, and it goes back only to the person who typed it.
"""

from __future__ import annotations

import json
import sys

from messenger_bank.conversation.nlu.service import understand


def main() -> None:
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        understanding = understand(text)
        record = {
            "text": understanding.text,
            "intent": understanding.intent,
            "confidence": understanding.confidence,
            "entities": [entity.model_dump() for entity in understanding.entities],
        }
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
