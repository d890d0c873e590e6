"""The configuration as a whole: each file alone, then every name one file takes from another."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from monitor.config.files import ConfigError
from monitor.config.rules import HistoryFile, RulesFile, load_rules, read_history_files
from monitor.config.settings import Settings
from monitor.config.type_model import load_type_model
from monitor.config.vocabulary import Vocabulary, load_vocabulary, vocabulary_files
from monitor.config.watchlist import Watchlist, did_you_mean, load_watchlist

# Words `expects.by` and `expects.against` may use instead of a name (see `_expected` and `_against`);
# `against` may also be the free phrase rules.yaml documents.
_PARTY_WORDS = ("perpetrators", "targets")
_AGAINST_PHRASES = (*_PARTY_WORDS, "sites hosting US forces")
_Loaded = TypeVar("_Loaded")


def check_config_files(settings: Settings) -> list[str]:
    """Every problem in the watchlist, vocabulary, rules and history files: each file alone, then each name one
    file takes from another. A name no file defines raises nothing at run time, it only matches nothing (a rule
    whose `by` is misspelled never sees its warning confirmed), so only a check over all the files finds it."""
    problems: list[str] = []

    def attempt(load: Callable[[], _Loaded]) -> _Loaded | None:
        try:
            return load()
        except ConfigError as exc:
            problems.extend(exc.problems)
            return None

    watchlist = attempt(lambda: load_watchlist(settings.watchlist))
    files = attempt(lambda: vocabulary_files(settings.vocabulary))
    vocabulary = None if files is None else attempt(lambda: load_vocabulary(settings.vocabulary, files))
    rules = attempt(lambda: load_rules(settings.rules))
    history = attempt(lambda: read_history_files(settings.history))
    model_path = settings.type_model
    if model_path is not None:
        attempt(lambda: load_type_model(model_path))
    return problems + reference_problems(settings, watchlist, vocabulary, rules, history or [], files)


def reference_problems(settings: Settings, watchlist: Watchlist | None, vocabulary: Vocabulary | None,
                       rules: RulesFile | None, history: Sequence[tuple[Path, HistoryFile]],
                       vocabulary_read: Sequence[tuple[Path, dict[str, Any]]] | None) -> list[str]:
    """Actors, places and casualty sides named by the rules, history and vocabulary that the watchlist or the
    vocabulary does not define, one line each: file, key path, the name, and the closest known one. A file that
    did not load (None) is left out: its own problems are reported already. `vocabulary_read`: the vocabulary
    files as `vocabulary_files` read them for `vocabulary`, so that no file is read twice."""
    in_watchlist = ", ".join(p.name for p in settings.watchlist)
    problems: list[str] = []

    def check(where: str, value: str, known: Sequence[str] | None, what: str, words: Sequence[str] = ()) -> None:
        if known is not None and value not in known and value not in words:
            problems.append(f"{where}: {value!r} is not {what}{did_you_mean(value, [*known, *words])}")

    actors = [a.name for a in watchlist.actors] if watchlist else None
    places = [p.name for p in watchlist.places] if watchlist else None
    countries = sorted({p.country for p in watchlist.places if p.country}) if watchlist else None
    sides = list(vocabulary.sides) if vocabulary else None
    an_actor, a_place = f"an actor in {in_watchlist}", f"a place in {in_watchlist}"
    vocabulary_names = ", ".join(p.name for p in settings.vocabulary)
    a_side = f"a side the casualty reader counts ({vocabulary_names} sides: {', '.join(sides or [])})"
    for path, raw in vocabulary_read if vocabulary and vocabulary_read else []:
        for i, state in enumerate(raw.get("striking_states") or []):
            check(f"{path}: striking_states[{i}]", state, actors, an_actor)
        for i, country in enumerate(raw.get("theatre") or []):
            check(f"{path}: theatre[{i}]", country, countries, f"the country of any place in {in_watchlist}")
    for i, rule in enumerate(rules.rules if rules else []):
        where = f"{settings.rules}: rules[{i}]"
        check(f"{where}.expects.by", rule.expects.by, actors, an_actor, _PARTY_WORDS)
        check(f"{where}.expects.against", rule.expects.against, None if actors is None or places is None
              else actors + places, f"an actor or place in {in_watchlist}", _AGAINST_PHRASES)
        for side in rule.trigger.min_killed:
            check(f"{where}.trigger.min_killed", side, sides, a_side)
        for side in rule.trigger.min_casualties:
            check(f"{where}.trigger.min_casualties", side, sides, a_side)
        for j, side in enumerate(rule.trigger.casualties):
            check(f"{where}.trigger.casualties[{j}]", side, sides, a_side)
    for path, file in history:
        for i, incident in enumerate(file.incidents):
            where = f"{path}: incidents[{i}]"
            for j, name in enumerate(incident.actors):
                check(f"{where}.actors[{j}]", name, actors, an_actor)
            for j, name in enumerate(incident.places):
                check(f"{where}.places[{j}]", name, places, a_place)
            for side in incident.killed:
                check(f"{where}.killed", side, sides, a_side)
            follow = incident.followed_by
            if follow and follow.by is not None:
                check(f"{where}.followed_by.by", follow.by, actors, an_actor)
            for j, name in enumerate(follow.places if follow else []):
                check(f"{where}.followed_by.places[{j}]", name, places, a_place)
    return problems
