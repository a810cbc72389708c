"""Flow pictures: one well-formed SVG per flow, with the steps and English labels."""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree

from local.devtools.diagram import main, write_diagrams
from messenger_bank.conversation.flows import default_flows


def test_one_svg_per_flow_with_every_step(tmp_path: Path) -> None:
    written = write_diagrams(tmp_path)
    assert {p.stem for p in written} == set(default_flows().flows)
    for path in written:
        root = ElementTree.parse(path).getroot()
        assert root.tag.endswith("svg")
        texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
        for step in default_flows().flows[path.stem].steps:
            assert f"{step.id} · {step.type}"[:33] in texts


def test_labels_come_from_the_english_catalogue(tmp_path: Path) -> None:
    write_diagrams(tmp_path)
    transfer = (tmp_path / "transfer.svg").read_text(encoding="utf-8")
    assert "Recipient’s card number" in transfer or "Recipient&#x27;s" in transfer or "Recipient's card" in transfer
    assert "★ ✅ Confirm" in transfer
    assert "operation quote_transfer" in transfer


def test_the_command_needs_an_output_directory(tmp_path: Path) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "menu.svg").exists()
