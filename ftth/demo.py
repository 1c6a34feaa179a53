"""Demo FttH data: a synthetic IPE file of 20,000 buildings imported like an operator's (a few seconds)."""

import tempfile
from pathlib import Path

from .imports import run_import
from .models import Building, ImportRun
from .synthetic import write

DEMO_BUILDINGS = 20_000


def load_demo(users: dict) -> None:
    if Building.objects.exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ipe-demo.csv"
        write(path, buildings=DEMO_BUILDINGS, fmt="ipe", seed=5)
        run = ImportRun.objects.create(file_name="ipe-demo.csv (démonstration)", operator_code="OI-DEMO")
        run_import(run=run, path=path)
