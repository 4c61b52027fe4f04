"""The web application: routes, each rendering a server-side template (Jinja2) or a fragment
that htmx swaps in.

    app = create_app(Path("/tmp/work"), lang="zh")

Pages: ``/`` (start: scenario and registry), ``/runs/<id>/settings`` (budgets and choices),
``/runs/<id>`` (progress, then results, or the error), ``/runs/<id>/households`` (the allocation
table), ``/runs/<id>/households/<household>`` (one household), ``/compare`` (two runs), and
``/runs/<id>/files/<name>`` (downloads and charts, from a fixed list of names).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from simulator.errors import Problem, TuopinError
from simulator.fonts import cjk_font_path
from simulator.labels import LANGUAGES
from simulator.progress import stage_text
from simulator.scenario import load_scenario
from simulator.scenario.loader import bundled_scenarios, parse_override
from simulator.web import forms, uploads
from simulator.web.runs import Busy, Run, RunManager, Status, seconds_left
from simulator.web.settings import (
    BYTES_PER_MB,
    DEFAULT_SCENARIO_NAME,
    FONT_CACHE_SECONDS,
    LANG_COOKIE,
    MAX_RUN_NAME_CHARACTERS,
    MAX_RUN_NOTE_CHARACTERS,
    MAX_UPLOAD_BYTES,
    MULTIPART_OVERHEAD_BYTES,
    POLL_SECONDS,
    REGISTRY_SUFFIXES,
    REGISTRY_TEMPLATE_NAME,
    SCENARIO_SUFFIXES,
    SEARCH_DELAY_MS,
    SEARCH_MAX_CHARACTERS,
    STAGE_SECONDS,
    TABLE_PAGE_ROWS,
    UPLOAD_FILES,
    UPLOADED_REGISTRY,
    UPLOADED_SCENARIO,
)
from simulator.web.views import Filters, Results, comparison, number_text, output_file
from simulator.web.words import word

SEE_OTHER = 303
BAD_REQUEST, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE = 400, 403, 404, 409, 413
INTERNAL_ERROR = 500
"""HTTP status codes (RFC 9110) the pages answer with."""


def _templates() -> Environment:
    environment = Environment(loader=PackageLoader("simulator.web", "templates"),
                              autoescape=select_autoescape(["html"]))
    environment.filters["number"] = number_text
    environment.filters["percent"] = lambda p: "—" if p is None else f"{float(p):.0%}"
    return environment


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def create_app(root: Path | None = None, *, lang: str = "zh", start_method: str = "spawn",
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The application; runs are kept under ``root``, which outlives the server (its runs are
    listed again by the next server on it; default: a new temporary directory, removed when
    the server stops). ``lang`` is the language until a visitor switches.
    ``allowed_hosts``: the host names a request may be addressed to (``tuopin serve`` on
    127.0.0.1 allows only the loopback names, so a web site cannot reach the page through a
    name of its own); None allows any."""
    own_root = root is None
    work = Path(tempfile.mkdtemp(prefix="tuopin-serve-")) if root is None else Path(root)
    # a workspace the caller gives outlives the server: its runs are listed again next time
    manager = RunManager(work / "runs", start_method=start_method)
    templates = _templates()
    formats = _formats()
    read: dict[str, Results] = {}  # a finished run's files never change: read them once

    registries: dict[str, Any] = {}  # a draft's households, read when its inputs were

    def households_of(run: Run) -> Any:
        """The run's households (read once: the settings page asks on every showing which
        measures they may take)."""
        if run.id not in registries:
            registries[run.id] = _population_or_none(load_scenario(run.scenario),
                                                     run.registry_path)
        return registries[run.id]

    def results_of(run: Run) -> Results:
        if run.id not in read:
            read[run.id] = Results(run)
        return read[run.id]

    def language(request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE, lang)
        return chosen if chosen in LANGUAGES else lang

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        current = language(request)
        context.setdefault("title", word("app_title", current))
        html = templates.get_template(name).render(
            lang=current, t=lambda key, **values: word(key, current, **values),
            path=_here(request),
            active=manager.active, max_mb=max_upload_bytes // BYTES_PER_MB,
            colon="：" if current == "zh" else ": ", titles=_scenario_titles(current),
            field_name=lambda path: _field_name(path, current),
            run_date=lambda run: time.strftime("%Y-%m-%d %H:%M", time.localtime(
                run.finished or run.started)) if (run.finished or run.started) else "—",
            setting_text=lambda override: forms.setting_text(override, current),
            setting_path=lambda override: parse_override(override)[0], **context)
        return HTMLResponse(html, status_code=status)

    def run_or_404(request: Request) -> Run:
        run = manager.get(request.path_params["run_id"])
        if run is None:
            raise _NotFound
        return run

    # -- start ------------------------------------------------------------------------------

    async def start_page(request: Request) -> HTMLResponse:
        return page(request, "start.html", scenarios=_scenario_names(),
                    chosen=DEFAULT_SCENARIO_NAME)

    async def start(request: Request) -> Response:
        current = language(request)
        declared = int(request.headers.get("content-length") or 0)
        if declared > UPLOAD_FILES * max_upload_bytes + MULTIPART_OVERHEAD_BYTES:
            return page(request, "start.html", TOO_LARGE, scenarios=_scenario_names(),
                        chosen=DEFAULT_SCENARIO_NAME,
                        message=word("too_large", current, name="",
                                     mb=max_upload_bytes // BYTES_PER_MB))
        form = await request.form(max_files=UPLOAD_FILES)
        chosen = str(form.get("scenario_name", DEFAULT_SCENARIO_NAME))

        def again(status: int, message: str = "", problems: Any = ()) -> HTMLResponse:
            return page(request, "start.html", status, scenarios=_scenario_names(),
                        chosen=chosen, message=message, problems=problems)

        scenario_upload, registry_upload = form.get("scenario_file"), form.get("registry_file")
        scenario_name = _named(scenario_upload)
        registry_name = _named(registry_upload)
        if not scenario_name and chosen not in _scenario_names():
            return again(BAD_REQUEST, word("unknown_scenario", current, name=chosen))
        for name, allowed in ((scenario_name, SCENARIO_SUFFIXES),
                              (registry_name, REGISTRY_SUFFIXES)):
            if name and uploads.suffix_of(name, allowed) is None:
                return again(BAD_REQUEST, word("wrong_suffix", current, name=name,
                                               suffixes=", ".join(allowed)))
        run = manager.new_run(chosen, chosen)
        try:
            if scenario_name:
                target = run.upload_dir / UPLOADED_SCENARIO
                await uploads.save_upload(scenario_upload, target, max_upload_bytes)
                run.scenario, run.scenario_label = str(target), scenario_name
            if registry_name:
                suffix = uploads.registry_suffix(registry_name)
                target = run.upload_dir / f"{UPLOADED_REGISTRY}{suffix}"
                await uploads.save_upload(registry_upload, target, max_upload_bytes)
                run.registry_path, run.registry_label = target, registry_name
        except uploads.UploadTooLarge as exc:
            manager.discard(run)
            return again(TOO_LARGE, word("too_large", current, name=exc.name,
                                         mb=exc.limit // BYTES_PER_MB))
        try:
            loaded = load_scenario(run.scenario)
            registry = registries[run.id] = _population(loaded, run.registry_path)
        except TuopinError as exc:
            located = uploads.locate(exc.problems, run.registry_path, run.display_source,
                                     current)
            manager.discard(run)
            return again(BAD_REQUEST, problems=located)
        run.lang = current
        run.households, run.people = registry.n_households, registry.n_people
        run.reading_notes = list(registry.reading_notes)
        return RedirectResponse(f"/runs/{run.id}/settings", SEE_OTHER)

    # -- settings ---------------------------------------------------------------------------

    def settings_page(request: Request, run: Run, status: int = 200,
                      problems: list[Problem] | None = None,
                      submitted: Any = None) -> HTMLResponse:
        current = language(request)
        base = load_scenario(run.scenario)
        try:
            shown = load_scenario(run.scenario, run.overrides)
        except TuopinError:
            shown = base
        return page(request, "settings.html", status, run=run,
                    sections=forms.form_fields(shown, current),
                    switches=forms.switches(shown, current, households_of(run)),
                    enterprises=forms.enterprise_rows(shown),
                    name_field=forms.RUN_NAME_FIELD, note_field=forms.RUN_NOTE_FIELD,
                    name_max=MAX_RUN_NAME_CHARACTERS, note_max=MAX_RUN_NOTE_CHARACTERS,
                    precision_field=forms.PRECISION_FIELD, preview_value=forms.PREVIEW,
                    enterprise_prefix=forms.ENTERPRISE_PREFIX,
                    scenario_name=shown.display_name(current),
                    placed=forms.problems_by_field(problems or [], current),
                    submitted=submitted or {},
                    input_prefix=forms.INPUT_PREFIX, switch_prefix=forms.SWITCH_PREFIX,
                    switches_marker=forms.SWITCHES_SUBMITTED,
                    base_name=base.display_name(current))

    async def settings(request: Request) -> Response:
        run = run_or_404(request)
        if run.status != Status.DRAFT:
            return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)
        return settings_page(request, run)

    async def start_run(request: Request) -> Response:
        run = run_or_404(request)
        if run.status != Status.DRAFT:
            return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)
        form = await request.form()
        values = {key: str(value) for key, value in form.items()}
        base = load_scenario(run.scenario)
        # one override a field: a preview's replications replace the form's
        by_path = {parse_override(o)[0]: o for o in [
            *forms.overrides_from_form(values, base), *forms.enterprise_overrides(values, base),
            *forms.precision_overrides(values)]}
        overrides = tuple(by_path.values())
        try:
            load_scenario(run.scenario, overrides)
        except TuopinError as exc:
            return settings_page(request, run, BAD_REQUEST, exc.problems, values)
        run.overrides, run.lang = overrides, language(request)
        _name_and_note(run, values)
        try:
            manager.start(run, formats)
        except Busy as busy:
            return page(request, "busy.html", CONFLICT, running=busy.run)
        registries.pop(run.id, None)  # the settings page is behind it
        return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)

    # -- running and results ----------------------------------------------------------------

    def progress_context(run: Run, current: str) -> dict[str, Any]:
        label, unit = stage_text(run.stage, run.unit, current)
        share = run.done / run.total if run.total else None
        left = seconds_left(run, time.time(), STAGE_SECONDS)
        remaining = word("time_left_unknown", current) if left is None else word(
            "time_left", current, minutes=int(left // 60), seconds=int(left % 60))
        return {"run": run, "stage": label or word("starting", current), "unit": unit,
                "share": share, "poll": POLL_SECONDS,
                "elapsed": round(time.time() - run.started), "remaining": remaining}

    async def show_run(request: Request) -> Response:
        run = run_or_404(request)
        manager.refresh()
        current = language(request)
        if run.status == Status.DRAFT:
            return RedirectResponse(f"/runs/{run.id}/settings", SEE_OTHER)
        if run.status == Status.RUNNING:
            return page(request, "progress.html", **progress_context(run, current))
        if run.status == Status.DONE:
            results = results_of(run)
            twin = manager.formal_twin(run) if results.preview else None
            return page(request, "results.html", run=run, results=results,
                        cover=results.cover(current), scenario_name=results.scenario_name(current),
                        against_formal=results.against_formal(results_of(twin)) if twin else None,
                        name_field=forms.RUN_NAME_FIELD, note_field=forms.RUN_NOTE_FIELD,
                        name_max=MAX_RUN_NAME_CHARACTERS, note_max=MAX_RUN_NOTE_CHARACTERS)
        located = uploads.locate([Problem(w, m, s) for s, w, m in run.problems],
                                 run.registry_path, run.display_source, current)
        return page(request, "failed.html", run=run, problems=located,
                    last_good=manager.last_good())

    async def progress(request: Request) -> Response:
        run = run_or_404(request)
        manager.refresh()
        if run.status != Status.RUNNING:
            return Response(status_code=200, headers={"HX-Redirect": f"/runs/{run.id}"})
        return page(request, "_progress.html", **progress_context(run, language(request)))

    async def cancel(request: Request) -> Response:
        run = run_or_404(request)
        manager.cancel(run)
        return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)

    async def again(request: Request) -> Response:
        run = run_or_404(request)
        derived = manager.derive(run)
        return RedirectResponse(f"/runs/{derived.id}/settings", SEE_OTHER)

    def results_or_404(run: Run) -> Results:
        if run.status != Status.DONE:
            raise _NotFound
        return results_of(run)

    async def households(request: Request) -> Response:
        run = run_or_404(request)
        results = results_or_404(run)
        current = language(request)
        query = request.query_params
        try:
            number = int(query.get("page", "1"))
        except ValueError:
            number = 1
        filters = Filters(q=query.get("q", "")[:SEARCH_MAX_CHARACTERS],
                          township=query.get("township", ""), village=query.get("village", ""),
                          category=query.get("category", ""), package=query.get("package", ""),
                          page=number)
        shown, count, pages = results.page_of(filters)
        page_number = min(max(filters.page, 1), pages)
        base = {k: v for k, v in vars(filters).items() if v and k != "page"}
        context = dict(run=run, results=results, rows=[results.row(i, current) for i in shown],
                       count=count, pages=pages, page_number=page_number, filters=filters,
                       options=results.options(current), years=results.web["plan_years"],
                       search_delay=SEARCH_DELAY_MS,
                       first=(page_number - 1) * TABLE_PAGE_ROWS + 1,
                       previous_url=f"?{urlencode({**base, 'page': page_number - 1})}",
                       next_url=f"?{urlencode({**base, 'page': page_number + 1})}")
        fragment = request.headers.get("HX-Request") == "true" and \
            request.headers.get("HX-Target") == "table"
        return page(request, "_table.html" if fragment else "households.html", **context)

    async def household(request: Request) -> Response:
        run = run_or_404(request)
        results = results_or_404(run)
        index = results.index_of(request.path_params["household_id"])
        if index is None:
            raise _NotFound
        current = language(request)
        return page(request, "household.html", run=run, row=results.row(index, current),
                    chart=results.income_chart(index), years=results.web["plan_years"])

    async def compare(request: Request) -> Response:
        finished = manager.finished()
        first = manager.get(request.query_params.get("a", ""))
        second = manager.get(request.query_params.get("b", ""))
        if len(finished) >= 2 and (first is None or second is None):
            first, second = finished[-2], finished[-1]
        result = None
        if first in finished and second in finished:
            result = comparison(results_of(first), results_of(second), language(request))
        return page(request, "compare.html", finished=finished, first=first, second=second,
                    result=result)

    async def runs_page(request: Request) -> Response:
        manager.refresh()
        runs = list(manager.runs.values())
        headlines = {r.id: results_of(r).headline() for r in runs if r.status == Status.DONE}
        return page(request, "runs.html", runs=runs, headlines=headlines,
                    changed={r.id: _changed_from(manager, r) for r in runs})

    async def rename_run(request: Request) -> Response:
        """A finished (or failed) run's name and note, changed after the run."""
        run = run_or_404(request)
        if run.status in (Status.DRAFT, Status.RUNNING):
            return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)
        form = await request.form()
        _name_and_note(run, {key: str(value) for key, value in form.items()})
        run.save()
        return RedirectResponse(f"/runs/{run.id}", SEE_OTHER)

    async def delete_run(request: Request) -> Response:
        run = run_or_404(request)
        manager.delete(run)
        read.pop(run.id, None)
        return RedirectResponse("/runs", SEE_OTHER)

    async def output(request: Request) -> Response:
        run = run_or_404(request)
        if run.status != Status.DONE:
            raise _NotFound
        path = output_file(run, request.path_params["name"])
        if path is None:
            raise _NotFound
        inline = path.suffix == ".svg"
        # saved under {县}_{方案}_{日期}_预算方案.xlsx (Starlette sends a UTF-8 filename*)
        name = None if inline else results_of(run).download_name(path.name)
        return FileResponse(path, filename=name,
                            content_disposition_type="inline" if inline else "attachment")

    async def settings_file(request: Request) -> Response:
        run = run_or_404(request)
        text = forms.settings_toml(run.scenario_label if run.uploaded_scenario
                                   else run.scenario, run.overrides, run.name, run.note)
        name = f"{run.name or run.id}.toml"
        return Response(text.encode("utf-8"), media_type="application/toml", headers={
            "Content-Disposition": "attachment; filename=settings.toml; "
                                   f"filename*=utf-8''{quote(name)}"})

    async def registry_template(request: Request) -> Response:
        return Response(uploads.registry_template(), media_type=XLSX_TYPE, headers={
            "Content-Disposition": "attachment; filename=registry-template.xlsx; "
                                   f"filename*=utf-8''{quote(REGISTRY_TEMPLATE_NAME)}"})

    async def font(request: Request) -> Response:
        return FileResponse(cjk_font_path(), media_type="font/otf",
                            headers={"Cache-Control": f"max-age={FONT_CACHE_SECONDS}"})

    async def switch_language(request: Request) -> Response:
        chosen = request.path_params["lang"]
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # only pages of this server
        response = RedirectResponse(target, SEE_OTHER)
        if chosen in LANGUAGES:
            response.set_cookie(LANG_COOKIE, chosen, samesite="strict")
        return response

    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, "not_found.html", NOT_FOUND)

    async def internal_error(request: Request, exc: Exception) -> Response:
        crash = "".join(traceback.format_exception(exc))
        return page(request, "crashed.html", INTERNAL_ERROR, crash=crash)

    async def same_origin(request: Request, call_next: Any) -> Response:
        """Refuse a form sent to this server by a page of another origin."""
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and \
                urlparse(origin).netloc != request.headers.get("host"):
            return Response(word("foreign_form", language(request)), FORBIDDEN)
        return await call_next(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        manager.shutdown()
        if own_root:
            import shutil

            shutil.rmtree(work, ignore_errors=True)

    static = Path(__file__).parent / "static"
    routes = [
        Route("/", start_page),
        Route("/start", start, methods=["POST"]),
        Route("/runs", runs_page),
        Route("/runs/{run_id}/delete", delete_run, methods=["POST"]),
        Route("/runs/{run_id}/rename", rename_run, methods=["POST"]),
        Route("/runs/{run_id}/settings.toml", settings_file),
        Route("/runs/{run_id}", show_run),
        Route("/runs/{run_id}/settings", settings),
        Route("/runs/{run_id}/start", start_run, methods=["POST"]),
        Route("/runs/{run_id}/progress", progress),
        Route("/runs/{run_id}/cancel", cancel, methods=["POST"]),
        Route("/runs/{run_id}/again", again, methods=["POST"]),
        Route("/runs/{run_id}/households", households),
        Route("/runs/{run_id}/households/{household_id}", household),
        Route("/runs/{run_id}/files/{name}", output),
        Route("/compare", compare),
        Route("/font/cjk.otf", font),
        Route("/registry-template.xlsx", registry_template),
        Route("/lang/{lang}", switch_language),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    middleware = [Middleware(BaseHTTPMiddleware, dispatch=same_origin)]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware,
                    exception_handlers={_NotFound: not_found, NOT_FOUND: not_found,
                                        Exception: internal_error})
    app.state.manager = manager
    return app


class _NotFound(Exception):
    """Answer 404 with the page's own not-found page."""


def _here(request: Request) -> str:
    """The page to come back to after switching language: this one, or the start page after a
    form was sent (its answer cannot be fetched again)."""
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _named(upload: Any) -> str:
    """The display name of an uploaded file, or '' when none was chosen."""
    if upload is None or isinstance(upload, str):
        return ""
    return uploads.display_name(upload.filename)


def _scenario_names() -> list[str]:
    return [path.stem for path in bundled_scenarios()]


@cache
def _scenario_titles(lang: str) -> dict[str, str]:
    """What the start page calls each bundled scenario: its display name and its file name."""
    titles = {}
    for name in _scenario_names():
        try:
            titles[name] = f"{load_scenario(name).display_name(lang)} ({name})"
        except TuopinError:  # a bundled scenario that does not load is listed by its name
            titles[name] = name
    return titles


def _changed_from(manager: RunManager, run: Run) -> list[str]:
    """The settings ``run`` changed against the run it started from (their fields)."""
    from simulator.web.views import changed_settings

    source = manager.get(f"run-{run.derived_from}") if run.derived_from else None
    if source is None:
        return []
    return [path for path, _a, _b in changed_settings(source.overrides, run.overrides)]


def _name_and_note(run: Any, values: dict[str, str]) -> None:
    """The planner's name and note of a run from a form (cut to their limits)."""
    run.name = values.get(forms.RUN_NAME_FIELD, "").strip()[:MAX_RUN_NAME_CHARACTERS]
    run.note = values.get(forms.RUN_NOTE_FIELD, "").strip()[:MAX_RUN_NOTE_CHARACTERS]


def _field_name(path: str, lang: str) -> str:
    """A scenario field as the page names it: its Chinese name, or its path in English."""
    from simulator.messages import where_zh

    return where_zh(path) if lang == "zh" else path


def _population_or_none(loaded: Any, registry_path: Path | None) -> Any:
    """The run's households, or None when they cannot be read (the page then says nothing
    about which instruments they may take)."""
    try:
        return _population(loaded, registry_path)
    except TuopinError:
        return None


def _population(loaded: Any, registry_path: Path | None) -> Any:
    from simulator.population import population_of

    return population_of(loaded, registry_path)


def _formats() -> tuple[str, ...]:
    """Every proposal format, PDF only when a browser can print it."""
    from simulator.proposal import DEFAULT_FORMATS, FORMATS
    from simulator.proposal.pdf import browser

    return FORMATS if browser() is not None else DEFAULT_FORMATS
