"""calibrate: refit the escalation rules' numbers on labelled past cycles and the history, and print how the
fitted numbers compare with the hand-set ones (monitor/calibrate.py says how). It writes nothing: keeping
fitted numbers in rules.yaml is a person's decision, made on what it prints."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from monitor import pipeline
from monitor.calibrate import PULL, calibrate_rule, combine, history_cases, render, replayed_cases
from monitor.cli.common import setup_logging
from monitor.config import load_settings
from monitor.errors import ReplayInputError
from monitor.evaluate import read_labelled, read_timeline


def cmd_calibrate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    setup_logging(settings, "WARNING")
    sets = args.set or []
    if any(len(paths) < 2 for paths in sets):
        raise ReplayInputError("--set takes a timeline file then one or more labelled files")
    pull = PULL if args.pull is None else args.pull
    if pull <= 0:
        raise ReplayInputError(f"--pull must be above 0 (got {pull:g}): without a pull a handful of triggers "
                               "lets the fit run off to infinity")
    found = []
    outside = 0
    sources = []
    runtime = None
    with tempfile.TemporaryDirectory(prefix="monitor-calibrate-") as scratch:
        for n, (timeline_path, *labelled_paths) in enumerate(sets):
            timeline = read_timeline(Path(timeline_path))
            labelled = [r for path in labelled_paths for r in read_labelled(Path(path))]
            # Each set in a store of its own, as `monitor eval` replays it.
            runtime = pipeline.build_runtime(settings, f"sqlite:///{Path(scratch) / f'set{n}.db'}")
            cases, left = replayed_cases(runtime, labelled, timeline)
            runtime.engine.dispose()
            found.append(cases)
            outside += left
            sources.append(f"{' + '.join(Path(p).name for p in labelled_paths)} with {Path(timeline_path).name}")
        if runtime is None:
            runtime = pipeline.build_runtime(settings, f"sqlite:///{Path(scratch) / 'history.db'}")
            runtime.engine.dispose()
    sources.append(f"the history ({len(runtime.history)} incidents)")
    cases_by_rule = combine(*found, history_cases(runtime.rules, runtime.history, runtime.world))
    results = [calibrate_rule(rule, runtime.rules.factors, cases_by_rule.get(rule.name, []), pull)
               for rule in runtime.rules.rules]
    print(render(results, sources, outside, pull))
    return 0
