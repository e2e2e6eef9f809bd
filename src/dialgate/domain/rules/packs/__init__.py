"""The day-one packs, validated when loaded."""

from __future__ import annotations

from dialgate.domain.rules.base import Pack
from dialgate.domain.rules.packs import br, de, es, fr, gb, it, pl, tr, us

PACKS: dict[str, Pack] = {p.PACK.country: p.PACK for p in (tr, it, de, pl, br, fr, us, gb, es)}
