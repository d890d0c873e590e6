"""Configuration: the only reader of YAML files and the environment, and the only user of pydantic.

    settings     monitor.yaml's schema: feeds, schedule, fetch, events, alerts, notification targets
    load         reading monitor.yaml and the environment into a frozen `Settings`; the database URL
    files        YAML files read safely, and validation errors turned into file + key path messages
    values       durations, sizes, ${ENV} references, URLs with and without credentials, secret files
    watchlist    the actors, places and people watched, with aliases, sides and hosting periods
    vocabulary   the words the reader looks for
    rules        escalation rules and the history files of past incidents
    type_model   the learned type model's weights (`monitor train` writes the file)
    check        the files as a whole: every name one file takes from another exists

Every problem is a `ConfigError` naming the file, the key path and what is wrong.

Each name is imported from its module when first asked for (`__getattr__`): loading `monitor.yaml` builds the
settings' models only, and the other files' models are built by the commands that read those files.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from monitor import lazy

# Pydantic looks for plugins of its own among the installed packages' entry points when the first model is made
# (importlib.metadata and a scan of every package: 0.03-0.04 CPU-s of every start); monitor uses none. A value set
# in the environment is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

if TYPE_CHECKING:
    from monitor.config.check import check_config_files as check_config_files
    from monitor.config.check import reference_problems as reference_problems
    from monitor.config.files import CONFIG_ENV as CONFIG_ENV
    from monitor.config.files import CONFIG_FILE_NAME as CONFIG_FILE_NAME
    from monitor.config.files import DEFAULT_CONFIG_DIR as DEFAULT_CONFIG_DIR
    from monitor.config.files import describe_errors as describe_errors
    from monitor.config.files import key_path as key_path
    from monitor.config.files import locate_config as locate_config
    from monitor.config.files import read_yaml as read_yaml
    from monitor.config.load import DATABASE_ENV as DATABASE_ENV
    from monitor.config.load import load_settings as load_settings
    from monitor.config.load import redacted_database_url as redacted_database_url
    from monitor.config.load import resolve_database_url as resolve_database_url
    from monitor.config.rules import Expects as Expects
    from monitor.config.rules import Factors as Factors
    from monitor.config.rules import FollowedBy as FollowedBy
    from monitor.config.rules import HistoryFile as HistoryFile
    from monitor.config.rules import HistoryIncident as HistoryIncident
    from monitor.config.rules import Rule as Rule
    from monitor.config.rules import RulesFile as RulesFile
    from monitor.config.rules import SideFilter as SideFilter
    from monitor.config.rules import Trigger as Trigger
    from monitor.config.rules import incidents_of as incidents_of
    from monitor.config.rules import load_history as load_history
    from monitor.config.rules import load_rules as load_rules
    from monitor.config.rules import read_history_files as read_history_files
    from monitor.config.settings import ALERT_KINDS as ALERT_KINDS
    from monitor.config.settings import BUILT_IN_TARGETS as BUILT_IN_TARGETS
    from monitor.config.settings import SEVERITIES as SEVERITIES
    from monitor.config.settings import AlertsConfig as AlertsConfig
    from monitor.config.settings import EventsConfig as EventsConfig
    from monitor.config.settings import FeedConfig as FeedConfig
    from monitor.config.settings import FetchConfig as FetchConfig
    from monitor.config.settings import HttpConfig as HttpConfig
    from monitor.config.settings import NotifyTarget as NotifyTarget
    from monitor.config.settings import QuietHours as QuietHours
    from monitor.config.settings import RateLimit as RateLimit
    from monitor.config.settings import ScheduleConfig as ScheduleConfig
    from monitor.config.settings import Settings as Settings
    from monitor.config.settings import is_loopback as is_loopback
    from monitor.config.settings import listen_address as listen_address
    from monitor.config.type_model import MODEL_FORMAT as MODEL_FORMAT
    from monitor.config.type_model import TypeModel as TypeModel
    from monitor.config.type_model import load_type_model as load_type_model
    from monitor.config.values import ByteSize as ByteSize
    from monitor.config.values import Duration as Duration
    from monitor.config.values import expand_env as expand_env
    from monitor.config.values import parse_duration as parse_duration
    from monitor.config.values import parse_size as parse_size
    from monitor.config.values import read_secret_file as read_secret_file
    from monitor.config.values import service_of as service_of
    from monitor.config.values import with_userinfo_of as with_userinfo_of
    from monitor.config.values import without_userinfo as without_userinfo
    from monitor.config.vocabulary import CODE_SIDES as CODE_SIDES
    from monitor.config.vocabulary import EVENT_TYPES as EVENT_TYPES
    from monitor.config.vocabulary import PERSON_COUNTS as PERSON_COUNTS
    from monitor.config.vocabulary import EventWords as EventWords
    from monitor.config.vocabulary import Vocabulary as Vocabulary
    from monitor.config.vocabulary import Weights as Weights
    from monitor.config.vocabulary import load_vocabulary as load_vocabulary
    from monitor.config.vocabulary import vocabulary_files as vocabulary_files
    from monitor.config.watchlist import Actor as Actor
    from monitor.config.watchlist import ActorKind as ActorKind
    from monitor.config.watchlist import Period as Period
    from monitor.config.watchlist import Person as Person
    from monitor.config.watchlist import Place as Place
    from monitor.config.watchlist import PlaceKind as PlaceKind
    from monitor.config.watchlist import Side as Side
    from monitor.config.watchlist import Watchlist as Watchlist
    from monitor.config.watchlist import WatchlistFile as WatchlistFile
    from monitor.config.watchlist import close_match as close_match
    from monitor.config.watchlist import did_you_mean as did_you_mean
    from monitor.config.watchlist import load_watchlist as load_watchlist
    from monitor.errors import ConfigError as ConfigError

# Each module and the names above it gives, imported when first used (tests/test_poll_start.py checks the two).
_NAMES = {
    "monitor.config.check": ("check_config_files", "reference_problems"),
    "monitor.config.files": (
        "CONFIG_ENV", "CONFIG_FILE_NAME", "DEFAULT_CONFIG_DIR", "describe_errors", "key_path", "locate_config",
        "read_yaml"
    ),
    "monitor.config.load": ("DATABASE_ENV", "load_settings", "redacted_database_url", "resolve_database_url"),
    "monitor.config.rules": (
        "Expects", "Factors", "FollowedBy", "HistoryFile", "HistoryIncident", "Rule", "RulesFile", "SideFilter",
        "Trigger", "incidents_of", "load_history", "load_rules", "read_history_files"
    ),
    "monitor.config.settings": (
        "ALERT_KINDS", "BUILT_IN_TARGETS", "SEVERITIES", "AlertsConfig", "EventsConfig", "FeedConfig", "FetchConfig",
        "HttpConfig", "NotifyTarget", "QuietHours", "RateLimit", "ScheduleConfig", "Settings", "is_loopback",
        "listen_address"
    ),
    "monitor.config.type_model": ("MODEL_FORMAT", "TypeModel", "load_type_model"),
    "monitor.config.values": (
        "ByteSize", "Duration", "expand_env", "parse_duration", "parse_size", "read_secret_file", "service_of",
        "with_userinfo_of", "without_userinfo"
    ),
    "monitor.config.vocabulary": (
        "CODE_SIDES", "EVENT_TYPES", "PERSON_COUNTS", "EventWords", "Vocabulary", "Weights", "load_vocabulary",
        "vocabulary_files"
    ),
    "monitor.config.watchlist": (
        "Actor", "ActorKind", "Period", "Person", "Place", "PlaceKind", "Side", "Watchlist", "WatchlistFile",
        "close_match", "did_you_mean", "load_watchlist"
    ),
    "monitor.errors": ("ConfigError",),
}
__getattr__, __dir__ = lazy.exports(__name__, _NAMES)
