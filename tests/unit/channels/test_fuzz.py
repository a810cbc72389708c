"""Property tests: parsing never fails with anything but MalformedUpdate, whatever arrives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messenger_bank.channels.errors import MalformedUpdate
from messenger_bank.types import CHANNELS, Channel

from .conftest import ADAPTERS, event_files

pytestmark = pytest.mark.slow

SAMPLES: list[tuple[Channel, Any]] = [
    (path.parent.name, json.loads(path.read_bytes()))
    for path in event_files()  # type: ignore[misc]
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def parse_or_malformed(channel: Channel, raw: bytes) -> None:
    try:
        events = ADAPTERS[channel].parse(raw)
    except MalformedUpdate:
        return
    for event in events:
        assert event.chat.channel == channel


@settings(max_examples=300, deadline=None)
@given(channel=st.sampled_from(CHANNELS), raw=st.binary(max_size=512))
def test_arbitrary_bytes_parse_or_raise_malformed(channel: Channel, raw: bytes) -> None:
    parse_or_malformed(channel, raw)


@settings(max_examples=300, deadline=None)
@given(channel=st.sampled_from(CHANNELS), value=json_values)
def test_arbitrary_json_parses_or_raises_malformed(channel: Channel, value: Any) -> None:
    parse_or_malformed(channel, json.dumps(value).encode())


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


def _mutate(body: Any, path: tuple[Any, ...], action: str, replacement: Any) -> Any:
    copy = json.loads(json.dumps(body))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    else:
        parent[last] = replacement
    return copy


@st.composite
def mutated_samples(draw: st.DrawFn) -> tuple[Channel, bytes]:
    channel, body = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        body = _mutate(body, path, draw(st.sampled_from(["delete", "replace"])), draw(json_values))
    return channel, json.dumps(body).encode()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=mutated_samples())
def test_mutated_real_bodies_parse_or_raise_malformed(sample: tuple[Channel, bytes]) -> None:
    parse_or_malformed(*sample)


@pytest.mark.parametrize(
    "raw",
    [b"", b"null", b"[]", b"42", b'"text"', b"{", b"\xff\xfe", b"{}", b'{"update_id": "x"}', b"[" * 100_000],
)
@pytest.mark.parametrize("channel", CHANNELS)
def test_known_bad_bodies_raise_malformed(channel: Channel, raw: bytes) -> None:
    with pytest.raises(MalformedUpdate):
        ADAPTERS[channel].parse(raw)


def test_an_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(MalformedUpdate, match="larger"):
        ADAPTERS["telegram"].parse(b" " * 1_000_001)
