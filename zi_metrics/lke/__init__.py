"""Readers and writers of the official LKE layouts and PortalRB payloads (issue #5).

For a data page, the calls are:

* :func:`read_file` (any upload -> :class:`ParsedLke` or :class:`ParsedRecap`, with ``problems``
  and ``fatal``) and :func:`score_document` (the ``evaluate`` JSON of what was read);
* :func:`prepare_import` (read + plan + score + compare with the store; writes nothing) and
  :func:`commit_import` (one transaction; nothing when fatal or unchanged);
* :func:`export_recap`, :func:`export_lke`, :func:`export_payload` and :func:`recap_template`.

Layouts: ``lampiran3`` (PermenPANRB 90/2021 Lampiran III "LKE ZI" sheet), ``jawaban`` (PortalRB
2026 "Jawaban" workbook), ``payload`` (PortalRB answer JSON), ``recap`` (area points per unit).
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are imported on first use, so that ``zi_metrics.lke.cli`` (registered by every CLI start)
# does not pull in the store, pandas and DuckDB for a command that does not need them.
_WHERE = {
    "MAX_FILE_BYTES": "common", "ParsedLke": "common", "Problem": "common",
    "ExportError": "export", "build_recap_workbook": "export", "export_lke": "export",
    "export_payload": "export", "export_recap": "export",
    "ImportPreview": "importer", "ImportResult": "importer", "PlannedRound": "importer",
    "commit_import": "importer", "import_file": "importer", "prepare_import": "importer",
    "read_jawaban": "jawaban",
    "build_lampiran3": "lampiran3", "read_lampiran3": "lampiran3", "write_lampiran3": "lampiran3",
    "build_payload": "payload", "read_payload": "payload",
    "evaluate_parsed": "reader", "read_bytes": "reader", "read_file": "reader", "score_document": "reader",
    "score_parsed": "reader",
    "ParsedRecap": "recap", "RecapRow": "recap", "read_recap": "recap", "recap_template": "recap",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'zi_metrics.lke' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zi_metrics.lke.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "MAX_FILE_BYTES", "ExportError", "ImportPreview", "ImportResult", "ParsedLke", "ParsedRecap",
    "PlannedRound", "Problem", "RecapRow", "build_lampiran3", "build_payload", "build_recap_workbook",
    "commit_import", "evaluate_parsed", "export_lke", "export_payload", "export_recap", "import_file",
    "prepare_import", "read_bytes", "read_file", "read_jawaban", "read_lampiran3", "read_payload",
    "read_recap", "recap_template", "score_document", "score_parsed", "write_lampiran3",
]


def __dir__() -> list[str]:
    return sorted(__all__)
