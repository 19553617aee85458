"""Lists in the README that could drift from the code: the results table names every claim of the catalog."""

import re
from pathlib import Path

from infonce_gauss.catalog import all_claims

README = Path(__file__).resolve().parents[1] / "README.md"
RESULTS_TABLE = "## Results of the paper and where they are checked"


def _results_table_ids() -> set[str]:
    """The claim ids in the "claim ids" column of the README's results table."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(RESULTS_TABLE):]
    section = section[: section.index("\n## ", len(RESULTS_TABLE))]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| paper result")]
    cells = [re.split(r"(?<!\\)\|", row)[3] for row in rows]
    return {name for cell in cells for name in re.findall(r"`([A-Z]+-[A-Z0-9-]+)`", cell)}


def test_the_results_table_names_every_claim_of_the_catalog():
    assert _results_table_ids() == {c.id for c in all_claims()}


def test_the_readme_explains_every_finding_with_its_rule():
    from infonce_gauss.record import findings_table

    text = README.read_text(encoding="utf-8")
    assert all(row in text for row in findings_table())
