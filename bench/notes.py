"""The prose bench/RESULTS.md carries beside the tables bench/run.py measures: how each section was
measured, and, per row, where the time goes and what was tried. Kept apart from the code that
measures and formats; edit it when a change makes it wrong."""

RESULTS_HEAD = """# Benchmark results (issue #7)

Written by `python bench/run.py` (do not edit by hand). Every ratio is measured against its floor
in the same run, alternating the two; times are medians of wall-clock time (CPU time of the
process, all threads, beside it where it is more stable on a shared machine). A page is "ready"
in the recipe's sense (`[data-testid="stApp"][data-test-script-state="notRunning"]`, the page's
title drawn); "drawn" also waits for the table's grid. Each server keeps its first tab
open during the warm navigations, as a dashboard in use has a visitor (Streamlit drops its compiled
scripts when the last tab of a server closes). How each figure is measured: the docstrings of
bench/run.py, bench/scoring.py and bench/servers.py.

"""

GROWTH_HEAD = """## Growth (issue #14.6): 1,000, 10,000 and 100,000 units

Written by `python bench/run.py --growth` (bench/growth.py). Each size is a national database of
bench/national.py (3 stages x 127 answers a unit); each measure runs in a fresh process of its own
(the median of 3 repetitions after one untimed), so its peak RSS is its own. The growth exponent is
the least-squares slope of log(cost) against log(units); memory is fitted on the peak above the
process's RSS after its imports (the same at every size).

"""

SCALEOUT_HEAD = """## Scale-out (issue #13): PostgreSQL, concurrent importers, replicas behind nginx

Written by `python bench/run.py --only 4` (bench/scaleout.py). A throw-away PostgreSQL cluster
(Debian's binaries, fsync on) receives the national database through `copy-db`; each ratio is
against its floor in the same run.

"""

SCALEOUT_NOTES = """
- 6. The PostgreSQL path fetches the rounds as Arrow (ADBC, one snapshot) into an in-memory DuckDB
  and runs the same SQL and numpy scoring. A round's answers cross the wire as two fields a row
  (key and option code packed in one BIGINT, and the number) instead of five: the driver's CPU
  follows the fields (3.8 million rows: 0.94 s of client CPU for five, 0.50 s for two), and the
  option's text, which the database's CHECK makes the key answer_option numbers, is given back by
  a DuckDB view. The answers are read in one scan: a row that does not pack (a text that is no
  option key) is marked in it and fetched whole only when there is one; before, a second query
  scanned every answer to find none (0.27 s) and the first filtered with a WHERE (the fetch 1.19 ->
  0.84 s in a side-by-side run). Most of what is left is PostgreSQL producing the 3.8 million rows
  and the driver reading them (the bare fetch without the mark: 0.72 s); two connections sharing
  one snapshot, each fetching half, were slower (0.82 s: the driver's reads did not run at once).
- 7. Each importer is a process storing one 127-answer round at a time with `save_rounds` (the
  import's validation, the round's advisory lock, the comparison with what is stored, one
  transaction with its audit row and a durable commit); reading the workbooks is left out (it is
  the same on both backends and runs in parallel anyway). The DuckDB file takes one writer at a
  time, each opening the national-size file. CPU is counted on both sides: the importer processes'
  own, and PostgreSQL's (the postmaster, its live backends and those that ended, autovacuum and
  the WAL writer included). Nothing makes importers of different rounds wait for each other: no
  common lock, and sampled `pg_stat_activity` shows their backends idle in the transaction
  waiting for the client, or flushing the WAL. What limits them is CPU: undisturbed, one importer
  alone keeps more than half a core busy (the ceiling row gives its fastest run), so 2.5 times its
  rate needs about one and a half of the two cores for importing alone. The ceiling row is what
  two cores doing nothing else would allow at the CPU a round four importers take (more than one
  alone takes: four processes contend for the caches and the WAL): about 2.5x at best. On this
  shared machine the other sessions kept both cores busy through every run (the load average is
  beside each row), so four importers got a share of them, not both, and the runs vary as much as
  the listed rates show. Meeting the target takes more cores than two, or two left to the import.
- 8. Both figures navigate the same two replicas (PostgreSQL), alternating, each navigation in a new
  browser context (no cache): through nginx (sticky on the `_streamlit_xsrf` cookie, upstream
  keepalive, unbuffered with 128 KiB reads) and straight to one replica.
"""

WHERE_THE_TIME_GOES = """
Where the time goes, and what stands in the way of each missed target (figures measured on this
machine while other work shared its 2 cores; the rows above are this run's):

- 1. Re-score. store.round_data hands each answer over as one 32-bit cell (place and option code,
  answers.answer_option since migration 6: no text is cast) and, from a second scan run at the same
  time on another cursor of the connection, the numbers with their cells, both evaluation-major;
  numpy transposes the codes (and a complete round's numbers, as one block), then scores a
  complete round leaf by leaf while the leaf is in cache, items decoded with take() and added in
  the reference scorer's order, the two halves of the evaluations on two threads
  (zi_metrics/bulk/rounds.py); the rules are whole-column comparisons written straight into their
  rows. Every figure is equal to the bit to the earlier path's. The two scans cost about the
  floor's own aggregation (CPU 1.1-1.3x: both read the same 3.8 million rows), the numpy scoring
  about 0.4x and the rules 0.1x: the scans alone leave 0.3x for the rest, and that is what stands
  in the way of 1.5x. Opening the file: a read now attaches it to the process's one DuckDB
  instance (about 2 ms of CPU; duckdb.connect built a new instance each time, 13 ms), which made
  both sides faster (quiet machine: re-score 96 -> 57 ms, floor 45 -> 21 ms, so the ratio grew to
  2.7x); after a national scan the instance is closed, because its allocator kept the scans' freed
  pages (the overview's peak, row 5, was 30 MiB higher), so the next read builds a new one: 85 vs
  36 ms in this run. Tried: reading the numbers in a second
  scan matched to the cells by position (DuckDB keeps a plain scan's order) instead of with their
  cells: 13 ms less DuckDB CPU, as much more numpy work (CPU 177 vs 171 ms over 20 alternating
  runs), and an order the store could only check by its count: discarded. Rolling items up inside
  DuckDB (GROUP BY evaluation x sub-area: 390,000 groups) costs about three floor passes (see
  zi_metrics/store/national.py). Numbers in the codes' scan (a second column, or packed into a
  64-bit cell): 45 and 53 ms of CPU against 37 ms for the two scans. Shifts instead of products in
  the cell arithmetic: slower in DuckDB. Weighed, not built: scoring one block of evaluations while DuckDB
  reads the next, so that the numpy work overlaps the scans. On 2 cores the whole re-score needs
  1.74x the floor's CPU; to end within 1.5x of the floor's wall time it would have to keep 1.74
  cores busy from start to end, while the scans by themselves keep 1.4 (CPU 90 ms in 63 ms) and the
  floor 1.5: overlapping cannot find the missing core time, and splitting the scans into blocks adds
  a query per block.
- 3. Overview. A warm run costs the server about 0.05 s of CPU (AppTest); a cold one 2.3-3 s, of
  which about 1 s is importing pandas, pyarrow and plotly on the first visit (the empty page imports
  none of them), 0.47 s scoring the national round, 0.54 s the sidebar's lists, 0.24 s the first
  plotly figure (the heatmap), 0.24 s the roll-up, 0.17 s the demo-row check and 0.23 s opening
  DuckDB eleven times; the damage check of #15.4 then added a read of every stored value for each
  new Store (214 ms of CPU here; the dashboard makes one per cache miss): a Store now skips it for a
  database this process found whole at the same data version (25 ms), and the sidebar's reads share
  one connection, a cold run 2.55 -> 2.3 s of CPU. The rest is the browser (plotly.js, the table).
  Importing the libraries when the server starts would take the import second out of the cold
  navigation, but then the server would start at the stack floor's memory (2.4x the empty server),
  against row 5's at-start target. The browser's side of a warm navigation (CDP profile of the
  main thread, 4 navigations each, 2026-12-04 evening): about 1.03 s busy for the overview against
  0.53 s for the empty page; the difference is native style and layout (+120 ms), React (+70 ms),
  markdown rendering (+50 ms, 39 markdown blocks: labels, captions, metrics), emotion's styles
  (+48 ms), DOM insertion (+45 ms) and loading the elements' lazy chunks (+25 ms). The roll-up's grid
  (up to 100 parents, every row drawn so that the page scrolls and the grid does not) is about
  160 ms of it: in one run of 9 alternating navigations the page without the roll-up was 1.52x the
  empty page against 1.77x with it, and a roll-up 8 rows high (scrolling inside) 1.70x, within
  noise of the full one; a grid scrolling inside a scrolling page for that was not landed.
- 4. Slider. `--only slider` runs this row alone. The fragment held two data grids (the rules of WBK
  and WBBM) and each slider sat with its typed twin in three column blocks: the rules are now plain
  HTML tables (ui.display.html_table, one element each, no Arrow, no grid), each pair one flex row,
  the metrics one row, and the fragment's texts use the run's language without a session and URL
  read per text. Server CPU per move (/proc of the server, 24 moves each, alternating, load 10.7):
  27.9 -> 15.8 ms; wall in that run 344 -> 273 ms; 49 messages a move instead of 69. What is left: 9
  sliders and 8 typed twins (every widget of a fragment is sent and redrawn on each of its reruns; a
  slider outside the fragment would rerun the whole page), and the radar, which the browser builds
  anew on every move: st.plotly_chart's element id includes its spec and the frontend keys the chart
  by that id, so each move unmounts the plot and runs Plotly.newPlot instead of Plotly.react (about
  a third of the browser's script time per move). Tried: a key-only id for the radar (patching the
  id computation): the chart then keeps its first figure and never redraws, so not a way: Streamlit
  1.67's chart component takes its figure from the spec once, when it mounts (a state initialiser),
  and afterwards only re-themes it, so only a new element id (a remount, Plotly.newPlot) shows a new
  spec. What a chart of our own calling Plotly.react (a components-v2 element) would save, measured
  in the page on the radar's own data and layout (12 changes each, window.Plotly being the copy
  Streamlit's chart chunk loads): Plotly.newPlot 21-28 ms, Plotly.react 17-18 ms, so under 10 ms of
  a move: not built. The bare app redraws one line of text. A CPU profile of the browser's main
  thread over 12 moves (CDP Profiler, 2026-12-04 17:15, the slower host): 237 ms busy a move, of
  which 66 ms native (style, layout, paint), plotly.js 32 ms (and 6 ms of forced layout measuring
  the radial axis's title), React 26 ms, Streamlit's own code 16 ms, CSS-in-JS (emotion,
  styled-components) 19 ms restyling the redrawn widgets, the sliders' own layout effect 3 ms (each
  re-rendered slider measures its thumb). On the server a move is the small part (about 16 ms of
  CPU). The typed twins now keep no text of their own (Simulasi's burst fix): the same wall time
  within noise (205/195 ms before, 215/208 ms after, alternating runs).
- 5. Memory. Against the stack floor (/proc/PID/smaps of both servers after their pages): the
  floor imports duckdb but never opens a database; the dashboard opens the file, checks it (#15.4)
  and runs the overview's queries, which page in 40 MiB of DuckDB's shared library against the
  floor's 9 (+31 MiB of code, the same for any process that reads a DuckDB file); other libraries'
  code +8 MiB (Arrow compute, numpy, pandas' string kernels); anonymous memory +35 MiB: the cached
  data as Python objects (about 20 MiB traced at 10,000 units: the overview table 8.5, of which
  the failing rules' tuples about 6; the unit fields and Unit objects 5; the round's evaluated ids
  1.2; the demo rows 1), Streamlit's state for the page, and what the scans and the scoring leave
  behind. The peak itself comes while the round is read, about 9 MiB above what stays: DuckDB's
  buffer pool holds the scanned blocks and the results (+40 MiB over the caches for 0.2-0.3 s,
  freed when the connection closes; 4-5 MiB of it from running the codes and numbers scans at once
  on a side cursor, which saves about 60 ms). Done: the demo rows as one set of unit ids per round,
  equal sets shared, instead of a tuple per round and two indexes (-16 MiB); Arrow's system pool
  and a fixed 64 KiB glibc mmap threshold in the server (ui/memory.py, -23 MiB: Arrow's mimalloc
  and glibc's raised threshold kept what the scans freed); the national reads fetched as numpy
  instead of through an Arrow table (-4 MiB); one object per repeated unit value and Unit with
  slots (-2 MiB); with the heatmap drawn on demand: 300 -> 256 MiB at load 10-15 (1.76x -> 1.50x).
  Tried without a change of the peak: a DuckDB memory_limit of 16 or 64 MB and one thread for the
  reads, malloc_trim after each run (RSS -4 MiB, the peak unchanged), building the table in rank
  order instead of sorting a copy, earlier MALLOC_ARENA_MAX=1 and 2 and DuckDB's
  allocator_flush_threshold. What stands in the way of 1.3x (221 MiB): the floor plus DuckDB's code
  is already 201 MiB, leaving 20 MiB for the app's data, its modules, Streamlit's session and the
  read of a round, whose scans alone take 40 MiB for a moment; it would take the round read in
  pieces small enough for DuckDB's buffers (each piece its own connection, which the one-snapshot
  read rules out today) and the cached tables kept as columns (no Python object per unit or
  failing rule, the rule texts built only for the rows shown).
- 9. score-lke as a process needs about 200 ms of CPU against LibreOffice's 1.1-1.3 s (0.18x); in
  wall time the ratio follows how the load treats the two processes (0.12x at load 18-30, 0.26x at
  20-37). evaluate: importing the package took 76 ms because zi_metrics/__init__ imported gaps and
  what-if as well; its names are now imported on first use (22 ms), and the whole process needs
  about 90 ms of CPU. Its wall time follows the machine's load. This machine sets
  PYTHONDONTWRITEBYTECODE, so no process wrote the app's bytecode and every start compiled its
  modules from source: 43 ms of score-lke's 160 ms (0.21x in one run). A user's first run writes it;
  the benchmark now writes it before it starts (bench/run.py app_bytecode): score-lke 115 ms.
- 10. Import under load. An import needs 1.0-1.4 s of CPU, about half of it Python imports (pandas
  through the store package, pyarrow, DuckDB, openpyxl, calamine), the same loaded or idle. The
  turnstile never waited. Opening the file took 75 ms a time idle (7 opens an import, now 4: the
  import's checks read through one connection, Store.reads_together); under load the write's open
  waits for the server's reads already running (each session's first run after an import reloads
  the round), and its retry step grew to 0.5 s: 1.69 s of opening in one loaded run. A writer now
  looks again every 50 ms at most (it holds the turnstile, so no new reader comes in): 0.37 s in
  the next loaded run. The rest of the loaded import's time is waiting for a core while Chromium and
  the server draw the sessions' pages (CPU contention); the idle figure itself moved between 1.5
  and 5 s with the other work on the machine, so the ratio ran 1.17x, 1.86x and 3.43x in three runs.
"""
