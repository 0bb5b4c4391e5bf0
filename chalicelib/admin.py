"""Operator commands, run against whichever AWS endpoint the settings name.

  python -m chalicelib.admin create-enterprise --name "Acme"

prints the new enterprise id and its secret, once: only its encryption is kept.
"""
from __future__ import annotations

import argparse
import sys

from chalicelib.store import enterprises


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-enterprise", help="create an enterprise")
    create.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    if args.command == "create-enterprise":
        made = enterprises.create(args.name)
        print(f"enterprise id: {made.eid}\nsecret:        {made.secret}")
        print("Keep the secret now: it is stored only encrypted and cannot be shown again.",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
