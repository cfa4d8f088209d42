"""Long fault-injection run: kill an editing process many times, report what survived.

    python benchmarks/killtest.py --kills 1000            # fork server (fast starts)
    python benchmarks/killtest.py --kills 50 --spawn      # a fresh interpreter per kill

Prints kills, acknowledged edits by kind, lost edits and corrupt stores (both must be 0), and
the time taken. Results go in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.killing import run_kills  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spawn", action="store_true", help="fresh interpreter per kill")
    ap.add_argument("--max-delay", type=float, default=0.2, help="seconds of work before a kill")
    ap.add_argument(
        "--edits-first",
        type=int,
        default=12,
        help="fork server: kill after a random 0..N acknowledged edits, then the delay",
    )
    ap.add_argument("--encrypted", action="store_true", help="a SQLCipher store")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = run_kills(
            Path(tmp) / "kills",
            args.kills,
            args.seed,
            fork_server=not args.spawn,
            max_delay=args.max_delay,
            max_edits_first=0 if args.spawn else args.edits_first,
            passphrase="benchmark passphrase" if args.encrypted else None,
        )
    mode = ("spawn" if args.spawn else "fork server") + (", encrypted" if args.encrypted else "")
    print(f"mode: {mode}, seed {args.seed}")
    print(f"kills: {r.kills}")
    print(f"acknowledged edits: {r.acknowledged} {dict(sorted(r.by_kind.items()))}")
    print(f"lost edits: {len(r.lost)}")
    print(f"corrupt stores: {len(r.corrupt)}")
    print(f"time: {r.seconds:.1f} s ({r.seconds / max(r.kills, 1) * 1000:.0f} ms per kill)")
    for line in (r.lost + r.corrupt)[:20]:
        print("  ", line)
    return 1 if r.lost or r.corrupt else 0


if __name__ == "__main__":
    sys.exit(main())
