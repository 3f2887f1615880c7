"""The documentation keeps up with the code: every setting the service reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_for_operators() -> None:
    read = set(re.findall(r'"(BURT_[A-Z_]+)"', (ROOT / "service" / "config.py").read_text()))
    assert len(read) >= 10
    for document in ("README.md", "docs/production.md"):
        text = (ROOT / document).read_text()
        missing = sorted(v for v in read if f"`{v}`" not in text)
        assert not missing, f"{document} does not document {missing}"
