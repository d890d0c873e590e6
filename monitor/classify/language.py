"""Whether a report is written in a language the vocabulary reads. A Spanish report shares cue words with
English ("base", "drones", "misiles" near "missiles") and a Japanese one may carry English names; read as
English, either makes an event out of false friends. Two cheap checks, no language model:

- script: most of the report's letters are in Unicode blocks none of the vocabulary's words are written in;
- function words: its Latin-script words hold more function words of other languages than of the
  vocabulary's own (names blanked out, so "al-Asad" or "Deir ez-Zor" count for nothing).
"""

from __future__ import annotations

from monitor.classify.context import Context

FOREIGN_SCRIPT_SHARE = 0.4  # of the letters: above it the report is in a script the vocabulary lacks
MIN_FOREIGN_WORDS = 2  # fewer foreign function words than this are a name or a quote, not a language


def unread_language(ctx: Context, text: str, folded: list[str], masked: list[str]) -> str | None:
    """Why the report is not read ("in another script", "in another language"), or None when it is."""
    letters = sum(map(len, folded))
    # UTF-8 spends at least one extra byte per non-ASCII character: a bound on the letters that can be
    # foreign, so that the common English report skips the word-by-word look.
    if len(text.encode()) - len(text) > FOREIGN_SCRIPT_SHARE * letters:
        unread = [len(t) for t in folded if not t.isascii() and (ord(t[0]) >> 7) not in ctx.scripts]
        if sum(unread) > FOREIGN_SCRIPT_SHARE * letters:
            return "written in a script the vocabulary does not read"
    other = sum(map(ctx.other_language_words.__contains__, masked))
    if other >= MIN_FOREIGN_WORDS and other > sum(map(ctx.function_words.__contains__, masked)):
        return "written in a language the vocabulary does not read"
    return None
