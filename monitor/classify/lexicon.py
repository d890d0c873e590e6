"""Phrase scanners: which of many labelled word lists occur in a report's tokens, found in one pass."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import compress
from typing import cast

from monitor.text import arabic_stems, tokens

Phrase = tuple[str, ...]
Hit = tuple[int, int, str]  # first token, past-last token, label
_CACHE_LIMIT = 200_000
_LAST = 1 << 62  # past any token index: "the last hit starting at or before i"


def hits_between(hits: Sequence[Hit], start: int, end: int) -> list[Hit]:
    """The hits (in text order, no overlaps) that lie between two tokens, found by bisection: a long report holds
    many."""
    return [h for h in hits[bisect.bisect_left(hits, (start,)):bisect.bisect_right(hits, (end, end, "\uffff"))]
            if h[1] <= end]


def covers(hits: Sequence[Hit], i: int) -> bool:
    """Whether token i lies in one of the hits (in text order, no overlaps), found by bisection."""
    at = bisect.bisect_right(hits, (i, _LAST, "\uffff")) - 1
    return at >= 0 and i < hits[at][1]


@lru_cache(maxsize=20_000)
def phrase(word: str) -> Phrase:
    """A vocabulary entry cut and folded as the report's own tokens are (a pure function of the word, cached:
    the reader also cuts place names per report)."""
    return tuple(t for _, _, t in tokens(word))


class PhraseIndex:
    """Find which of many labelled phrases occur in a token list, in one pass."""

    def __init__(self, labelled: Mapping[str, Iterable[str]]):
        self._by_first: dict[str, list[tuple[Phrase, str]]] = {}
        for label, words in labelled.items():
            for found in {p for p in map(phrase, words) if p}:
                self._by_first.setdefault(found[0], []).append((found, label))
        for options in self._by_first.values():
            options.sort(key=lambda pl: -len(pl[0]))

    def find(self, words: list[str]) -> list[Hit]:
        """(first token, past-last token, label) of every phrase, longest at each position, no overlaps."""
        out = []
        i = 0
        while i < len(words):
            first = _known_form(words[i], self._by_first)
            for found, label in self._by_first.get(first, ()) if first is not None else ():
                if found[1:] == tuple(words[i + 1 : i + len(found)]):
                    out.append((i, i + len(found), label))
                    i += len(found) - 1
                    break
            i += 1
        return out


def among(token: str, words: Collection[str]) -> bool:
    """Whether a folded token is one of the words, as written or, for an Arabic token, once its proclitics are off
    ("والجماعات" among "جماعات")."""
    return token in words or (not token.isascii() and any(form in words for form in arabic_stems(token)))


def _known_form(token: str, known: Mapping[str, object]) -> str | None:
    """The token itself when some phrase starts with it; else, for an Arabic token, the first of its forms
    without proclitics that does ("بالكاتيوشا" -> "كاتيوشا"); else None."""
    if token in known:
        return token
    if token.isascii():
        return None
    return next((stem for stem in arabic_stems(token, verbs=True) if stem in known), None)


class Lexicon:
    """Several phrase indexes scanned in one pass; each keeps its own longest-match, no-overlap result.
    Indexes named in `unmasked_only` never match across a masked token (a watchlist name blanked out)."""

    def __init__(self, indexes: Mapping[str, Mapping[str, Iterable[str]]], unmasked_only: Iterable[str] = ()):
        self.names = list(indexes)
        only = set(unmasked_only)
        by_first: dict[str, list[tuple[Phrase, str, str, bool]]] = {}
        for name, labelled in indexes.items():
            for label, words in labelled.items():
                for found in {p for p in map(phrase, words) if p}:
                    by_first.setdefault(found[0], []).append((found, name, label, name in only))
        # Per first word, each phrase once, longest first, with the (list, label, unmasked only) it stands for
        # in the order they were listed: a phrase is compared once however many lists hold it.
        self._by_first: dict[str, list[tuple[Phrase, int, list[tuple[str, str, bool]]]]] = {}
        for first, options in by_first.items():
            options.sort(key=lambda option: -len(option[0]))
            grouped: dict[Phrase, list[tuple[str, str, bool]]] = {}
            for found, name, label, unmasked in options:
                grouped.setdefault(found, []).append((name, label, unmasked))
            self._by_first[first] = [(found[1:], len(found), group) for found, group in grouped.items()]
        # The same, split by second word (longer phrases, longest first) and one-word phrases: at a position
        # only the phrases going on with the next word are compared.
        self._longer: dict[str, dict[str, list[tuple[Phrase, int, list[tuple[str, str, bool]]]]]] = {}
        self._single: dict[str, list[tuple[str, str, bool]]] = {}
        self._forms: dict[str, str | None] = {}
        for first, groups in self._by_first.items():
            for rest, size, group in groups:
                if size == 1:
                    self._single.setdefault(first, []).extend(group)
                else:
                    self._longer.setdefault(first, {}).setdefault(rest[0], []).append((rest, size, group))

    def scan(self, words: list[str], masked: list[bool] | None = None) -> dict[str, list[Hit]]:
        """Every list's hits, by list name; `masked[i]` marks tokens of watchlist names."""
        hits: dict[str, list[Hit]] = {name: [] for name in self.names}
        free_from = dict.fromkeys(self.names, 0)
        longer, single = self._longer, self._single
        last = len(words) - 1
        # Each word as the first word of a phrase: as written, or an Arabic word without its proclitics
        # ("بالكاتيوشا" -> "كاتيوشا"), found once per distinct word; a word that starts none is None.
        forms = self._forms
        missing = set(words).difference(forms)
        if missing:
            if len(forms) + len(missing) > _CACHE_LIMIT:
                forms.clear()
                missing = set(words)
            for token in missing:
                forms[token] = _known_form(token, self._by_first)
        firsts = list(map(forms.__getitem__, words))
        # Only the positions whose word starts some phrase, picked out without a Python-level test per word.
        for i in compress(range(len(words)), firsts):
            word = cast(str, firsts[i])
            if i < last and word in longer:
                following = longer[word]
                second = words[i + 1]
                if second not in following and not second.isascii():
                    # "وقف هجماتها" (halting its attacks) is "وقف الهجمات": the second word without its clitics.
                    second = next((f for f in arabic_stems(second) if f in following), second)
                for rest, size, options in following.get(second, ()):
                    if size > 2 and (second, *words[i + 2 : i + size]) != rest:
                        continue
                    blocked = masked is not None and True in masked[i : i + size]
                    for name, label, unmasked_only in options:
                        if i < free_from[name] or (unmasked_only and blocked):
                            continue  # "Union III" is no labour union: names are not cue words
                        hits[name].append((i, i + size, label))
                        free_from[name] = i + size
            for name, label, unmasked_only in single.get(word, ()):
                if i < free_from[name] or (unmasked_only and masked is not None and masked[i]):
                    continue
                hits[name].append((i, i + 1, label))
                free_from[name] = i + 1
        return hits
