"""The vocabulary files (`config/vocabulary.yaml`, one per language beside it): the words the reader looks for.

Several files merge into one vocabulary: lists are joined, tables merged key by key (their lists joined),
single values taken from the last file that sets them. Each file is checked alone, then the merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.config.files import ConfigError, describe_errors, read_yaml
from monitor.config.watchlist import did_you_mean

EVENT_TYPES = ("attack", "strike", "threat")


# How many people a person noun stands for on its own: "soldier" one, an Arabic dual two, a plural none.
PERSON_COUNTS = {"one": 1, "two": 2, "many": 0}


class EventWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    words: list[str]


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: float = Field(default=3.0, ge=0)
    lead: float = Field(default=2.0, ge=0)
    body: float = Field(default=1.0, ge=0)


class Vocabulary(BaseModel):
    """The reader's word lists, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    theatre: list[str] = ["Iraq", "Syria", "Jordan"]
    theatre_utc_offset: float = 0.0  # hours: the clock weekday words are read in
    event_types: dict[str, EventWords] = {}
    state_action_words: list[str] = []
    interception_words: list[str] = []
    blast_words: list[str] = []
    speech_verbs: list[str] = []
    speaker_words: list[str] = []
    striker_words: list[str] = []
    other_striker_words: list[str] = []
    attacker_words: list[str] = []
    # Adjectives of a state or militia that follow the noun they qualify (Arabic: "طائرة مسيرة أمريكية", a US
    # drone; "ضربات أمريكية", US strikes): right after an event or weapon word they say whose it is.
    owner_adjectives: list[str] = []
    facility_words: list[str] = []
    backer_suffixes: list[str] = []
    backer_prefixes: list[str] = []
    topic_markers: list[str] = []
    membership_words: list[str] = []
    # Words headlines leave out inside a phrase ("US reserves right to respond"): every listed phrase is also
    # looked for without them.
    headline_drops: list[str] = []
    militia_words: list[str] = []
    # Words for an unnamed armed group as the one that claims or speaks ("an Iraqi group says", "militants
    # claim"): such a group speaks as the watchlist's umbrella of its time (`claims_for_unnamed`).
    claimant_words: list[str] = []
    crowd_words: list[str] = []
    base_words: list[str] = []
    place_links: list[str] = []
    clause_joiners: list[str] = []
    governing_suffixes: list[str] = []
    militia_nouns: list[str] = []
    # Armed groups named by their tie to a backer ("groups it backs", "affiliated groups", "الجماعات التابعة له"):
    # a noun for a group within a few words of a word for the tie.
    group_nouns: list[str] = []
    # A car or other vehicle hit, with nobody's side named on it: a targeted strike ("a drone hit a car in
    # eastern Baghdad"), not an attack on a base.
    vehicle_words: list[str] = []
    service_vehicle_words: list[str] = []
    # The weapons (keys of `weapons`) a targeted strike on a car is told with; a car hit by another (a roadside bomb)
    # is no such strike.
    vehicle_strike_weapons: list[str] = []
    # Homes and other civilian places an attack is told to have hit ("the missiles struck homes in a residential
    # area"): a town is then no stand-in for the US base named after it.
    civilian_site_words: list[str] = []
    # Words before a party that say it was not hit ("no American personnel were hit", "لم يصب أي أمريكي").
    party_negators: list[str] = []  # ambulances, fire engines: vehicles that are nobody's target
    tie_words: list[str] = []
    strike_site_words: list[str] = []
    striking_states: list[str] = []
    weights: Weights = Weights()
    background_markers: list[str] = []
    hypothetical_markers: list[str] = []
    # Words beside a strike word that put it in the future ("more US strikes coming", "planned strikes"): a promise.
    future_words: list[str] = []
    direction_words: list[str] = []
    attribution: dict[str, list[str]] = {}
    not_relevant: dict[str, list[str]] = {}
    weapons: dict[str, list[str]] = {}
    sides: dict[str, list[str]] = {}
    casualty_words: dict[str, list[str]] = {}
    person_words: dict[str, list[str]] = {}
    # Words standing for a number not given before people of a side ("several US personnel", "عدد من الجنود"): the
    # side is counted as hurt or killed, at least one, its number not given.
    unnumbered_words: list[str] = []
    # Causes of a death that are not the attack's doing ("died of a cardiac episode while sheltering"): that death
    # is no toll of the event told beside it.
    natural_death_words: list[str] = []
    # Words after which a side's forces are who a site hosts, not who the attack hurt ("a base housing US troops").
    hosted_markers: list[str] = []
    # Words that deny the casualty word right after them ("have not killed American troops since ..."): no toll.
    verb_negators: list[str] = []
    # Words that may stand between such people and their casualty word ("US troops suffered minor injuries").
    hurt_links: list[str] = []
    # Words after a count that make it more people of the side just named ("a US soldier killed, two others hurt").
    others_words: list[str] = []
    unnamed_forces_side: str | None = None
    numbers: dict[str, int] = {}
    qualifiers: dict[str, str] = {}
    revision_words: list[str] = []
    # The word before a count that a revision word earlier in its sentence reaches ("rises ... to 11").
    revision_targets: list[str] = []
    # The word for ten after a unit that makes 11-19 in a language that writes them as two words ("ثلاثة عشر").
    ten_words: list[str] = []
    # Verbs of killing with their agent before them and the killed after ("the US killed a Kataib Hezbollah commander",
    # "Kataib Hezbollah killed three US soldiers"): who killed whom tells a strike or an attack. Only for a language
    # whose titles put the agent first.
    killing_verbs: list[str] = []
    # Words right after a killing verb that make it said of the killed ("fighters killed in US strikes").
    passive_openers: list[str] = []
    # Words between a person and the group it belongs to ("a commander of Kataib Hezbollah", "قيادي في الكتائب").
    person_links: list[str] = []
    target_words: list[str] = []
    days: dict[str, int] = {}
    relative_days: dict[str, int] = {}
    months: dict[str, int] = {}
    month_openers: list[str] = []
    clause_openers: list[str] = []
    passive_auxiliaries: list[str] = []
    determiners: list[str] = []
    agent_markers: list[str] = []
    verdict_words: list[str] = []
    event_denials: list[str] = []
    negators: list[str] = []
    # Verbs that deny what follows them ("officials deny attack on Victory base"): an event word right after one
    # (past determiners, counts and weapons only) did not happen.
    denial_verbs: list[str] = []
    # Words that say nobody suffered what follows ("a US official said, and nobody was hurt"): a person named
    # before them is not the casualty word's.
    nobody_words: list[str] = []
    abbreviations: list[str] = []
    force_words: list[str] = []
    subject_after_verbs: list[str] = []
    economic_words: list[str] = []
    opposed_markers: list[str] = []
    theatre_words: list[str] = []
    # Each watched country's words ("Iraq", "Iraqi", "العراق"), under its name as the watchlist's places give it
    # (`country`): a report that names only the country ("a base in Jordan") is told apart from, or tied to, an
    # incident by it.
    country_words: dict[str, list[str]] = {}
    # Phrases in which a watched name is another word ("القائم بالأعمال", the chargé d'affaires, is not Al-Qaim):
    # the names inside them are not read.
    not_names: list[str] = []
    # Nouns for an official statement ("statement", "بيان") and the words after which it names its subject
    # ("Statement from the President on the attack"): a statement on the other side's attack is a reaction to it;
    # one on its own side's strikes announces them.
    statement_words: list[str] = []
    statement_markers: list[str] = []
    # "Biden to Iran: ...", "بايدن لإيران: ...": a title's speaker addressing someone; the word before the addressee,
    # or a prefix of its word (an Arabic proclitic), marks who is spoken to.
    addressee_markers: list[str] = []
    # Words of a title telling of its event after the fact: funerals, "last week" (see Reading.after_the_fact).
    after_the_fact_words: list[str] = []
    # Words of a title or lead telling of its event as another one after an earlier ("hit again", "a day after the
    # drone attack"): the next attack on a base, not a follow-up of the last (see Reading.repeat).
    repeat_words: list[str] = []
    # The same told by what came before it ("a day after the drone attack", "days after US strikes"): only when an
    # armed event's word follows them ("on the day after the anniversary" tells no earlier event).
    repeat_after_words: list[str] = []
    # Words of a body sentence telling a run of earlier attacks ("dozens of times this year", "for months"): the
    # sentence is background.
    habitual_markers: list[str] = []
    # Countries outside the watch where US forces also are ("a US base in Qatar"): an attack told there is not one of
    # the watch, whoever it names.
    abroad_words: list[str] = []
    addressee_prefixes: list[str] = []
    # A proclitic "and" that opens a clause ("... وبغداد تندد", and Baghdad condemns), for a language that writes one.
    joining_prefixes: list[str] = []
    condemnation_words: list[str] = []
    tally_markers: list[str] = []
    infinitive_markers: list[str] = []
    around_words: list[str] = []
    foreign_words: list[str] = []
    accusing_words: list[str] = []
    known_event_markers: list[str] = []
    launch_words: list[str] = []
    # Phrases holding an event word that tell no event ("the warning system", "early warning"): found as one phrase,
    # they keep their event word from counting.
    non_cue_phrases: list[str] = []
    operations_words: list[str] = []
    continuation_words: list[str] = []
    relative_pronouns: list[str] = []
    # Markers of background that tell the sentence's own event when what stands before them is its toll alone:
    # "eight US troops were treated after a drone struck the landing zone".
    consequence_markers: list[str] = []
    subject_pronouns: list[str] = []
    us_side_words: list[str] = []
    us_side_actor: str | None = None
    measure_words: list[str] = []
    # Months of another calendar than the one `months` reads ("26 Rajab 1445"): a number beside them is a date.
    calendar_months: list[str] = []
    ordinals: dict[str, int] = {}
    articles: list[str] = []
    function_words: list[str] = []
    circumstance_markers: list[str] = []
    casualty_links: list[str] = []  # "three dead among US troops": words between a casualty word and its side
    # Times of day that open with a background marker ("after midnight", "بعد منتصف الليل"): a time, not background.
    time_phrases: list[str] = []
    other_language_words: list[str] = []
    # An attack report saying US or coalition forces were at the place attacked (monitor/classify/hosting.py):
    # words that put them there ("where US troops are stationed", "heading for", "تضم") beside a US or
    # coalition force or site, and words that say they are not or no longer there ("no longer", "لم تعد").
    hosting_phrases: list[str] = []
    hosting_denials: list[str] = []

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: dict[str, EventWords]) -> dict[str, EventWords]:
        unknown = set(value) - set(EVENT_TYPES)
        if unknown:
            raise ValueError(f"unknown event type(s) {sorted(unknown)}; use {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("casualty_words")
    @classmethod
    def _casualty_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"killed", "injured"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use killed and injured")
        return value

    @field_validator("person_words")
    @classmethod
    def _person_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(PERSON_COUNTS)
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use {', '.join(PERSON_COUNTS)}")
        return value

    @field_validator("attribution")
    @classmethod
    def _attribution_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"claimed", "attributed", "suspected", "denied"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use claimed, attributed, suspected and denied")
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 0 <= v <= 6 for v in value.values()):
            raise ValueError("weekday numbers run from 0 (Monday) to 6 (Sunday)")
        return value

    @field_validator("hosting_phrases", "hosting_denials")
    @classmethod
    def _phrases_with_words(cls, value: list[str]) -> list[str]:
        # An entry of punctuation alone would be cut to no words and silently match nothing.
        empty = [w for w in value if not any(c.isalnum() for c in w)]
        if empty:
            raise ValueError(f"entries with no word in them: {empty}")
        return value


# Casualty sides the code reads or writes by name (assess.py, notify.py, events.py, evaluate.py, and the
# reader's count of named commanders killed): a vocabulary that renames one ("USA") raises no error anywhere
# and silently stops the warnings and severities built on it. Each reason completes "no side named X, which".
CODE_SIDES: dict[str, str] = {
    "US": "warnings, alert severity and death totals read as US deaths",
    "UK": "warnings, alert severity and death totals read as British deaths",
    "coalition": "warnings, alert severity and death totals read as coalition deaths",
    "militia": "the reader also counts named militia commanders killed under",
}


def _merged(into: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    for key, value in raw.items():
        mine = into.get(key)
        if isinstance(mine, list) and isinstance(value, list):
            into[key] = mine + [v for v in value if v not in mine]
        elif isinstance(mine, dict) and isinstance(value, dict):
            into[key] = _merged(dict(mine), value)
        else:
            into[key] = value
    return into


def vocabulary_files(paths: Sequence[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Each vocabulary file as written, checked alone, so that a problem names its file."""
    files = []
    for path in paths:
        raw = read_yaml(path) or {}
        if not isinstance(raw, dict):
            raise ConfigError([f"{path}: a vocabulary file holds a mapping of word lists"])
        try:
            Vocabulary.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(describe_errors(path, exc)) from None
        files.append((path, raw))
    return files


def load_vocabulary(paths: Sequence[Path], files: Sequence[tuple[Path, dict[str, Any]]] | None = None) -> Vocabulary:
    """The vocabulary files merged and checked; `files`: what `vocabulary_files(paths)` read already, to merge."""
    merged: dict[str, Any] = {}
    for _, raw in vocabulary_files(paths) if files is None else files:
        merged = _merged(merged, raw)
    vocabulary = Vocabulary.model_validate(merged)
    where = ", ".join(str(p) for p in paths)
    if not vocabulary.event_types:
        raise ConfigError([f"{where}: event_types: no event words in any vocabulary file"])
    missing = [side for side in CODE_SIDES if side not in vocabulary.sides]
    if missing:
        raise ConfigError([f"{where}: sides: no side named {side!r}, which {CODE_SIDES[side]}"
                           f"{did_you_mean(side, vocabulary.sides)}" for side in missing])
    side = vocabulary.unnamed_forces_side
    if side is not None and side not in vocabulary.sides:
        raise ConfigError([f"{where}: unnamed_forces_side: no side named {side!r} under sides"
                           f"{did_you_mean(side, vocabulary.sides)}"])
    # A misspelt weapon kind would silently read no car hit as a targeted strike.
    unknown = [kind for kind in vocabulary.vehicle_strike_weapons if kind not in vocabulary.weapons]
    if unknown:
        raise ConfigError([f"{where}: vehicle_strike_weapons: no weapon kind named {kind!r} under weapons"
                           f"{did_you_mean(kind, vocabulary.weapons)}" for kind in unknown])
    return vocabulary
