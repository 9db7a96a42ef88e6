"""Pieces the pages share: the page frame, labelled fields, tabs and the job panel.

The job panel wires a "go" control to pool jobs (submit, progress while it runs, result or
error); :func:`page`, :func:`tab`, :func:`row` and :func:`field` are the layout every page
repeats (a heading and lead, rows of labelled controls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dash import Input, Output, State, dcc, html, no_update

from tradeshock.app.jobs import Busy, Job, JobPool
from tradeshock.errors import TradeshockError

#: Screen readers announce changes to the progress line (a wildcard ``aria-*`` property).
LIVE: dict[str, Any] = {"aria-live": "polite"}


def page(name: str | None, title: str, *children: Any, lead: str | None = None) -> html.Div:
    """A page: its heading, an optional lead paragraph, then ``children`` (id ``page-<name>``)."""
    head: list[Any] = [html.H2(title)]
    if lead is not None:
        head.append(html.P(lead, className="lead"))
    ids: dict[str, Any] = {"id": f"page-{name}"} if name else {}
    return html.Div([*head, *children], className="page", **ids)


def tab(label: str, value: str, lead: str, *children: Any) -> dcc.Tab:
    """One tab of a page: a lead paragraph, then ``children``."""
    return dcc.Tab(
        label=label,
        value=value,
        children=html.Div([html.P(lead, className="lead"), *children], className="tab-body"),
    )


def row(*children: Any) -> html.Div:
    """Fields and buttons side by side."""
    return html.Div(list(children), className="row")


def field(label: str, control: Any, *, wide: bool = False, hint: str | None = None,
          box: str | None = None) -> html.Div:
    """A control with its label (pointing at the control's id) and an optional hint line.

    ``wide`` gives it more room; ``box`` is an id for the whole field (to show or hide it).
    """
    children: list[Any] = [html.Label(label, htmlFor=control.id), control]
    if hint is not None:
        children.append(html.Div(hint, className="hint"))
    ids: dict[str, Any] = {"id": box} if box else {}
    return html.Div(children, className="field wide" if wide else "field", **ids)


def error_box(message: str) -> html.Div:
    """A failure shown as a message (never a traceback)."""
    return html.Div([html.Strong("Could not do that: "), message], className="error", role="alert")


def job_panel(prefix: str) -> html.Div:
    """Store of job ids, a poll timer, the progress line and the output area."""
    return html.Div(
        [
            dcc.Store(id=f"{prefix}-jobs"),
            dcc.Store(id=f"{prefix}-ready"),
            dcc.Interval(id=f"{prefix}-poll", interval=700, disabled=True),
            html.Div(id=f"{prefix}-progress", className="progress-area", **LIVE),
            html.Div(id=f"{prefix}-out"),
        ]
    )


def progress_view(pool: JobPool, jobs: Sequence[Job]) -> html.Div:
    """One line per job: queued (how many ahead) or running (stage, seconds)."""
    lines = []
    for j in jobs:
        if j.state == "queued":
            pos = pool.position(j)
            text = f"{j.label}: waiting for a free solver" + (f" ({pos} ahead)" if pos else "")
        elif j.state == "running":
            text = f"{j.label}: {j.stage} … {j.elapsed:.1f} s"
        else:
            text = f"{j.label}: {j.state}"
        lines.append(html.Div([html.Span(className="spinner"), text], className="progress-line"))
    return html.Div(lines, className="progress", id="progress")


def _jobs(pool: JobPool, ids: Sequence[str]) -> list[Job] | None:
    """The jobs with these ids, or None when the pool has forgotten any of them."""
    jobs = [pool.get(i) for i in ids]
    return [j for j in jobs if j is not None] if all(j is not None for j in jobs) else None


def register_jobs(
    app: Any,
    pool: JobPool,
    prefix: str,
    trigger: Input,
    states: Sequence[State],
    submit: Callable[..., list[Job]],
    render: Callable[[list[Any], list[Job]], Any],
    extra: Sequence[Output] = (),
    on_done: Callable[..., tuple] | None = None,
    extra_states: Sequence[State] = (),
) -> None:
    """Wire a "go" control to pool jobs: submit, poll progress, then render or show the error.

    ``submit(*state_values)`` returns the jobs (raising TradeshockError or Busy with a message);
    ``render(results, jobs)`` builds the output; ``on_done(results, jobs, *extra_state_values)``
    returns values for the ``extra`` outputs when all jobs are done.
    """
    n_extra = len(extra)

    @app.callback(
        Output(f"{prefix}-jobs", "data"),
        Output(f"{prefix}-poll", "disabled"),
        Output(f"{prefix}-progress", "children"),
        Output(f"{prefix}-out", "children"),
        trigger,
        *states,
        prevent_initial_call=True,
    )
    def _go(_n: Any, *values: Any) -> tuple:
        try:
            jobs = submit(*values)
        except (TradeshockError, Busy, ValueError) as exc:
            return None, True, error_box(str(exc)), None
        return [j.id for j in jobs], False, progress_view(pool, jobs), None

    @app.callback(
        Output(f"{prefix}-progress", "children", allow_duplicate=True),
        Output(f"{prefix}-ready", "data"),
        Output(f"{prefix}-poll", "disabled", allow_duplicate=True),
        *extra,
        Input(f"{prefix}-poll", "n_intervals"),
        State(f"{prefix}-jobs", "data"),
        *extra_states,
        prevent_initial_call=True,
    )
    def _poll(_n: Any, ids: list[str] | None, *extra_values: Any) -> tuple:
        """Cheap: progress only; when every job is done, hand the ids to ``_show``."""
        keep = (no_update,) * n_extra
        if not ids:
            return (no_update, no_update, True, *keep)
        jobs = _jobs(pool, ids)
        if jobs is None:
            return (
                error_box("the server has forgotten this job (was it restarted?); try again"),
                None,
                True,
                *keep,
            )
        if any(j.state in ("queued", "running") for j in jobs):
            return (progress_view(pool, jobs), no_update, False, *keep)
        failed = [j for j in jobs if j.state == "failed"]
        if failed:
            return (html.Div([error_box(f"{j.label}: {j.error}") for j in failed]), None, True, *keep)
        more = on_done([j.result for j in jobs], jobs, *extra_values) if on_done else ()
        return (
            html.Div(
                f"Done in {max(j.elapsed for j in jobs):.1f} s"
                + (" (from the cache)" if all(j.cached for j in jobs) else ""),
                className="done-line",
            ),
            ids,
            True,
            *more,
        )

    @app.callback(
        Output(f"{prefix}-out", "children", allow_duplicate=True),
        Input(f"{prefix}-ready", "data"),
        prevent_initial_call=True,
    )
    def _show(ids: list[str] | None) -> Any:
        jobs = _jobs(pool, ids or [])
        if not jobs or any(j.state != "done" for j in jobs):
            return None
        try:
            return render([j.result for j in jobs], jobs)
        except TradeshockError as exc:
            return error_box(str(exc))
