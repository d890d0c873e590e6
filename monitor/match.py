"""Matching: find watchlist actors, places and people in a text, and say why.

Text and aliases are cut into normalised tokens (case, diacritics, apostrophes, possessive 's,
hyphens and Arabic letter variants folded). Alias tokens that are transliteration variants of each
other (same consonant skeleton: Hizballah/Hezbollah, Kataeb/Kataib) form one class, and an alias is
a sequence of classes, so any mix of listed spellings matches. A text token outside the vocabulary
joins the class of its closest vocabulary token when it shares the skeleton or is a close typo
(rapidfuzz); that look-up is cached per distinct token, so the per-item cost stays linear in the
text. Aliases are found longest first, without overlaps. Acronyms are found separately,
case-sensitive and as whole words only. Most news mentions nothing watched: a text with no Arabic word, in
which no name can start (no word of its opens one, or none is followed by a word that can go on with it) and
without any acronym's letters, is cleared by the prefilter (`nothing_watched`) before the search, with the
result the search would give (tests/test_prefilter.py).

An Arabic word may carry proclitics ("لكتائب" = ل + "كتائب", "وبالحشد" = و + ب + "الحشد"): it is also
read as the first of its `arabic_stems` that is an alias token, so a clitic is stripped only when what
remains is part of a listed name ("لبنان" is never "بنان").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import itemgetter
from typing import cast

from rapidfuzz import fuzz, process

from monitor.config import Watchlist
from monitor.model import Match, Matches
from monitor.text import arabic_stems, tokens

MAX_TEXT_CHARS = 2_000_000
FUZZY_MIN_LEN = 5
TYPO_MIN_LEN = 7
TYPO_CUTOFF = 88.0
SKELETON_CUTOFF = 80.0
SHORT_SKELETON_CUTOFF = 85.0  # three consonants say little: "Bashar" is not "Bashur"
SKELETON_MIN_LEN = 3
CLASS_LINK_CUTOFF = 75.0
SINGLE_WORD_CUTOFF = 88.0
# The token caches are emptied past this many entries: a 1,000-feed round meets ~24,000 distinct tokens, so a round
# still fits, and the daemon's memory stays bounded (~300 bytes a token in the three caches; issue 15).
_CACHE_LIMIT = 50_000

_SKELETON_SUBS = (("kh", "k"), ("gh", "g"), ("q", "k"), ("c", "k"), ("dh", "d"), ("th", "t"), ("sh", "s"),
                  ("ph", "f"), ("ou", "u"), ("z", "s"))
_VOWELS = re.compile(r"[aeiouyw]")
# The letters an Arabic word that `arabic_stems` strips begins with; a text whose words hold none is read as written.
_ARABIC = re.compile(r"[\u0621-\u064a]")


def skeleton(token: str) -> str:
    """Consonant skeleton of a Latin-script token, so transliteration variants meet."""
    if not token.isascii() or not token:
        return token
    for old, new in _SKELETON_SUBS:
        token = token.replace(old, new)
    squeezed = [token[0]]
    for ch in _VOWELS.sub("", token[1:]):
        if ch != squeezed[-1]:
            squeezed.append(ch)
    return "".join(squeezed)


@dataclass(frozen=True, slots=True)
class _Alias:
    section: str  # actor | place | person
    name: str
    alias: str
    weak: bool


@dataclass
class Matcher:
    """Built once from the watchlist; `match` is the per-item call."""

    watchlist: Watchlist
    _phrases: dict[tuple[str, ...], _Alias] = field(default_factory=dict)
    _longest: dict[str, int] = field(default_factory=dict)
    _lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # per first class: name lengths, longest first
    _vocab: set[str] = field(default_factory=set)
    _by_skeleton: dict[str, list[str]] = field(default_factory=dict)
    _by_initial: dict[str, list[str]] = field(default_factory=dict)
    _initials: frozenset[str] = frozenset()  # the first letters of the words `_closest` may find
    _context: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    _acronyms: dict[str, _Alias] = field(default_factory=dict)
    _acronym_re: re.Pattern[str] | None = None
    _acronym_letters: re.Pattern[str] | None = None  # any acronym's letters anywhere: where `_acronym_re` may hit
    _opens: dict[str, bool] = field(default_factory=dict)  # per text token: whether its class can open a name
    _pairs: set[tuple[str, str]] = field(default_factory=set)  # the classes of the first two words of each name
    _cache: dict[str, tuple[str, float] | None] = field(default_factory=dict)
    _class_cache: dict[str, str | None] = field(default_factory=dict)
    _stem_cache: dict[str, str] = field(default_factory=dict)
    _context_words: set[str] = field(default_factory=set)
    _class_of: dict[str, str] = field(default_factory=dict)
    _listed: dict[tuple[str, ...], _Alias] = field(default_factory=dict)
    _weak_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        spellings: list[tuple[str, str, str, bool]] = []
        for section, entry in self.watchlist.entries():
            spellings += [(section, entry.name, s, False) for s in entry.spellings()]
            spellings += [(section, entry.name, s, True) for s in entry.weak_aliases]
            self._context[entry.name] = [tuple(t for _, _, t in tokens(word)) for word in entry.context]
            for acronym in entry.acronyms:
                self._acronyms.setdefault(acronym, _Alias(section, entry.name, acronym, weak=False))
        for _, _, spelling, _ in spellings:
            self._vocab.update(t for _, _, t in tokens(spelling))
        self._context_words = {p[0] for phrases in self._context.values() for p in phrases if len(p) == 1}
        for word in sorted(self._vocab):
            if len(word) >= FUZZY_MIN_LEN and word.isascii():
                self._by_skeleton.setdefault(skeleton(word), []).append(word)
            if len(word) >= TYPO_MIN_LEN:
                self._by_initial.setdefault(word[0], []).append(word)
        self._class_of = _variant_classes(sorted(self._vocab), self._by_skeleton)
        self._initials = frozenset(w[0] for words in self._by_skeleton.values() for w in words) | set(self._by_initial)
        for section, name, spelling, weak in spellings:
            self._add_phrase(section, name, spelling, weak=weak)
        lengths: dict[str, set[int]] = {}
        for key in self._phrases:
            lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()}
        self._pairs = {(key[0], key[1]) for key in self._phrases if len(key) > 1}
        # Words that only ever occur in ambiguous names ("Mayadeen", "Conoco") never lend themselves
        # to a variant of another name: "al-Mayadeen" stays a TV channel.
        strong = {t for _, _, sp, weak in spellings if not weak for _, _, t in tokens(sp)}
        self._weak_tokens = {t for _, _, sp, weak in spellings if weak for _, _, t in tokens(sp)} - strong
        if self._acronyms:
            alternation = "|".join(re.escape(a) for a in sorted(self._acronyms, key=len, reverse=True))
            # Whole words only; "KH-backed" counts, "KH-101" (a missile) and "KHz" do not.
            self._acronym_re = re.compile(rf"(?<![\w.\-])(?:{alternation})(?![\w]|\.\w|-\d)")
            # The same letters without the word-boundary checks: a search several times faster, and where it
            # finds nothing `_acronym_re` finds nothing either (its every match is one of these).
            self._acronym_letters = re.compile(alternation)

    def _add_phrase(self, section: str, name: str, spelling: str, *, weak: bool) -> None:
        raw = tuple(t for _, _, t in tokens(spelling))
        key = tuple(self._class_of[t] for t in raw)
        if not key:
            return
        alias = _Alias(section, name, spelling, weak)
        self._listed.setdefault(raw, alias)
        if key in self._phrases:
            return
        self._phrases[key] = alias
        self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))

    def _form(self, token: str) -> str:
        """The alias token an Arabic token stands for once its proclitics are off, else the token itself."""
        found = self._stem_cache.get(token)
        if found is None:
            stems = () if token.isascii() else arabic_stems(token)
            found = next((s for s in stems if s in self._class_of), token)
            if len(self._stem_cache) > _CACHE_LIMIT:
                self._stem_cache.clear()
            self._stem_cache[token] = found
        return found

    def _canonical(self, token: str) -> tuple[str, float] | None:
        """The token class this text token belongs to, with a score, or None."""
        if token in self._class_of:
            return self._class_of[token], 100.0
        if len(token) < FUZZY_MIN_LEN:
            return None
        return self._closest(token)

    def _classes(self, toks: list[str]) -> list[str | None]:
        """The class of each token (None for a word of no listed name); looked up once per distinct token."""
        cache = self._cache
        missing = set(toks).difference(cache)
        if missing:
            if len(cache) + len(missing) > _CACHE_LIMIT:
                cache.clear()
                self._class_cache.clear()
                missing = set(toks)
            for token in missing:
                found = cache[token] = self._canonical(token)
                self._class_cache[token] = found[0] if found is not None else None
        return list(map(self._class_cache.__getitem__, toks))

    def _closest(self, token: str) -> tuple[str, float] | None:
        if token[0] not in self._initials:
            return None  # both look-ups below keep only words of the token's first letter ("2020", "pounds")
        shape = skeleton(token)
        same_skeleton = [w for w in self._by_skeleton.get(shape, ()) if w[0] == token[0]]
        if same_skeleton and len(shape) >= SKELETON_MIN_LEN:
            cutoff = SHORT_SKELETON_CUTOFF if len(shape) <= SKELETON_MIN_LEN else SKELETON_CUTOFF
            best = process.extractOne(token, same_skeleton, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best:
                return self._class_of[best[0]], best[1]
        if len(token) >= TYPO_MIN_LEN:
            best = process.extractOne(token, self._by_initial.get(token[0], []), scorer=fuzz.ratio,
                                      score_cutoff=TYPO_CUTOFF)
            if best:
                return self._class_of[best[0]], best[1]
        return None

    def nothing_watched(self, text: str, toks: list[str]) -> bool:
        """The prefilter: True when the text (cut into `toks`) mentions nothing watched, so that `match` need not
        search it. It says so only for a text with no Arabic letter in its words, none of whose words can open a
        name (a word's class, typos and variants included, is looked up once per distinct word, as `match` does)
        or, where one can, not followed by a word that can go on with it, and that holds no acronym's letters:
        then `match` reads the words as written only, finds no name at any position and no acronym either.
        Anything else (Arabic script, whose words may carry proclitics, or a name's first two words, or a one-word
        name) is left to the full search. Curly quotes, dashes and accents make a text non-ASCII without making it
        Arabic: such a text is cleared like any other."""
        if not text.isascii() and _ARABIC.search("\n".join(toks)) is not None:
            return False  # a word `match` would also read without its proclitics (see `arabic_stems`)
        if self._acronym_letters is not None and self._acronym_letters.search(text) is not None:
            return False
        opens = self._opens
        fresh = set(toks).difference(opens)
        if fresh:
            if len(opens) + len(fresh) > _CACHE_LIMIT:
                opens.clear()
                fresh = set(toks)
            ordered = list(fresh)
            longest = self._longest
            for token, found in zip(ordered, self._classes(ordered), strict=True):
                opens[token] = found is not None and found in longest
        # A word missing from `opens` (cleared meanwhile by another thread's call) counts as one that may open a
        # name: the full search then decides.
        may_open = list(map(opens.get, toks, repeat(True)))
        if not any(may_open):
            return True
        # Common words open names ("at" At Tanf, "an" An Nasiriyah): there a name needs its second word next (the
        # classes of a name's first two words, as `_phrase_at` compares them), unless it is a one-word name.
        classes = self._classes(toks)
        last = len(toks) - 1
        for i in compress(range(len(toks)), may_open):
            first = classes[i]
            if first is None or (first,) in self._phrases or (i < last and (first, classes[i + 1]) in self._pairs):
                return False
        return True

    def match(self, text: str, *, prefilter: bool = True) -> Matches:
        """Every watchlist mention in the text, with where and how it was found. `prefilter=False` searches even a
        text the prefilter (`nothing_watched`) clears: the same result, at the full cost (for tests and the bench)."""
        text = text[:MAX_TEXT_CHARS]
        words = tokens(text)
        toks = list(map(itemgetter(2), words))
        if prefilter and self.nothing_watched(text, toks):
            return Matches((), words=tuple(words))  # what the full search below finds in such a text: nothing
        # Arabic words are also read as the alias tokens they stand for without their proclitics
        # ("لكتائب" -> "كتائب"): once stripping only the words that are no alias token as written, once
        # stripping every word that has such a form ("لإيران" is a token of "فصائل موالية لإيران" and
        # stands for "إيران"). At each position the longest name wins, the reading as written on a tie.
        readings = [toks]
        forms = toks
        if not text.isascii():  # only Arabic (non-ASCII) tokens have proclitics to strip
            stem_cache = self._stem_cache
            for token in set(toks).difference(stem_cache):
                self._form(token)
            forms = [stem_cache.get(t) or self._form(t) for t in toks]
            if forms != toks:
                class_of = self._class_of
                unknown = [t if t in class_of else f for f, t in zip(forms, toks, strict=True)]
                readings += [unknown, forms] if unknown != forms else [forms]
        classes = [self._classes(reading) for reading in readings]
        # Only positions whose word can open a name are tried, in text order.
        opens = self._longest.__contains__
        positions = range(len(toks))
        if len(classes) == 1:
            starts: list[int] = list(compress(positions, map(opens, classes[0])))
        else:
            starts = sorted(set().union(*(compress(positions, map(opens, c)) for c in classes)))
        known_present: list[set[str]] = []

        def present() -> set[str]:
            """The words of the text and their alias forms, for context confirmation (found when first needed)."""
            if not known_present:
                found = set(toks) | set(forms)
                found |= {s for t in found if not t.isascii() for s in arabic_stems(t) if s in self._context_words}
                known_present.append(found)
            return known_present[0]

        found: list[Match] = []
        covered: list[tuple[int, int]] = []
        free = 0
        for i in starts:
            if i < free:
                continue
            hit = None
            for reading, reading_classes in zip(readings, classes, strict=True):
                other = self._phrase_at(words, reading, reading_classes, i, present, text)
                if other is not None and (hit is None or other[1] > hit[1]):
                    hit = other
            if hit is None:
                continue
            match, length = hit
            found.append(match)
            covered.append((match.start, match.end))
            free = i + length
        found += [m for m in self._acronym_matches(text) if not _overlaps(m, covered)]
        return Matches.of(_without_anaphors(found), words)

    def _phrase_at(self, words: list[tuple[int, int, str]], toks: list[str], classes: list[str | None], i: int,
                   present: Callable[[], set[str]], text: str) -> tuple[Match, int] | None:
        first = classes[i]
        if first is None or first not in self._longest:
            return None
        for length in self._lengths[first]:  # only the lengths some name starting so has
            if i + length > len(toks):
                continue
            key = tuple(classes[i : i + length])
            if None in key:
                continue  # a word in the window is no part of any listed name
            # A spelling listed as such decides (a weak "Conoco" stays weak even though it shares a
            # class with "Koniko"); otherwise any mix of variants of a listed name counts.
            raw = tuple(toks[i : i + length])
            alias = self._listed.get(raw) or self._phrases.get(cast(tuple[str, ...], key))
            if alias is None:
                continue
            listed = raw in self._listed
            if not listed and any(t in self._weak_tokens for t in raw):
                continue
            score = 100.0 if listed else min(cast(tuple[str, float], self._cache[t])[1] for t in raw)
            if length == 1 and score < SINGLE_WORD_CUTOFF:
                continue  # a lone word near a one-word name ("Bokmål", "Bukamal") needs to be very close
            # Ambiguous names must be spelled as listed and confirmed by context.
            if alias.weak and (score < 100.0 or not self._confirmed(alias.name, present(), toks)):
                continue
            start, end = words[i][0], words[i + length - 1][1]
            if length == 1 and _lowercase_common_word(text[start:end], alias.alias):
                continue
            how = "context" if alias.weak else ("exact" if listed else "fuzzy")
            return Match(alias.section, alias.name, alias.alias, text[start:end], start, end, score, how), length
        return None

    def _confirmed(self, name: str, present: set[str], toks: list[str]) -> bool:
        for phrase in self._context.get(name, []):
            if len(phrase) == 1 and phrase[0] in present:
                return True
            if len(phrase) > 1 and _contains(toks, phrase):
                return True
        return False

    def _acronym_matches(self, text: str) -> list[Match]:
        if self._acronym_re is None:
            return []
        out = []
        for m in self._acronym_re.finditer(text):
            alias = self._acronyms[m.group()]
            out.append(Match(alias.section, alias.name, alias.alias, m.group(), m.start(), m.end(), 100.0,
                             "acronym"))
        return out


def _variant_classes(vocab: list[str], by_skeleton: dict[str, list[str]]) -> dict[str, str]:
    """Group vocabulary tokens that are spellings of one word: same skeleton and similar letters
    (Kataib/Kataeb, Hezbollah/Hizballah), but not Bashur/Basra, which only share a skeleton."""
    parent = {w: w for w in vocab}

    def root(w: str) -> str:
        while parent[w] != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    for shape, words in by_skeleton.items():
        if len(shape) < SKELETON_MIN_LEN:
            continue
        for i, a in enumerate(words):
            for b in words[i + 1 :]:
                if a[0] == b[0] and fuzz.ratio(a, b) >= CLASS_LINK_CUTOFF:
                    parent[root(b)] = root(a)
    return {w: root(w) for w in vocab}


def _lowercase_common_word(found: str, alias: str) -> bool:
    """A capitalised Latin name written all in lower case ("roast turkey") is an ordinary word."""
    return found.isascii() and found == found.lower() and alias != alias.lower()


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n, first = len(phrase), phrase[0]
    at = -1
    while True:  # only where the first word stands (list.index runs in C): a long text costs no Python loop
        try:
            at = seq.index(first, at + 1)
        except ValueError:
            return False
        if tuple(seq[at : at + n]) == phrase:
            return True


def _without_anaphors(found: list[Match]) -> list[Match]:
    """Drop a context-confirmed weak alias of an actor that is a word of another actor's name in the item
    ("الكتائب", the Brigades, after "كتائب سيد الشهداء" names those brigades): it refers back to that one."""
    weak = [m for m in found if m.how == "context" and m.section == "actor"]
    if not weak:
        return found
    def forms(text: str) -> set[str]:
        return {f for _, _, t in tokens(text) for f in (t, *arabic_stems(t))}
    named = [(m.name, m.section, forms(m.found)) for m in found if m.how != "context"]
    return [m for m in found if m not in weak or not any(
        name != m.name and section == m.section and forms(m.found) & words for name, section, words in named)]


def _overlaps(match: Match, spans: list[tuple[int, int]]) -> bool:
    """Whether the match overlaps any of the spans (sorted, not overlapping each other)."""
    i = bisect.bisect_right(spans, (match.start, 10**18)) - 1
    return any(0 <= j < len(spans) and match.start < spans[j][1] and spans[j][0] < match.end for j in (i, i + 1))
