"""Run one benchmark step in this process and print its result as one JSON line.

python -m bench.child STEP '{"ws": "...", ...}'
"""

from __future__ import annotations

import json
import sys

from bench.steps import STEPS


def main() -> None:
    step, args = sys.argv[1], json.loads(sys.argv[2])
    result = STEPS[step](**args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
