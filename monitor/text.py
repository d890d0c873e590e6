"""Words: how every stage cuts text into tokens and folds them, so that a name, a cue and a report meet.

Casefolded, possessive 's, diacritics and apostrophes dropped, Arabic letter variants unified: hamza seats
(أ إ آ ٱ -> ا, ؤ -> و, ئ -> ي) and the bare hamza ء dropped, taa marbuta -> ه, alef maqsura -> ي, Persian
yeh and kaf -> Arabic, tatweel and harakat removed, Arabic-Indic and Persian digits -> ASCII digits ("٣" is
"3"). Latin text is folded exactly as before Arabic was added.

Arabic writes conjunctions, prepositions and the article on the front of the word ("وبالحشد" = "and with
the Hashd"). `arabic_stems` gives the forms a token may stand for without them; a caller that knows which
words it looks for (the matcher, the reader) tries them when the token itself is unknown, and never strips
otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate

_MARKS = "'’ʼ‘`´ʾʿ\u00ad"

_WORD_CHAR = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0640]"
# A letter, then word characters, with an apostrophe inside only when a letter follows it (written unrolled:
# the same words as `[^\W_](?:CHAR|MARK(?=[^\W_]))*`, found faster).
_WORD = re.compile(rf"[^\W_]{_WORD_CHAR}*(?:[{_MARKS}](?=[^\W_]){_WORD_CHAR}*)*")

# Applied after NFKD has split the hamza off its seat (أ -> ا + U+0654) and the marks are dropped.
_ARABIC_FOLD = str.maketrans({
    "ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا", "ۀ": "ه", "ی": "ي", "ک": "ك",
    "ء": None,  # a bare hamza is written or left out at will: كربلاء / كربلا, الثلاثاء / الثلاثا
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian (Eastern Arabic-Indic) digits
})

_WORD_SPLIT = re.compile(f"({_WORD.pattern})")  # the same words, kept between the text around them
# The same words in an ASCII text, whose only word characters are `\w`'s and only marks the apostrophe and the
# backquote: one character class instead of a set of ranges, for most news (a fifth of cutting a text).
_ASCII_WORD_SPLIT = re.compile(r"([^\W_]\w*(?:['`](?=[^\W_])\w*)*)")

_POSSESSIVE = re.compile(r"['’ʼ]s$", re.IGNORECASE)

_APOSTROPHES = re.compile(f"[{_MARKS}]")

# A 1,000-feed round of news meets ~24,000 distinct words, which this holds (98.6% hits on the bench's items, as
# with 200,000); a full cache takes ~200 bytes a word for the life of the daemon, so it is kept small (issue 15).
@lru_cache(maxsize=50_000)
def fold(token: str) -> str:
    """Normalise one token: casefold, strip possessive 's, diacritics, apostrophes; unify Arabic letters."""
    token = _APOSTROPHES.sub("", _POSSESSIVE.sub("", token))
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).casefold().translate(_ARABIC_FOLD)

def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) for every word of the text."""
    # The words as `_WORD.finditer` finds them, with no Python code per word (every item is cut once, so this is a
    # good part of reading one): splitting on the words gives [before, word, between, word, ..., after], and the
    # running sum of their lengths gives where each one starts and ends.
    parts = (_ASCII_WORD_SPLIT if text.isascii() else _WORD_SPLIT).split(text)
    ends = list(accumulate(map(len, parts)))
    return list(zip(ends[0:-1:2], ends[1::2], map(fold, parts[1::2]), strict=True))


# Proclitics, in the order Arabic stacks them: a conjunction, then a preposition, then the article.
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ل", "ك")
_ARTICLE = "ال"
_MIN_STEM = 3  # letters left after stripping: "بلد" -> "لد" is no word to look up
# Attached pronouns, longest first; a lone "ه" is left alone: folded, it is also every taa marbuta ("قاعده").
_PRONOUN_SUFFIXES = ("هما", "كما", "هم", "هن", "كم", "نا", "ها")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_FEMININE_DUALS = ("تان", "تين")
_DUAL_ENDINGS = ("ان", "ين")  # dual (nominative, oblique); "ين" also the sound masculine plural's oblique
_NUMBER_SUFFIXES = (*_DUAL_ENDINGS, "ون")  # dual (nominative, oblique), sound masculine plural; a verb's dual too
_VERB_DUAL = "تا"  # a past verb's feminine dual: "قصفتا"
_PAST_PLURAL = "وا"  # a past verb's plural: "استهدفوا"
_ACCUSATIVE = "ا"  # the alef that carries an indefinite accusative's tanween: "معسكراً"
_PRESENT_PREFIXES = ("ي", "ت")  # he, she; not "ن" (we): "نيران" (fire) would read as a verb of "يران"


def is_definite(token: str) -> bool:
    """Whether a folded Arabic token carries the article ("الهجوم", the attack)."""
    return not token.isascii() and len(token) > len(_ARTICLE) and token.startswith(_ARTICLE)


def is_definite_pair(token: str) -> bool:
    """Whether a folded Arabic token carries the article and the ending of a dual (or of a plural of persons):
    "الباقيين", "الجنديين", the words beside which "الاثنين" is "the two" and not Monday."""
    return is_definite(token) and token.endswith(_DUAL_ENDINGS)


def opens_with_conjunction(token: str) -> bool:
    """Whether a folded Arabic token of a known phrase carries a conjunction on its front ("وردا", and in response
    to): the clause it opens starts there, as after a separate "and"."""
    return not token.isascii() and len(token) > _MIN_STEM and token[0] in _CONJUNCTIONS[1:]


@lru_cache(maxsize=100_000)
def arabic_stems(token: str, verbs: bool = False) -> tuple[str, ...]:
    """The forms a folded Arabic token may stand for once its proclitics are taken off: a conjunction (و ف),
    a preposition (ب ل ك) and the article (ال), alone or stacked, with the article restored where the
    preposition absorbed it (لل + x = ل + الx) and offered both ways after a preposition ("لكتائب" ->
    "كتائب", "الكتائب"); then the same without an attached pronoun ("هجماتها" -> "هجمات", "الهجمات"). The
    token itself is not included; the likelier readings come first.

    Then the same without the ending of an indefinite accusative ("معسكراً"), a dual or sound plural ("مقاتلتان",
    "منشأتين", "مسلحين") or a past verb's dual ("قصفتا"); and, with `verbs`, a past verb's plural and a present
    tense's prefix ("تدمر" -> "دمر").

    This only proposes: the caller keeps a form only when it is a word it knows (an alias token, a
    vocabulary word), so "لبنان" never becomes "بنان" unless "بنان" is listed. Non-Arabic tokens give ().
    """
    if len(token) <= _MIN_STEM or not _ARABIC_LETTER.match(token):
        return ()
    out: list[str] = []

    def add(form: str) -> None:
        if len(form) >= _MIN_STEM and form != token and form not in out:
            out.append(form)

    for conjunction in _CONJUNCTIONS:
        if not token.startswith(conjunction):
            continue
        after_conjunction = token[len(conjunction):]
        for preposition in _PREPOSITIONS:
            if not after_conjunction.startswith(preposition):
                continue
            rest = after_conjunction[len(preposition):]
            if not (conjunction or preposition):
                if rest.startswith(_ARTICLE):
                    add(rest[len(_ARTICLE):])  # "الكتائب" -> "كتائب"
                continue
            if preposition == "ل" and rest.startswith("ل") and not rest.startswith(_ARTICLE):
                add(_ARTICLE + rest[1:])  # "للحشد" = ل + "الحشد"
                add(rest)  # "للبنان" = ل + "لبنان"
                add(rest[1:])
                continue
            add(rest)
            if rest.startswith(_ARTICLE):
                add(rest[len(_ARTICLE):])  # "بالحشد" -> "الحشد", "حشد"
            elif preposition:
                add(_ARTICLE + rest)  # "لكتائب" -> "كتائب", "الكتائب"
    # A possessive or object pronoun on the end ("هجماتها", its attacks): the word without it, definite too, and
    # with its taa marbuta back where the suffix had opened it ("قاعدتها" -> "قاعده").
    for base in (token, *out):
        for suffix in _PRONOUN_SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= _MIN_STEM:
                bare = base[: -len(suffix)]
                forms = [bare, bare[:-1] + "ه"] if bare.endswith("ت") else [bare]
                for form in forms:
                    add(form)
                    if not form.startswith(_ARTICLE):
                        add(_ARTICLE + form)
                break
    # An indefinite accusative ("معسكراً", a camp, as an object): the word without its alef of tanween.
    for base in (token, *out):
        if base.endswith(_ACCUSATIVE) and not base.endswith(_PRONOUN_SUFFIXES) and len(base) - 1 >= _MIN_STEM:
            add(base[:-1])
    # A dual or sound plural ("مقاتلتان أمريكيتان تقصفان", two US fighter jets strike; "مسلحين"): the singular, with
    # its taa marbuta back before a feminine dual ("منشأتين" -> "منشاه"), and a verb's dual ("قصفتا" -> "قصفت").
    for base in (token, *out):
        if base.endswith(_FEMININE_DUALS) and len(base) - 3 >= _MIN_STEM:
            add(base[:-3] + "ه")
        elif base.endswith(_NUMBER_SUFFIXES) and len(base) - 2 >= _MIN_STEM:
            add(base[:-2])
        elif base.endswith(_VERB_DUAL) and len(base) - 1 >= _MIN_STEM:
            add(base[:-1])
    # Only for a caller looking up verbs (a name is no verb: "لنيران", to fire, is no "ايران"): a past verb's plural
    # ("استهدفوا", they targeted) is its singular; a present-tense verb ("تدمر", destroys; "يستهدف", targets) its past
    # form, which the word lists hold, with the alef back that derived verbs drop after the prefix ("استهدف").
    for base in (token, *out) if verbs else ():
        if base.endswith(_PAST_PLURAL) and len(base) - 2 >= _MIN_STEM:
            add(base[:-2])
    for base in (token, *out) if verbs else ():
        if base[0] in _PRESENT_PREFIXES and len(base) - 1 >= _MIN_STEM:
            add(base[1:])
            add("ا" + base[1:])
    return tuple(out)
