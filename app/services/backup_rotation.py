"""The nightly backup: a new dated folder under the backup root, and the oldest beyond the kept number removed."""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from app.services.backup import MANIFEST, BackupError, BackupSummary, create_backup

# Only folders this job made are ever removed: a name it writes, holding a readable manifest.
FOLDER = re.compile(r"^outfall-\d{8}-\d{6}$")


@dataclass(frozen=True)
class RotationSummary:
    backup: BackupSummary
    removed: tuple[Path, ...]


def folder_name(now: datetime) -> str:
    return now.strftime("outfall-%Y%m%d-%H%M%S")


def _ours(path: Path) -> bool:
    # The manifest is written last, so a backup that failed half-way has none: it is neither counted as a
    # good copy nor removed. (Its checksums are checked by `backup restore`; re-hashing every kept copy
    # each night would cost more than the backup.)
    if not (path.is_dir() and FOLDER.match(path.name) and (path / MANIFEST).is_file()):
        return False
    try:
        json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def rotate_backups(root: Path, keep: int) -> tuple[Path, ...]:
    """Remove the oldest of this job's backups beyond the newest `keep`."""
    if keep < 1:
        raise BackupError(f"keep: at least one backup must be kept, got {keep}")
    ours = sorted(p for p in root.iterdir() if _ours(p))
    removed = tuple(ours[:-keep])
    for path in removed:
        shutil.rmtree(path)
    return removed


def nightly_backup(engine: Engine, root: Path, *, documents: Path | None, schema: str | None, now: datetime,
                   keep: int) -> RotationSummary:
    """Write tonight's backup, then rotate; a failed backup removes nothing, so the older copies stay."""
    root.mkdir(parents=True, exist_ok=True)
    summary = create_backup(engine, root / folder_name(now), documents=documents, schema=schema, now=now)
    return RotationSummary(summary, rotate_backups(root, keep))
