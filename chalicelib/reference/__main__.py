"""`make openapi`: write the description, the reference page and the collection to docs/.

python -m chalicelib.reference [--out docs]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import app  # noqa: F401 (registers every route)
from chalicelib.reference import collection, openapi, page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    document = openapi.build()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files(document, args.out).items():
        (args.out / name).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / name}")
    count = sum(1 for _path, _method, _op in openapi.operations(document))
    print(f"{count} operations on {len(document['paths'])} paths")
    return 0


def files(document: dict[str, Any], out: Path) -> dict[str, str]:
    """The generated files of `out`, by name (tests compare docs/ with these)."""
    # The static page loads the vendored Redoc by a relative path: it opens from a clone.
    redoc = Path(os.path.relpath(page.REDOC, out.resolve())).as_posix()
    return {
        "openapi.json": openapi.dump(document),
        "index.html": page.html(document, redoc_src=redoc),
        "ocp.postman_collection.json": openapi.dump(collection.build(document)),
    }


if __name__ == "__main__":
    sys.exit(main())
