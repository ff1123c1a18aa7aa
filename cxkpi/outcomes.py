"""What a load said, in the reader's language: the Data page shows it, and `ingest`, `rebuild` print it
(--lang). In English it is the loader's own summary, as it always was; in another language the verdict
and counts are written from the same fields and the reasons by cxkpi/reasons.py."""

from __future__ import annotations

from cxkpi import health, reasons
from cxkpi.i18n import DEFAULT_LANGUAGE, active, gettext, ngettext
from cxkpi.inbox import Outcome
from cxkpi.ingest import ROWS_NAMED_IN_SUMMARY


def outcome_text(outcome: Outcome) -> str:
    """What the page says of a file's load, in the session's language: the loader's own summary in
    English (as the CLI prints it); in another language, its verdict and counts in that language from the
    same fields, then the loader's reasons under a translated label, in that language where cxkpi/reasons.py
    has their words (the file's names and values quoted as written), else as the loader wrote them."""
    if active().language == DEFAULT_LANGUAGE:
        return outcome.summary()
    tr = active()
    if outcome.refusal:
        lines = [gettext("{file}: refused, nothing loaded. The loader says: {reason}", file=outcome.name,
                         reason=reasons.translated(outcome.refusal))]
    elif outcome.failure:
        lines = [gettext("{file}: not loaded, it stays in the inbox for the next run. The loader says: {reason}",
                         file=outcome.name, reason=reasons.translated(outcome.failure))]
    elif outcome.result is None:  # the file waits (it was still being written) or another run took it
        return reasons.translated(outcome.note) if outcome.note else gettext(
            "{file}: another load took it; nothing to do here.", file=outcome.name)
    elif outcome.result.already_loaded:
        lines = [gettext("{file}: already loaded ({when}); nothing changed.", file=outcome.name,
                         when=outcome.result.already_loaded)]
    else:
        result = outcome.result
        lines = [gettext("{file}: {table}: {read} rows read, {inserted} inserted, {updated} updated, {quarantined} "
                         "quarantined", file=result.path.name,
                         table=gettext(health.LABELS.get(result.table, result.table)),
                         read=tr.integer(result.rows_read), inserted=tr.integer(result.rows_inserted),
                         updated=tr.integer(result.rows_updated), quarantined=tr.integer(result.rows_quarantined))]
        if result.problems:
            lines.append(gettext("QUARANTINED: {quarantined} of {read} rows ({share}) are not loaded and count in no "
                                 "KPI; fix them in the export and load it again",
                                 quarantined=tr.integer(result.rows_quarantined), read=tr.integer(result.rows_read),
                                 share=tr.percent(100 * result.rows_quarantined / max(result.rows_read, 1))))
        for problem in result.problems[:ROWS_NAMED_IN_SUMMARY]:
            lines.append(gettext("row {row}, {column}: {reason} (value: {value})", row=tr.integer(problem.source_row),
                                 column=problem.column, reason=reasons.translated(problem.reason),
                                 value=repr(problem.value)))
        if len(result.problems) > ROWS_NAMED_IN_SUMMARY:
            lines.append(ngettext("… and {n} more in the quarantine table", "… and {n} more in the quarantine table",
                                  len(result.problems) - ROWS_NAMED_IN_SUMMARY))
    if outcome.note:
        lines.append(reasons.translated(outcome.note))
    return "\n  ".join(lines)
