"""Phrase scanners: which of many labelled word lists occur in a report's tokens, found in one pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
    """Several phrase indexes scanned in one pass; each keeps its own longest-match, no-overlap result."""

    def __init__(self, indexes: Mapping[str, Mapping[str, Iterable[str]]]):
        self.names = list(indexes)
        self._by_first: dict[str, list[tuple[Phrase, str, str]]] = {}
        for name, labelled in indexes.items():
            for label, words in labelled.items():
                for found in {p for p in map(phrase, words) if p}:
                    self._by_first.setdefault(found[0], []).append((found, name, label))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))

    def scan(self, words: list[str]) -> dict[str, list[Hit]]:
        """Every list's hits, by list name."""
        hits: dict[str, list[Hit]] = {name: [] for name in self.names}
        free_from = dict.fromkeys(self.names, 0)
        for i, word in enumerate(words):
            options = self._by_first.get(word)
            if not options:
                continue
            for found, name, label in options:
                if i < free_from[name]:
                    continue
                if len(found) == 1 or tuple(words[i : i + len(found)]) == found:
                    hits[name].append((i, i + len(found), label))
                    free_from[name] = i + len(found)
        return hits
