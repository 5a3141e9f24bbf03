"""docs/contracts/ holds the project's copies of the shared contracts: the contract's text word for
word, the project's additions only in blocks marked as such. Removing the blocks must give back the
contract exactly as it was handed over (its SHA-256 below)."""

from __future__ import annotations

import hashlib

import pytest

from pipeline.settings import PROJECT_ROOT

CONTRACTS = PROJECT_ROOT / "docs" / "contracts"
# SHA-256 of the contracts as handed over (/work/shared/contracts/, 2026-12-03).
HANDED_OVER = {
    "raw-data.md": "026d2187e59d3fc4b31df59ee8377f1025c422fc8dfabe4b759860643ab69dc4",
    "marts.md": "d4e701edd309015d3283e64b02b42fdcaa434d93c4023bd02c4df2571ca5c3da",
}
MARKERS = ("> **Project copy.**", "> **Project extension")


def without_project_blocks(text: str) -> tuple[str, list[str]]:
    """The text with every block quote (and the blank line that introduces it) removed, and the
    opening line of each block."""
    kept: list[str] = []
    openings: list[str] = []
    previous_quoted = False
    for line in text.splitlines():
        quoted = line.startswith(">")
        if quoted and not previous_quoted:
            assert kept and kept[-1] == "", f"a block must follow a blank line: {line}"
            kept.pop()
            openings.append(line)
        if not quoted:
            kept.append(line)
        previous_quoted = quoted
    return "\n".join(kept) + "\n", openings


@pytest.mark.parametrize("name", sorted(HANDED_OVER))
def test_the_contract_text_is_unchanged_outside_the_project_blocks(name: str):
    text = (CONTRACTS / name).read_text(encoding="utf-8")
    contract, openings = without_project_blocks(text)
    assert hashlib.sha256(contract.encode("utf-8")).hexdigest() == HANDED_OVER[name]
    assert openings[0].startswith(MARKERS[0])
    assert len(openings) > 1 and all(line.startswith(MARKERS[1]) for line in openings[1:])
