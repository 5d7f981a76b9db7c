"""What Ray costs on one machine: `kg ingest` of the same files locally and through a one-node Ray head.

    nice -n 10 python benchmarks/ray_overhead.py [--files 4] [--write]

Both ingests go into fresh homes with the real command (a new process each). The Ray run includes
connecting the driver, shipping the tasks and starting the embedding actors (one model load each);
the head is started before and not counted. Figures go to docs/scale.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from extraction import replace_section  # noqa: E402

from api.cluster import local_head  # noqa: E402

SECTION = "## Measured on this machine"


def _ingest(home: Path, folder: Path, *extra: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("KG_RAY_ADDRESS", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "--home", str(home), "ingest",
                    str(folder), *extra], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--port", type=int, default=26450)
    parser.add_argument("--write", action="store_true", help="update docs/scale.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ray-overhead-") as tmp:
        work = Path(tmp)
        folder = work / "files"
        folder.mkdir()
        for seed in sorted((ROOT / "data" / "seeds").glob("*.txt"))[: args.files]:
            shutil.copy(seed, folder / seed.name)
        local = _ingest(work / "local", folder)
        with local_head(args.port, work / "ray") as address:
            on_ray = _ingest(work / "on-ray", folder, "--ray", address)
    report = "\n".join([
        SECTION, "",
        f"`nice -n 10 python benchmarks/ray_overhead.py --write` ({args.files} seed files, fresh homes, the real "
        f"command; the machine shared with other jobs): local `kg ingest` {local:.1f} s, `kg ingest --ray` "
        f"through a one-node head on the same machine {on_ray:.1f} s, **{on_ray / local:.1f}×** the local time. "
        "On one machine Ray only adds cost (connecting, shipping tasks, one model load per embedding actor); "
        "it pays off when the cluster adds machines.", ""])
    print(report)
    if args.write:
        replace_section(ROOT / "docs" / "scale.md", SECTION, report)


if __name__ == "__main__":
    main()
