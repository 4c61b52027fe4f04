"""Every number and fixed name of the web application, with its unit, in one place."""

from __future__ import annotations

from simulator.units import BYTES_PER_MB

DEFAULT_HOST = "127.0.0.1"
"""Interface the server listens on: this computer only, unless the user asks otherwise."""

FREE_PORT = 0
"""``--port 0``: let the operating system choose a free port."""

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Names of this computer a page on the loopback interface answers to."""

LISTEN_BACKLOG = 64
"""Connections the operating system queues before the server accepts them."""

LANG_COOKIE = "tuopin-lang"
"""Cookie that remembers the language a visitor switched to."""

FONT_CACHE_SECONDS = 24 * 60 * 60
"""How long a browser keeps the CJK font before asking again [s]."""

MAX_UPLOAD_BYTES = 20 * BYTES_PER_MB
"""Largest scenario or registry file accepted [bytes] (a 3,000-household registry is < 1 MB)."""

UPLOAD_FILES = 2
"""Files one start form can carry (a scenario and a registry)."""

MULTIPART_OVERHEAD_BYTES = 64 * 1024
"""Room for the start form's other fields and boundaries in an upload request [bytes]."""

UPLOAD_CHUNK_BYTES = 64 * 1024
"""Bytes read from an upload at a time while checking its size [bytes]."""

MAX_FILENAME_CHARACTERS = 120
"""Longest original file name kept for display [characters]."""

POLL_SECONDS = 1
"""How often the progress page asks for news of a running job [s]."""

PROGRESS_STEP = 0.01
"""Progress reported from the worker when it moved by at least this share of a stage."""

CANCEL_WAIT_SECONDS = 5.0
"""Time a cancelled worker is given to end before it is killed [s]."""

TABLE_PAGE_ROWS = 100
"""Households shown per page of the allocation table."""

SEARCH_DELAY_MS = 300
"""Pause after the last keystroke before the household table is searched [ms]."""

SEARCH_MAX_CHARACTERS = 60
"""Longest search text the allocation table accepts [characters]."""

REGISTRY_SUFFIXES = (".csv", ".xlsx", ".xls")
"""Registry files the loader reads (what the CLI's --registry takes)."""

SCENARIO_SUFFIXES = (".toml",)
"""Scenario files."""

UPLOADED_REGISTRY = "registry"
UPLOADED_SCENARIO = "scenario.toml"
"""Server-chosen names of the uploaded files in a run's upload folder (the registry keeps its
suffix, which tells the loader nothing: it reads the bytes)."""

DEFAULT_SCENARIO_NAME = "ruyuan-2016"
"""Scenario selected on the start page."""

DOWNLOADS = ("proposal.html", "proposal.xlsx", "proposal.docx", "proposal.pdf",
             "allocation.csv", "summary.json", "manifest.json")
"""Files a planner may take away, in the order they are listed."""

TECHNICAL_FILES = frozenset({"summary.json", "manifest.json"})
"""Downloads for analysts and scripts, listed apart under 技术文件."""

DOWNLOAD_STEMS = {"proposal": "预算方案", "allocation": "分户安排"}
"""What each file is called in its download name ({县}_{方案}_{日期}_预算方案.xlsx)."""

CHARTS = ("outlays_by_year", "exits_by_year", "income_fan", "comparison", "frontier",
          "tornado")
"""The proposal's charts (SVG files in the run directory), in the order they are shown."""

WEB_RESULTS = "web-results.json"
WEB_PATHS = "web-income-paths.npz"
"""Files only the web page reads, written with the run's outputs: the cover table, household
table and reasons in both languages, and income paths per household."""

INCOME_BAND = (5, 95)
"""Percentiles of the income band drawn on a household's page [percent]."""

CHART_WIDTH, CHART_HEIGHT = 640, 300
CHART_MARGIN = 48
"""Size and margin of the household income chart [CSS pixels]."""

CHART_LEVELS = 4
"""About how many grid lines the household income chart has above zero."""

WORKERS = 1
"""Engine worker processes of a web run (the run itself is one worker process)."""

PREVIEW_REPLICATIONS = 20
"""Replications of a 预览 run: a minute or less on a county, figures within a few per cent of a
full run's, and every document marked as not for filing (engineering choice)."""

MAX_RUN_NAME_CHARACTERS = 60
MAX_RUN_NOTE_CHARACTERS = 500
"""Longest name and note a planner gives a run (longer text is cut)."""

STAGE_SECONDS: dict[str, float] = {
    "simulating every package (in-sample)": 5.2,
    "solving the allocation": 9.8,
    "the plan without the coverage rule": 7.5,
    "simulating every package (fresh replications)": 4.7,
    "the plan's incomes (fresh replications)": 3.3,
    "budget frontier": 2.9,
    "smallest budget meeting the exit targets": 0.1,
    "sensitivity": 19.7,
    "writing the proposal": 3.5,
    "income paths of the best alternatives": 3.0,
}
"""The main job's stages in the order they run, with their seconds on ruyuan-2016 at 200
replications with an empty run cache (benchmarks/main_job.py, cold; the web page's own last
stage a guess): the time left is these, scaled by how the stages done so far compared with
them."""

REGISTRY_TEMPLATE_NAME = "农户名册模板.xlsx"
"""The name the registry template is saved under."""

MAX_DOWNLOAD_NAME_CHARACTERS = 80
"""Longest name a download is saved under, before its suffix [characters]."""
