"""The Data page: upload exports, the inbox, the ingest log, quarantined rows and each table's freshness.

Uploads are written into the inbox (under a safe name, atomically) and loaded through the same
pipeline as `python -m cxkpi ingest`: one write connection per file via warehouse.writing(), so
viewers of other pages keep working and see the new data on their next interaction.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from cxkpi import access, health, quarantine, reasons
from cxkpi import report as page_report
from cxkpi.access import Identity, Permission
from cxkpi.archive import DiskFullError, default_archive_dir
from cxkpi.export_formats import MappingError
from cxkpi.i18n import DEFAULT_LANGUAGE, active, gettext, ngettext
from cxkpi.inbox import (
    Outcome,
    accept_upload,
    default_inbox,
    load_files,
    process_inbox,
    refused_files,
    safe_name,
    waiting_files,
)
from cxkpi.outcomes import outcome_text
from ui import data, identity, sidebar
from ui import formatting as fmt

UPLOAD_LIMIT_ENV = "CXKPI_MAX_UPLOAD_MB"
DEFAULT_UPLOAD_LIMIT_MB = 50


def upload_limit_bytes() -> int:
    """$CXKPI_MAX_UPLOAD_MB (default 50), never above Streamlit's own server.maxUploadSize."""
    ours = float(os.environ.get(UPLOAD_LIMIT_ENV) or DEFAULT_UPLOAD_LIMIT_MB)
    streamlit_limit = float(st.get_option("server.maxUploadSize"))
    return int(min(ours, streamlit_limit) * 1_000_000)


def render() -> None:
    page = sidebar.render_allowing_empty("Data")
    db_path = page.db_path if page else data.db_path()
    if page is None:
        st.info(gettext("**No data yet.** Upload your first exports below, or copy them into the inbox folder."),
                icon=":material/database:")
    inbox = default_inbox(db_path)
    st.title(gettext("Data"))
    st.caption(gettext("Warehouse `{warehouse}` · inbox `{inbox}` · archive `{archive}`", warehouse=db_path,
                       inbox=inbox, archive=default_archive_dir(db_path)))

    _upload(db_path, inbox)
    _inbox(db_path, inbox)
    _last_outcomes()
    _freshness(db_path)
    _log(db_path)
    _quarantine(db_path)


# Streamlit writes its uploader's button and limit in English whatever the page's language. In another
# language the page covers them with the same words from the catalog: the English text set to size 0,
# the reader's words drawn in its place (CSS over the test ids of the pinned Streamlit's uploader).
UPLOADER_WORDS_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{button}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.875rem; }}
</style>"""


def _uploader_in_language(megabytes: int) -> None:
    if active().language == DEFAULT_LANGUAGE:
        return

    def css_string(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"')

    st.html(UPLOADER_WORDS_CSS.format(
        button=css_string(gettext("Upload")),
        limit=css_string(gettext("{megabytes} MB per file • CSV, TSV, TXT",
                                 megabytes=active().integer(megabytes))),
    ))


def _upload(db_path, inbox) -> None:
    limit = upload_limit_bytes()
    megabytes = max(1, int(limit / 1_000_000))  # whole megabytes, as Streamlit's uploader takes its limit
    st.subheader(gettext("Add exports"))
    may_upload = identity.current().can(Permission.UPLOAD)
    if not may_upload:  # the uploader stays usable: loading refuses a viewer, and audits the attempt
        st.caption(gettext("Analysts and admins add exports; you are a viewer."))
    generation = st.session_state.setdefault("upload_generation", 0)
    files = st.file_uploader(
        gettext("CSV exports (Shopify, HubSpot, Salesforce, Zendesk, Freshdesk, Qualtrics, SurveyMonkey, Typeform, "
                "Google Forms, spreadsheets)"),
        type=["csv", "tsv", "txt"], accept_multiple_files=True, key=f"upload_{generation}",
        max_upload_size=megabytes,  # the uploader says the limit that applies
        help=gettext("Up to {megabytes} MB per file; copy larger files into the inbox folder ({inbox}).",
                     megabytes=active().integer(megabytes), inbox=inbox),
    )
    _uploader_in_language(megabytes)
    if files and st.button(gettext("Load these files"), icon=":material/upload:", key="load_uploads", type="primary"):
        try:
            person = identity.require(Permission.UPLOAD, subject=", ".join(file.name for file in files))
        except identity.AccessDeniedError as error:
            identity.refusal(error)
            return
        written, outcomes = [], []
        for file in files:
            try:
                written.append(accept_upload(inbox, file.name, file.getvalue(), limit))
            except ValueError as error:
                outcomes.append(Outcome(file.name, refusal=str(error)))
            except DiskFullError as error:
                outcomes.append(Outcome(file.name, failure=str(error)))
        outcomes += _load(lambda: load_files(db_path, inbox, written))
        _audit_load(db_path, person, "upload", outcomes)
        st.session_state["last_outcomes"] = [(outcome_text(outcome), outcome.verdict) for outcome in outcomes]
        st.session_state["upload_generation"] = generation + 1  # clears the uploader
        st.rerun()


def _load(run) -> list[Outcome]:
    # Why nothing was loaded is said after the rerun that follows a load (_last_outcomes): an st.error
    # here would vanish with it.
    try:
        with st.spinner(gettext("Loading…")):
            return run()
    except MappingError as error:
        st.session_state[LOAD_PROBLEM] = gettext("The mapping file cannot be used: {error}",
                                                 error=fmt.markdown_literal(reasons.translated(str(error))))
        return []
    except ValueError as error:  # $CXKPI_QUARANTINE_LIMIT is not a percentage
        st.session_state[LOAD_PROBLEM] = fmt.markdown_literal(str(error))
        return []


def _inbox(db_path, inbox) -> None:
    waiting = waiting_files(inbox, settle_seconds=0)
    refused = refused_files(inbox)
    with st.container(border=True):
        st.markdown("**" + gettext("Inbox") + "** · " + ngettext("{n} file waiting", "{n} files waiting", len(waiting))
                    + " · " + ngettext("{n} refused", "{n} refused", len(refused)))
        if waiting:
            st.caption(", ".join(fmt.markdown_literal(path.name) for path in waiting))
            may_load = identity.current().can(Permission.LOAD_INBOX)
            if st.button(gettext("Load the inbox now"), icon=":material/move_to_inbox:", key="load_inbox",
                         help=None if may_load else gettext("Analysts and admins load the inbox.")):
                try:
                    person = identity.require(Permission.LOAD_INBOX, subject=str(inbox))
                except identity.AccessDeniedError as error:
                    identity.refusal(error)
                    return
                outcomes = _load(lambda: process_inbox(db_path, inbox))
                _audit_load(db_path, person, "load the inbox", outcomes)
                st.session_state["last_outcomes"] = [(outcome_text(o), o.verdict) for o in outcomes]
                st.rerun()
        for name, reason in refused[:20]:
            st.caption(":material/block: " + gettext("{file}: {reason}", file=fmt.markdown_code(name),
                                                     reason=fmt.markdown_literal(reasons.translated(reason))))


def _audit_load(db_path, person: Identity, action: str, outcomes: list[Outcome]) -> None:
    """Who loaded what: one audit entry per file, with what the load said of it."""
    for outcome in outcomes:
        access.record(db_path, person, action, outcome.name, outcome.summary())


LOAD_PROBLEM = "load_problem"  # why the last load loaded nothing (a mapping file or a limit that cannot be used)
# A load's verdict (cxkpi/verdict.py) as the CLI's exit code gives it: green only when every row loaded.
VERDICT_BOXES = {
    "loaded": st.success, "unchanged": st.success, "quarantined": st.warning, "refused": st.error, "failed": st.error,
}


def _last_outcomes() -> None:
    if problem := st.session_state.pop(LOAD_PROBLEM, None):
        st.error(problem)
    for summary, verdict in st.session_state.pop("last_outcomes", []):
        # A refusal that offers mapping lines (a score on another scale) shows them as a block to copy.
        text, _, mapping = summary.partition("\n\n[[format]]")
        # File names and the reasons quoting their contents, as written: never read as Markdown; one
        # line per line of the summary (the quarantined rows under it).
        VERDICT_BOXES[verdict]("  \n".join(fmt.markdown_literal(line) for line in text.strip().splitlines()))
        if mapping:
            st.code("[[format]]" + mapping.rstrip(), language="toml")


def _freshness(db_path) -> None:
    st.subheader(gettext("Tables"))
    frame = data.freshness(db_path)
    stale = {item.table: item for item in health.stale_sources(frame)}
    english = active().language == DEFAULT_LANGUAGE
    # In another language, counts and days as the cards write them (the days in the view's calendar).
    rows = frame["row_count"] if english else [active().integer(int(count)) for count in frame["row_count"]]
    through, loaded = ((frame["data_through"], frame["last_loaded_at"]) if english else (
        [fmt.EMPTY if pd.isna(day) else fmt.day(pd.Timestamp(day).to_pydatetime()) for day in frame["data_through"]],
        [fmt.EMPTY if pd.isna(moment) else fmt.timestamp(pd.Timestamp(moment).to_pydatetime())
         for moment in frame["last_loaded_at"]]))
    table = pd.DataFrame({
        gettext("Table"): [gettext(health.LABELS.get(name, name)) for name in frame["table_name"]],
        gettext("Rows"): rows,
        gettext("Data through"): through,
        gettext("Last loaded"): loaded,
        gettext("Health"): [ngettext("stale: {n} day behind", "stale: {n} days behind", stale[name].days_behind)
                            if name in stale else gettext("ok") for name in frame["table_name"]],
    })
    with st.container(key="data-freshness"):
        st.dataframe(table, hide_index=True, placeholder=fmt.EMPTY, width="stretch")
    st.caption(ngettext("A source is stale when its latest record is more than {n} day older than the freshest "
                        "source's (customers excepted).",
                        "A source is stale when its latest record is more than {n} days older than the freshest "
                        "source's (customers excepted).", health.stale_after_days()))


def _log(db_path) -> None:
    st.subheader(gettext("Ingest log"))
    log = data.ingest_log(db_path)
    if log.empty:
        st.caption(gettext("No file loaded yet."))
        return
    st.container(key="data-log").dataframe(
        log.rename(columns={
            "loaded_at": gettext("Loaded at"), "source_file": gettext("File"),
            "export_format": gettext("Recognised as"), "table_name": gettext("Table"),
            "rows_read": gettext("Read"), "rows_inserted": gettext("Inserted"), "rows_updated": gettext("Updated"),
            "rows_quarantined": gettext("Quarantined"), "dialect": gettext("Encoding, delimiter"),
        }),
        hide_index=True, placeholder=fmt.EMPTY, width="stretch",
    )


def _quarantine(db_path) -> None:
    st.subheader(gettext("Quarantined rows"))
    loads = data.quarantined_loads(db_path)
    if not loads:
        st.caption(gettext("No row has been set aside."))
        return
    st.caption(gettext("Rows that could not be trusted, whole, with why. Download a load's rows in its file's own "
               "columns, fix the values in a spreadsheet and drop the file into the inbox (or upload it): it "
               "loads as the export it came from, and the reason column is left out."))
    load = st.selectbox(gettext("Load"), loads, format_func=quarantine.QuarantinedLoad.label, key="quarantine_load")
    found = data.quarantined_rows(db_path, load)
    frame = quarantine.table(found)
    why = frame.columns[-1]  # the reasons, as the loader wrote them: in the reader's language
    frame[why] = frame[why].map(reasons.translated_list)
    if found.whole:
        # The values are raw text from uploaded files: a formula-safe CSV, made only on a click.
        st.download_button(
            gettext("Download these rows to mend (CSV)"), lambda: quarantine.mend_csv(found),
            file_name=safe_name(f"{Path(load.source_file).stem}-to-mend.csv"), mime="text/csv",
            icon=":material/download:", key="quarantine_download", on_click="ignore",
        )
    else:
        st.caption(gettext("Loaded before cxkpi kept whole rows: only the cells at fault are known."))
        st.download_button(
            gettext("Download these cells (CSV)"), lambda: page_report.safe_csv(frame).encode("utf-8"),
            file_name=safe_name(f"{Path(load.source_file).stem}-quarantined.csv"), mime="text/csv",
            icon=":material/download:", key="quarantine_download", on_click="ignore",
        )
    st.container(key="data-quarantine").dataframe(frame.head(1000), hide_index=True, placeholder=fmt.EMPTY,
                                                 width="stretch")
