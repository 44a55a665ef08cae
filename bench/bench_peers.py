"""A cold full build against the peer chain: `.venv/bin/python bench/bench_peers.py [--runs N]`.

The peer chain (``../shared/bench/peers/chain.sh`` beside the repository, or ``--chain PATH``) is what a
course author would run instead of l13-assets, unverified: a matplotlib script for the figures, a genanki
script for the deck, a typst compile of a one-page sheet. Its set-up, once per machine, is in its header
(a venv at ``$TMPDIR/peer-venv``). Each run starts a fresh interpreter; the two commands alternate (peer,
ours, peer, ours, ...) so a busy machine slows both alike, and each of ours is ``l13-assets build --force``
into its own folder, so nothing is reused. Prints both medians and ours / peer's; the target is <= 1.0.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAIN = REPO.parent / "shared" / "bench" / "peers" / "chain.sh"
TARGET = 1.0


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chain", type=Path, default=CHAIN)
    args = parser.parse_args()
    if not args.chain.is_file():
        sys.exit(f"{args.chain}: no peer chain there, expected chain.sh (see its header for the set-up)")
    import l13_assets

    compileall.compile_dir(Path(l13_assets.__file__).parent, quiet=1)  # as an installed copy has it
    peer: list[float] = []
    ours: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        source_dir = Path(scratch) / "source"
        shutil.copytree(REPO / "source", source_dir)
        source = str(source_dir / "l13.yaml")
        build = [sys.executable, "-m", "l13_assets", "build", "--force", "-q", "--source", source]
        timed([*build, "--out", str(Path(scratch) / "warm")], REPO)  # page cache and font caches, both sides
        timed(["sh", str(args.chain), str(Path(scratch) / "peer-warm")], REPO)
        for i in range(args.runs):
            peer.append(timed(["sh", str(args.chain), str(Path(scratch) / f"peer-{i}")], REPO))
            ours.append(timed([*build, "--out", str(Path(scratch) / f"build-{i}")], REPO))
    peer_median, ours_median = statistics.median(peer), statistics.median(ours)
    ratio = ours_median / peer_median
    print(f"cold build against the peer chain, median of {args.runs} alternating runs, {os.cpu_count()} cores")
    print(f"  peer chain            {peer_median:6.3f} s   (runs: {min(peer):.3f} to {max(peer):.3f} s)")
    print(f"  l13-assets --force    {ours_median:6.3f} s   (runs: {min(ours):.3f} to {max(ours):.3f} s)")
    verdict = "at or below" if ratio <= TARGET else "above"
    print(f"  ours / peer           {ratio:6.2f}     ({verdict} the {TARGET} target)")


if __name__ == "__main__":
    main()
