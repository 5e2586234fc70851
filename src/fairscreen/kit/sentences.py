"""The one sentence split: what a "sentence" of free text is, wherever sentences are counted.

The reference screener (``fairscreen.verify.references``) gives one remark per sentence, findings
and exclusions name a sentence by its index, and the synthetic world generator's truth file labels
its references sentence by sentence. All of them count with :func:`split_sentences`, so an index
means the same sentence everywhere (docs/references.md, docs/world-generator.md).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["split_sentences"]

# 。！？!? anywhere (a run of them is one end), and an English full stop, or a run of them, that
# ends a sentence: followed by whitespace or the end of the text. "3.5" and "Co.,Ltd." do not split.
_SENTENCE_END: Final = re.compile(r"[。！？!?]+|\.+(?=\s|$)")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split on 。！？!? and on "." before whitespace or the end; the marks
    are dropped, pieces trimmed, empty pieces dropped."""
    return [piece for raw in _SENTENCE_END.split(text) if (piece := raw.strip())]
