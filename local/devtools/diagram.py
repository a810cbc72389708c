"""Flow pictures: `python -m local.devtools.diagram OUT_DIR` writes one SVG per flow.

Pure Python: steps are boxes placed in layers by their distance from the flow's entries, arrows
carry the option, case or error that leads along them, and texts are the English catalogue's.
Jumps to other flows are drawn as rounded boxes; a ★ marks an explicit confirmation.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from messenger_bank.conversation import catalogue
from messenger_bank.conversation.flowgraph import edges, entries, layers
from messenger_bank.conversation.flows import (
    FLOWS_DIR,
    BranchStep,
    CallStep,
    Flow,
    FlowSet,
    GotoStep,
    ResumeStep,
    StartJourneyStep,
    Step,
    load_flows,
)

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 240, 66, 46, 74, 30
COLOURS = {
    "say": "#e8f1ff",
    "ask": "#fff4d6",
    "choose": "#fde7f3",
    "branch": "#eeeeee",
    "call": "#e3f7e8",
    "start_journey": "#d9f2f2",
    "wait": "#f0e6ff",
    "goto": "#ffffff",
    "end": "#ffe3e3",
    "flow": "#ffffff",
}


@dataclass
class _Node:
    key: str
    kind: str
    title: str
    detail: str
    layer: int
    x: float = 0.0
    y: float = 0.0


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _english(key: str) -> str:
    return catalogue.text(key, "en") if catalogue.has(key) else key


def _detail(step: Step) -> str:
    message = getattr(step, "message", None)
    if isinstance(step, CallStep):
        return f"operation {step.operation}"
    if isinstance(step, StartJourneyStep):
        return f"journey {step.journey}"
    if isinstance(step, BranchStep):
        return f"by {step.by}"
    if isinstance(step, GotoStep):
        return f"→ {step.flow}{':' + step.step if step.step else ''}"
    if isinstance(step, ResumeStep):
        return "→ the interrupted step"
    return _english(message) if message else ""


def render(flows: FlowSet, flow: Flow) -> str:
    """The SVG picture of one flow."""
    depth = layers(flow, entries(flows, flow))
    nodes: dict[str, _Node] = {
        s.id: _Node(s.id, s.type, f"{s.id} · {s.type}", _detail(s), depth[s.id]) for s in flow.steps
    }
    arrows: list[tuple[str, str, str, bool]] = []
    for step in flow.steps:
        for edge in edges(step):
            target = edge.target
            if edge.flow:
                target = f"@{edge.flow}:{edge.target}"
                if target not in nodes:
                    label = f"⇢ {edge.flow}{':' + edge.target if edge.target else ''}"
                    nodes[target] = _Node(target, "flow", label, _english(flows.flows[edge.flow].title)
                                          if edge.flow in flows.flows else "", depth[step.id] + 1)  # fmt: skip
            label = _english(edge.label) if edge.label_is_key else edge.label
            arrows.append((step.id, target, label, edge.confirm))
    rows: dict[int, list[_Node]] = {}
    for node in nodes.values():
        rows.setdefault(node.layer, []).append(node)
    widest = max(len(r) for r in rows.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    for level, row in sorted(rows.items()):
        span = len(row) * BOX_W + (len(row) - 1) * GAP_X
        left = (width - span) / 2
        for index, node in enumerate(row):
            node.x = left + index * (BOX_W + GAP_X)
            node.y = MARGIN + 40 + level * (BOX_H + GAP_Y)
    height = MARGIN * 2 + 40 + (max(rows) + 1) * (BOX_H + GAP_Y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#fcfcfc"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="18" font-weight="bold">'
        f"{escape(flow.flow)} — {escape(_english(flow.title))}</text>",
    ]
    for source, target, label, confirm in arrows:
        if target not in nodes:
            continue
        parts.append(_arrow(nodes[source], nodes[target], ("★ " if confirm else "") + label))
    for node in nodes.values():
        parts.append(_box(node, start=node.key == flow.start))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _box(node: _Node, *, start: bool) -> str:
    radius = 18 if node.kind in ("flow", "end") else 6
    stroke = "#1f5fbf" if start else "#666"
    width = 2.5 if start else 1.2
    dash = ' stroke-dasharray="5 3"' if node.kind == "flow" else ""
    return (
        f'<g><rect x="{node.x:.1f}" y="{node.y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="{radius}" '
        f'fill="{COLOURS.get(node.kind, "#fff")}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text x="{node.x + 10:.1f}" y="{node.y + 20:.1f}" font-weight="bold">{escape(_short(node.title, 34))}</text>'
        + "".join(
            f'<text x="{node.x + 10:.1f}" y="{node.y + 38 + 16 * i:.1f}" fill="#333">{escape(line)}</text>'
            for i, line in enumerate(_wrap(node.detail, 38, 2))
        )
        + "</g>"
    )


def _wrap(text: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], _short(" ".join(wrapped[lines - 1 :]), width)]
    return wrapped


def _arrow(source: _Node, target: _Node, label: str) -> str:
    label_svg = ""
    if target.layer > source.layer:
        x1, y1 = source.x + BOX_W / 2, source.y + BOX_H
        x2, y2 = target.x + BOX_W / 2, target.y
        path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {y1 + 30:.1f}, {x2:.1f} {y2 - 30:.1f}, {x2:.1f} {y2:.1f}"
        lx, ly = x1 + (x2 - x1) * 0.7, y1 + (y2 - y1) * 0.7
    else:  # back to an earlier or the same layer: around the right side
        x1, y1 = source.x + BOX_W, source.y + BOX_H / 2
        x2, y2 = target.x + BOX_W, target.y + BOX_H / 2
        bulge = max(x1, x2) + 40 + 10 * abs(source.layer - target.layer)
        path = f"M {x1:.1f} {y1:.1f} C {bulge:.1f} {y1:.1f}, {bulge:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}"
        lx, ly = bulge - 10, (y1 + y2) / 2
    if label:
        label_svg = (
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="10" fill="#8a2be2" text-anchor="middle">'
            f"{escape(_short(label, 26))}</text>"
        )
    return f'<path d="{path}" fill="none" stroke="#777" stroke-width="1.2" marker-end="url(#arrow)"/>{label_svg}'


def write_diagrams(out_dir: Path, directory: Path = FLOWS_DIR) -> list[Path]:
    flows = load_flows(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, flow in sorted(flows.flows.items()):
        path = out_dir / f"{name}.svg"
        path.write_text(render(flows, flow), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m local.devtools.diagram OUT_DIR [FLOWS_DIR]", file=sys.stderr)
        return 2
    directory = Path(args[1]) if len(args) > 1 else FLOWS_DIR
    for path in write_diagrams(Path(args[0]), directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
