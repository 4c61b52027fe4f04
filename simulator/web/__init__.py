"""``tuopin serve``: tuopin as a local web page, for planners who work in a browser.

Server-rendered HTML (Starlette, Jinja2 templates) with a vendored copy of htmx for the parts
that update in place (the progress bar, the household table's filters). The page runs the same
job as ``tuopin run`` (:func:`simulator.cli.runs.main_job`) in a worker process and reads its
outputs; it implements no model logic of its own. Modules:

* :mod:`.app` — routes and pages;
* :mod:`.forms` — the settings form, generated from the scenario schema;
* :mod:`.uploads` — size-limited uploads under server-chosen names, located registry errors;
* :mod:`.runs` — the runs, the worker process, progress and cancelling;
* :mod:`.worker` — what the worker process runs;
* :mod:`.views` — what the result pages show;
* :mod:`.words` — the page's words in Chinese and English;
* :mod:`.server` — binding the port and serving; :mod:`.settings` — every constant.
"""
