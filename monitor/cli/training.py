"""train: fit the type model on labelled files, print its cross-validated figures against the rules, write it."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.cli.common import setup_logging
from monitor.config import load_settings, load_vocabulary, load_watchlist
from monitor.errors import ReplayInputError
from monitor.evaluate import read_labelled, read_provenance


def cmd_train(args: argparse.Namespace) -> int:
    from monitor import train  # scikit-learn: only this command needs it

    settings = load_settings(args.config)
    setup_logging(settings, "WARNING")
    shapes: dict[str, str] = {}
    for path in args.provenance or []:
        shapes.update(read_provenance(Path(path)))
    paths = [Path(p) for p in args.labelled]
    files = [(p.parent.name + "/" + p.name, read_labelled(p, shapes)) for p in paths]
    if args.folds < 2:
        raise ReplayInputError(f"--folds must be 2 or more (got {args.folds})")
    incidents = len({str(r.labels.get("event_key") or r.id) for _, records in files for r in records})
    if incidents < args.folds:
        raise ReplayInputError(f"{incidents} incidents in the labelled files: too few for {args.folds} folds")
    data = train.examples(load_vocabulary(settings.vocabulary), load_watchlist(settings.watchlist), files)
    check = train.cross_validate(data, args.folds)
    print(f"{len(data)} labelled reports of {incidents} incidents and distractors, from {len(paths)} files")
    print(check.render())
    out = Path(args.out) if args.out else settings.type_model or settings.config_file.parent / "type_model.json"
    trained_on = train.digest(paths)
    name = f"{out.name} {train.fingerprint(trained_on)}"
    model = train.fit(data, check.margin, name, trained_on=trained_on,
                      cross_validated={"folds": args.folds, "margin": check.margin, "accuracy": check.figures()})
    train.write(model, out)
    print(f"wrote {out}: {len(model.index)} features, margin {check.margin:.1f}")
    return 0
