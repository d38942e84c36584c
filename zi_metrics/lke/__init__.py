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

from zi_metrics.lke.common import MAX_FILE_BYTES, ParsedLke, Problem
from zi_metrics.lke.export import ExportError, build_recap_workbook, export_lke, export_payload, export_recap
from zi_metrics.lke.importer import (
    ImportPreview,
    ImportResult,
    PlannedRound,
    commit_import,
    import_file,
    prepare_import,
)
from zi_metrics.lke.jawaban import read_jawaban
from zi_metrics.lke.lampiran3 import build_lampiran3, read_lampiran3, write_lampiran3
from zi_metrics.lke.payload import build_payload, read_payload
from zi_metrics.lke.reader import evaluate_parsed, read_bytes, read_file, score_document, score_parsed
from zi_metrics.lke.recap import ParsedRecap, RecapRow, read_recap, recap_template

__all__ = [
    "MAX_FILE_BYTES", "ExportError", "ImportPreview", "ImportResult", "ParsedLke", "ParsedRecap",
    "PlannedRound", "Problem", "RecapRow", "build_lampiran3", "build_payload", "build_recap_workbook",
    "commit_import", "evaluate_parsed", "export_lke", "export_payload", "export_recap", "import_file",
    "prepare_import", "read_bytes", "read_file", "read_jawaban", "read_lampiran3", "read_payload",
    "read_recap", "recap_template", "score_document", "score_parsed", "write_lampiran3",
]
