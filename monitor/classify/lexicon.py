"""Phrase scanners: which of many labelled word lists occur in a report's tokens, found in one pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import compress

from monitor.text import tokens

Phrase = tuple[str, ...]
Hit = tuple[int, int, str]  # first token, past-last token, label


def phrase(word: str) -> Phrase:
    """A vocabulary entry cut and folded as the report's own tokens are."""
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
            for found, label in self._by_first.get(words[i], ()):
                if tuple(words[i : i + len(found)]) == found:
                    out.append((i, i + len(found), label))
                    i += len(found) - 1
                    break
            i += 1
        return out


class Lexicon:
    """Several phrase indexes scanned in one pass; each keeps its own longest-match, no-overlap result.
    Indexes named in `unmasked_only` never match across a masked token (a watchlist name blanked out)."""

    def __init__(self, indexes: Mapping[str, Mapping[str, Iterable[str]]], unmasked_only: Iterable[str] = ()):
        self.names = list(indexes)
        only = set(unmasked_only)
        self._by_first: dict[str, list[tuple[Phrase, str, str, bool]]] = {}
        for name, labelled in indexes.items():
            for label, words in labelled.items():
                for found in {p for p in map(phrase, words) if p}:
                    self._by_first.setdefault(found[0], []).append((found, name, label, name in only))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))

    def scan(self, words: list[str], masked: list[bool] | None = None) -> dict[str, list[Hit]]:
        """Every list's hits, by list name; `masked[i]` marks tokens of watchlist names."""
        hits: dict[str, list[Hit]] = {name: [] for name in self.names}
        free_from = dict.fromkeys(self.names, 0)
        by_first = self._by_first
        # Only the positions whose word starts some phrase, picked out without a Python-level test per word.
        for i in compress(range(len(words)), map(by_first.__contains__, words)):
            for found, name, label, unmasked_only in by_first[words[i]]:
                if i < free_from[name]:
                    continue
                size = len(found)
                if size > 1 and tuple(words[i : i + size]) != found:
                    continue
                if unmasked_only and masked is not None and True in masked[i : i + size]:
                    continue  # "Union III" is no labour union: names are not cue words
                hits[name].append((i, i + size, label))
                free_from[name] = i + size
        return hits
