"""The assessor stages of an evaluation round, in the order they happen in a year.

* ``mandiri``: the unit's self-assessment (penilaian mandiri);
* ``tpi_eselon1``: the preliminary review some ministries run at the eselon I unit (its own TPI,
  a Ditjen's or Badan's) before the ministry's TPI; agency exports call it ``Jawaban TPI`` when
  they also have a ``Jawaban TPI Itjen``/``Kementerian`` column, or ``Jawaban TPI Eselon I``;
* ``tpi``: the agency's internal evaluation team (Tim Penilai Internal, usually the Itjen or
  Inspektorat): the result proposed to KemenPANRB, to which TPN applies its pre-evaluation gate;
* ``tpn``: the national team (Tim Penilai Nasional).

Every list of stages in the project (store checks, CLI choices, pages, charts) comes from here.
"""

from __future__ import annotations

STAGES: tuple[str, ...] = ("mandiri", "tpi_eselon1", "tpi", "tpn")
ASSESSOR_STAGES: tuple[str, ...] = STAGES[1:]  # reviews by someone else than the unit: notes to follow up
STAGE_RANK: dict[str, int] = {stage: rank for rank, stage in enumerate(STAGES)}
