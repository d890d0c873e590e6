"""What the reader knows before it reads: the vocabulary and the watchlist compiled once into phrase scanners,
word sets and sets of names. Actors the code treats specially are found by their `role` in the watchlist,
never by name, so renaming one in the file changes nothing here."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.classify.lexicon import Lexicon, Phrase, PhraseIndex, phrase
from monitor.config import Place, Vocabulary, Watchlist, Weights
from monitor.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Context:
    """The compiled vocabulary and watchlist every step of the reader reads from."""

    weights: Weights
    on_words: Lexicon  # scanned over the folded tokens
    on_masked: Lexicon  # scanned with watchlist names blanked out
    qualifiers: PhraseIndex
    striker_words: set[Phrase]
    attacker_words: set[str]
    facility_words: set[str]
    backer_suffixes: set[str]
    base_words: set[Phrase]
    place_links: set[str]
    clause_joiners: set[str]
    governing_suffixes: tuple[str, ...]
    militia_nouns: set[str]
    strike_sites: set[str]
    revision_words: set[str]
    months: dict[str, int]
    month_openers: set[str]
    numbers: dict[str, int]
    side: dict[str, str]  # actor -> side
    iran_side: set[str]  # Iran-aligned actors fighting in the watched countries
    us_side: set[str]
    strikers: set[str]  # actors whose "strike" is a strike, not an attack
    out_of_watch: set[str]  # Iran-aligned actors whose fight is elsewhere
    affiliation: dict[str, str]  # person -> actor
    theatre_places: set[str]  # places in the watched countries, countries themselves aside
    sites: set[str]  # bases and diplomatic missions
    kind: dict[str, str]  # place -> kind
    site_named_after: dict[str, str]  # town -> the one base named after it
    places: dict[str, Place]
    catch_all: str  # the actor an unnamed militia attack is put on
    patrons: frozenset[str]  # the state backing the militias, and its forces
    other_conflict: tuple[str, ...]  # groups whose incidents belong to another conflict

    @classmethod
    def build(cls, vocabulary: Vocabulary, watchlist: Watchlist) -> Context:
        v = vocabulary
        cues = {k: e.words for k, e in v.event_types.items()} | {"ambiguous": v.state_action_words}
        qualifiers: dict[str, list[str]] = {}
        for word, label in v.qualifiers.items():
            qualifiers.setdefault(label, []).append(word)
        # load_watchlist refuses a watchlist without exactly one; this guards one built some other way.
        catch_alls = watchlist.with_role("catch_all")
        if len(catch_alls) != 1:
            raise ConfigError([f"watchlist: actors: the reader needs exactly one actor with role 'catch_all', "
                               f"found {len(catch_alls)}"])
        us_side = {a.name for a in watchlist.actors if a.side == "us_coalition"}
        theatre = set(v.theatre)
        return cls(
            weights=v.weights,
            on_words=Lexicon({
                "background": {"background": v.background_markers, "hypothetical": v.hypothetical_markers},
                "direction": {"direction": v.direction_words},
                "attribution": v.attribution,
                "membership": {"member": v.membership_words},
                "weapons": v.weapons,
                "sides": v.sides,
                "toll": v.casualty_words,
                "when": {f"day:{n}": [d] for d, n in v.days.items()}
                | {f"rel:{n}": [d] for d, n in v.relative_days.items()},
                "speech": {"speech": v.speech_verbs},
            }),
            # Cue words are looked for with watchlist names blanked out ("Union III" is no labour union).
            on_masked=Lexicon({
                "cues": cues,
                "off_topic": v.not_relevant,
                "targets": {"target": v.target_words},
                "militia": {"militia": v.militia_words},
            }),
            qualifiers=PhraseIndex(qualifiers),
            striker_words={p for p in map(phrase, v.striker_words) if p},
            attacker_words={phrase(w)[0] for w in v.attacker_words if phrase(w)},
            facility_words={phrase(w)[0] for w in v.facility_words if phrase(w)},
            backer_suffixes={phrase(w)[0] for w in v.backer_suffixes if phrase(w)},
            base_words={phrase(w) for w in v.base_words if phrase(w)},
            place_links={phrase(w)[0] for w in v.place_links if phrase(w)},
            clause_joiners={phrase(w)[0] for w in v.clause_joiners if phrase(w)},
            governing_suffixes=tuple(v.governing_suffixes),
            militia_nouns={phrase(w)[0] for w in v.militia_nouns if phrase(w)},
            strike_sites={phrase(w)[0] for w in v.strike_site_words if phrase(w)},
            revision_words={phrase(w)[0] for w in v.revision_words if phrase(w)},
            months={phrase(m)[0]: n for m, n in v.months.items() if phrase(m)},
            month_openers={phrase(w)[0] for w in v.month_openers if phrase(w)},
            numbers={phrase(k)[0]: n for k, n in v.numbers.items() if phrase(k)},
            side={a.name: a.side for a in watchlist.actors},
            iran_side={a.name for a in watchlist.actors if a.side == "iran_aligned" and a.theatre},
            us_side=us_side,
            strikers=us_side | set(v.striking_states),
            out_of_watch={a.name for a in watchlist.actors if a.side == "iran_aligned" and not a.theatre},
            affiliation={p.name: p.affiliation for p in watchlist.people if p.affiliation},
            theatre_places={p.name for p in watchlist.places if p.country in theatre and p.kind != "country"},
            sites={p.name for p in watchlist.places if p.kind in {"base", "diplomatic"}},
            kind={p.name: p.kind for p in watchlist.places},
            site_named_after=watchlist.sites_named_after(),
            places={p.name: p for p in watchlist.places},
            catch_all=catch_alls[0],
            patrons=frozenset(watchlist.with_role("patron")),
            other_conflict=watchlist.with_role("other_conflict"),
        )
