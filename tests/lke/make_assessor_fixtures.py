"""Write tests/fixtures/assessors/: an agency's working copy with three assessors, a two-row header
and a title row (built by ``test_lke_assessors.agency_export``), saved by LibreOffice as ``.ods``
and ``.xls`` as units send them. Run by hand (needs LibreOffice's ``soffice``; CI does not):
``python tests/lke/make_assessor_fixtures.py``. The tests compare what the reader finds in them
with the answers the builder wrote."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "assessors"
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from lke_builders import to_bytes  # noqa: E402
from test_lke_assessors import FIXTURE_VARIANT, agency_export  # noqa: E402


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    wb, _ = agency_export(**FIXTURE_VARIANT)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "kertas-kerja-tpi.xlsx"
        src.write_bytes(to_bytes(wb))
        for fmt in ("ods", "xls"):
            subprocess.run(["soffice", "--headless", "--calc", "--convert-to", fmt, "--outdir", str(OUT), str(src)],
                           check=True, capture_output=True, timeout=300)
    print("wrote", sorted(p.name for p in OUT.iterdir()))


if __name__ == "__main__":
    main()
