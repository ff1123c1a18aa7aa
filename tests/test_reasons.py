"""The loader's reasons (a file refused, a row quarantined) in the reader's language: worded once in
cxkpi/reasons.py, written in English by the loader (the CLI, the warehouse and scripts read that), and
shown in Persian or Russian by reading the template and its values back out of the English text."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from cxkpi import i18n, reasons
from cxkpi.inbox import Outcome
from cxkpi.ingest import ingest_paths
from tests.support import GOLDEN_DIR, TESTS_DIR, app_test, build_warehouse
from ui.data_page import outcome_text
from ui.state import LANG

INGEST_FILES = TESTS_DIR / "ingest_files"


def test_data_page_shows_a_refused_files_reason_in_persian(tmp_path: Path) -> None:
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [INGEST_FILES / "fits_no_table.csv"])
    english = str(refusal)
    assert english.startswith("fits_no_table.csv: fits no table. Closest is orders, which needs the columns ")
    outcome = Outcome("fits_no_table.csv", refusal=english)
    assert outcome_text(outcome) == f"refused: {english}"  # English: as the CLI prints it
    with i18n.use("fa"):
        shown = outcome_text(outcome)
    assert shown.startswith("fits_no_table.csv: رد شد، چیزی بارگذاری نشد. بارگذار می‌گوید: "
                            "fits_no_table.csv: با هیچ جدولی جور نیست. نزدیک‌ترین جدول orders است"), shown
    assert "فایل این ستون‌ها را دارد: Ticket ID, Requester, Created, Status" in shown  # the headers as written
    assert "نام ستون‌ها را به نام‌های استاندارد docs/data-model.md تغییر دهید" in shown
    for words in ("fits no table", "Closest is", "the file has", "Rename the columns"):
        assert words not in shown, words


def test_a_quarantined_rows_reasons_read_in_russian_and_their_row_numbers_in_persian_digits(tmp_path: Path) -> None:
    [result], _ = ingest_paths(tmp_path / "w.duckdb", [INGEST_FILES / "orders_with_bad_rows.csv"],
                               quarantine_limit=100)
    assert {problem.reason for problem in result.problems} >= {
        "missing order_id: every row needs one", "not a number: use digits with a dot for decimals, e.g. 1234.50",
        "not a date: use ISO 8601, e.g. 2026-03-31 or 2026-03-31 14:05:00"}
    with i18n.use("ru"):
        russian = outcome_text(Outcome(result.path.name, result=result))
    assert "нет order_id: он нужен в каждой строке" in russian
    assert "не число: пишите цифры с точкой для дробной части, например 1234.50" in russian
    assert "не дата: пишите по ISO 8601, например 2026-03-31 или 2026-03-31 14:05:00" in russian
    assert "every row needs one" not in russian and "not a number" not in russian
    with i18n.use("fa"):
        persian = outcome_text(Outcome(result.path.name, result=result))
    assert "  سطر ۴، order_id: order_id ندارد: هر سطر یکی لازم دارد (مقدار: None)" in persian.splitlines()


def test_a_refusal_over_the_quarantine_limit_reads_in_russian_with_its_figures(tmp_path: Path) -> None:
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [INGEST_FILES / "orders_with_bad_rows.csv"])
    english = str(refusal)
    assert "cannot be trusted, more than the 5% that refuses a whole file" in english
    with i18n.use("ru"):
        shown = reasons.translated(english)
    assert shown.startswith("orders_with_bad_rows.csv: отклонён, ничего не изменено: "), shown
    assert "больше 5 %, при которых отклоняется весь файл" in shown
    assert "--quarantine-limit PERCENT или $CXKPI_QUARANTINE_LIMIT." in shown


def test_a_recommend_score_on_0_to_100_is_refused_in_persian_with_persian_digits(tmp_path: Path) -> None:
    path = tmp_path / "slider.csv"
    scores = [0, 15, 35, 50, 65, 80, 90, 100, 100, 70]
    path.write_text("response_id,customer_id,responded_at,recommend_score\n" + "".join(
        f"R{index},C{index},2026-05-{index + 1:02d},{score}\n" for index, score in enumerate(scores)), encoding="utf-8")
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [path])
    assert "(9 of 10 outside 0-10): it looks like a 0-100 scale, not 0-10." in str(refusal)
    with i18n.use("fa"):
        shown = reasons.translated(str(refusal))
    assert ("slider.csv: رد شد، چیزی تغییر نکرد: ستون recommend_score آن ('recommend_score') پاسخ‌هایی از ۰ تا ۱۰۰ "
            "دارد (۹ از ۱۰ بیرون از 0-10): به مقیاس 0-100 می‌ماند، نه 0-10.") in shown, shown
    assert "recommend_score باید روی 0-10 پاسخ داده شود" in shown  # a scale is the mapping's notation: as written
    assert "looks like" not in shown and "must be answered" not in shown


@pytest.mark.parametrize("language", ["fa", "ru"])
def test_every_reason_reads_back_from_its_english_into_its_translation(language: str) -> None:
    """Each template, written with values, is found again in its English and written in the language's
    words, the values kept and the numbers in the language's digits."""
    tr = i18n.translator(language)
    for template in reasons._TEMPLATES:
        fields = {name: spec for _, name, spec, _ in string.Formatter().parse(template) if name}
        values = {name: 1234 if spec else f"<{name}>" for name, spec in fields.items()}
        # Numbers keep the decimals the English wrote ({share:.1f}: 1234.0); text values, and a nested
        # reason that is no reason of the loader's, are kept as written.
        shown_values = {name: tr.number(1234, int(spec[-2]) if spec.endswith("f") else 0) if spec else f"<{name}>"
                        for name, spec in fields.items()}
        expected = tr.translations.gettext(template).format(**shown_values)
        with i18n.use(language):
            assert reasons.translated(template.format(**values)) == expected, template


def test_a_reason_the_loader_has_no_template_for_is_shown_as_written() -> None:
    with i18n.use("ru"):
        assert reasons.translated("no column holds order ids") == "no column holds order ids"
        assert reasons.translated("") == ""


def test_the_data_pages_quarantine_table_says_why_in_russian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reason stored in English in the warehouse (older rows too) is shown in the reader's language."""
    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    _, refusals = ingest_paths(db, [TESTS_DIR / "exports" / "qualtrics_responses_export.csv"], quarantine_limit=100)
    assert not refusals
    at = app_test(monkeypatch, db)
    at.query_params.update({LANG: "ru"})
    at.switch_page("pages/11_Data.py").run()
    assert not at.exception, [exception.value for exception in at.exception]
    quarantine = at.get_by_key("data-quarantine").dataframe[0].value
    assert quarantine[quarantine.columns[-1]].tolist() == ["recommend_score: не целое число от 0 до 10"]


def test_dates_whose_day_and_month_cannot_be_told_apart_are_refused_in_persian(tmp_path: Path) -> None:
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [TESTS_DIR / "hostile" / "orders_ambiguous_dates.csv"])
    assert str(refusal).startswith("orders_ambiguous_dates.csv: the order of day and month in its dates (ordered_at) "
                                   "cannot be told")
    with i18n.use("fa"):
        assert reasons.translated(str(refusal)).startswith(
            "orders_ambiguous_dates.csv: ترتیب روز و ماه در تاریخ‌هایش (ordered_at) معلوم نیست")


def test_a_file_cut_short_or_with_a_stray_delimiter_is_refused_in_russian(tmp_path: Path) -> None:
    header = "order_id,customer_id,ordered_at,amount\n"
    (tmp_path / "orders_cut.csv").write_text(header + "A1,C1,2026-03-01,10\nA2,C2,\"2026-03-02\n", encoding="utf-8")
    (tmp_path / "orders_extra.csv").write_text(header + "A1,C1,2026-03-01,10,5\nA2,C2,2026-03-02,11\n",
                                               encoding="utf-8")
    _, refusals = ingest_paths(tmp_path / "w.duckdb", [tmp_path / "orders_cut.csv", tmp_path / "orders_extra.csv",
                                                       tmp_path / "orders_gone.csv"])
    english = sorted(str(refusal) for refusal in refusals)
    assert english[2] == "orders_gone.csv: no such file"
    with i18n.use("ru"):
        shown = [reasons.translated(text) for text in english]
    assert shown[2] == "orders_gone.csv: такого файла нет"
    assert shown[0].startswith("orders_cut.csv: отклонён, ничего не изменено: значение в кавычках, начинающееся в "
                               "строке 3, не закрыто: "), shown[0]
    assert shown[1] == ("orders_extra.csv: отклонён, ничего не изменено: в строке 2 полей: 5, а в заголовке: 4 "
                        "(разделитель внутри значения без кавычек?)"), shown[1]


def test_a_space_aligned_file_whose_columns_cannot_be_told_apart_is_refused_in_persian(tmp_path: Path) -> None:
    path = tmp_path / "orders_ragged.txt"  # as tests/test_real_shapes.py's
    path.write_text("Order ID   Customer ID   Order Date   Amount\n"
                    "A-1001     Jane Smith    2026-04-02   19.90\n"
                    "A-1002 Bob Lee  2026-04-03  120.00\n", encoding="utf-8")
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [path])
    with i18n.use("fa"):
        shown = reasons.translated(str(refusal))
    assert shown.startswith("orders_ragged.txt: بین ستون‌هایش ویرگول، نقطه‌ویرگول، تب یا خط عمودی نیست: ")
    assert ("نمی‌توان آن‌ها را با اطمینان از هم جدا کرد: سطر ۳ در محل فاصله‌های پیاپی به ۳ فیلد تقسیم می‌شود در حالی "
            "که سطر اول ۴ فیلد دارد،") in shown, shown
    assert "line" not in shown and "Export" not in shown


def test_a_symbolic_link_in_the_inbox_is_refused_in_persian_on_the_data_page(tmp_path: Path) -> None:
    """The refusal the inbox stores beside the link (English, as the CLI and refused/ keep it) reads in
    Persian in the load's outcome and in the list of refused files."""
    import os
    import time

    from cxkpi.inbox import process_inbox, refused_files

    inbox, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir()
    outside.mkdir()
    (outside / "orders.csv").write_text("order_id,ordered_at,amount\nX-1,2026-01-01,9.00\n", encoding="utf-8")
    (inbox / "orders.csv").symlink_to(outside / "orders.csv")
    stamp = time.time() - 60
    os.utime(inbox / "orders.csv", (stamp, stamp), follow_symlinks=False)
    [outcome] = process_inbox(tmp_path / "w.duckdb", inbox)
    [(_, stored)] = refused_files(inbox)
    assert stored == outcome.refusal and stored.startswith("orders.csv: is a symbolic link; ")
    persian = ("orders.csv: پیوند نمادین است؛ پوشهٔ ورودی فقط فایل‌هایی را که در آن رونوشت شده‌اند بارگذاری می‌کند، "
               "نه مقصد یک پیوند را. خود فایل را در پوشهٔ ورودی بگذارید")
    with i18n.use("fa"):
        assert reasons.translated(stored) == persian
        assert outcome_text(outcome) == f"orders.csv: رد شد، چیزی بارگذاری نشد. بارگذار می‌گوید: {persian}"


def test_a_file_still_being_written_or_gone_is_explained_in_russian(tmp_path: Path) -> None:
    """The inbox's notes (cxkpi.inbox writes them from these templates): a file that waits, one another
    run took, one loaded while it grew."""
    waits = Outcome("orders.csv", waits=True, note=reasons.WAITS_UNTIL_COMPLETE.format(file="orders.csv"))
    gone = Outcome("orders.csv", note=reasons.LEFT_THE_INBOX.format(file="orders.csv"))
    assert outcome_text(waits) == "orders.csv: changed while it was read: it waits in the inbox until it is complete"
    with i18n.use("ru"):
        assert outcome_text(waits) == "orders.csv: изменился, пока его читали: он ждёт во входящих, пока не будет готов"
        assert outcome_text(gone) == ("orders.csv: исчез из входящих до чтения (его забрал другой запуск?); здесь "
                                      "ничего не загружено")
    [result], _ = ingest_paths(tmp_path / "w.duckdb", [GOLDEN_DIR / "orders.csv"])
    grew = Outcome("orders.csv", result=result, waits=True,
                   note=reasons.CHANGED_WHILE_LOADED.format(file="orders.csv"))
    with i18n.use("fa"):
        assert outcome_text(grew).endswith(
            "\n  orders.csv هنگام بارگذاری تغییر کرد: آنچه خوانده شد بارگذاری شده است و فایل در پوشهٔ ورودی می‌ماند تا "
            "وقتی کامل شد، دوباره و یکجا بارگذاری شود")


def test_a_full_disk_is_explained_in_persian_with_the_files_left_waiting(tmp_path: Path) -> None:
    """A full disk, as the inbox reports it (test_durability makes a real one and checks the English):
    the file, what could not be written, the fix, and how many files still wait, in Persian digits."""
    from cxkpi.archive import DiskFullError

    full = DiskFullError(reasons.NO_SPACE_COPYING.format(folder="/srv/cxkpi/archive"))
    full.name = "big_orders.csv"
    outcome = Outcome("big_orders.csv", failure=f"{full} {reasons.STAYS_WITH_OTHERS.format(waiting=2)}")
    assert outcome_text(outcome) == (
        "big_orders.csv: not loaded, nothing was changed: no space left on device while copying it into the archive "
        "(/srv/cxkpi/archive). Free some space and load it again (it stays in the inbox; 2 more file(s) wait there "
        "too)")
    with i18n.use("fa"):
        assert outcome_text(outcome) == (
            "big_orders.csv: بارگذاری نشد و برای اجرای بعدی در صندوق ورودی می‌ماند. بارگذار می‌گوید: big_orders.csv: "
            "بارگذاری نشد، چیزی تغییر نکرد: هنگام رونوشت گرفتن از آن در بایگانی جایی روی دیسک نماند "
            "(/srv/cxkpi/archive). کمی جا آزاد کنید و دوباره بارگذاری کنید (در پوشهٔ ورودی می‌ماند؛ ۲ فایل دیگر هم "
            "آنجا منتظرند)")
    full.rows_loaded = True
    with i18n.use("ru"):
        assert reasons.translated(str(full)) == (
            "big_orders.csv: загружен, но при копировании в архив на диске кончилось место (/srv/cxkpi/archive); "
            "следующая загрузка или пересборка внесёт его")


def test_an_oversized_upload_is_refused_in_russian(tmp_path: Path) -> None:
    from cxkpi.inbox import accept_upload

    with pytest.raises(ValueError, match=r"^big\.csv is 2\.0 MB; uploads are limited to 1 MB\.") as refused:
        accept_upload(tmp_path / "inbox", "big.csv", b"x" * 2_000_000, max_bytes=1_000_000)
    with i18n.use("ru"):
        assert reasons.translated(str(refused.value)) == (
            f"big.csv весит 2,0 МБ; загрузка ограничена 1 МБ. Большие файлы копируйте в папку входящих "
            f"({tmp_path / 'inbox'}).")


def test_a_data_page_load_with_a_mapping_file_that_cannot_be_used_says_why_in_persian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mapping file's problem (where, and what to write instead) on the Data page in Persian; the file's
    path, the format's name and the values it quotes as written."""
    import os
    import shutil
    import time

    from ui import formatting as fmt
    from ui.state import LANG

    db = build_warehouse(tmp_path / "w.duckdb", GOLDEN_DIR)
    mapping = tmp_path / "mappings.toml"
    mapping.write_text('[[format]]\nname = "Shop"\ntable = "orders"\ndate_order = "sideways"\n'
                       'columns.order_id = ["id"]\ncolumns.ordered_at = ["when"]\ncolumns.amount = ["amt"]\n',
                       encoding="utf-8")
    monkeypatch.setenv("CXKPI_MAPPINGS", str(mapping))
    (tmp_path / "inbox").mkdir()
    shutil.copy(GOLDEN_DIR / "orders.csv", tmp_path / "inbox" / "orders.csv")
    stamp = time.time() - 60
    os.utime(tmp_path / "inbox" / "orders.csv", (stamp, stamp))
    with i18n.use("fa"):  # AppTest formats the sidebar's translated options where the test runs
        at = app_test(monkeypatch, db)
        at.query_params[LANG] = "fa"
        at.switch_page("pages/11_Data.py").run()
        at.button(key="load_inbox").click().run()
    assert not at.exception, at.exception
    assert at.error[0].value == "پروندهٔ نگاشت قابل استفاده نیست: " + fmt.markdown_literal(
        f"{mapping}: قالب ۱ (Shop): date_order باید \"day-first\" یا \"month-first\" باشد، نه 'sideways'")


@pytest.mark.parametrize(("toml", "russian"), [
    ('[[format]]\ntable = "orders"\n', "формат 1 (unnamed): нужно имя"),
    ('[[format]]\nname = "T"\ntable = "complaints"\ncolumns.complaint_id = ["id"]\nevent_log = { time = "t" }\n',
     'формат 1 (T): event_log должен иметь вид { time = "header", state = "header", new = ["New"], '
     'resolved = ["Resolved", "Closed"] }'),
    ('[[format]]\nname = "S"\ntable = "survey_responses"\ncolumns.response_id = ["id"]\ncolumns.responded_at = ["w"]\n'
     'columns.recommend_score = { aliases = ["r"], scale = "1-5" }\n',
     "формат 1 (S): recommend_score бывает только по шкале 0-10: индекс потребительской лояльности определён для "
     "ответов от 0 до 10"),
    ('[[format]]\nname = "X"\ntable = "orders"\ncolumns.order_id = ["id"]\ncolumns.amount = ["amt"]\n'
     'columns.ordered_at = { aliases = ["when"], date_format = "dd.mm" }\n',
     'формат 1 (X): ordered_at: date_format должен быть шаблоном strptime, например "%d.%m.%Y %H:%M" (%Y год, '
     '%m месяц, %d день, %H час, %M минута, %S секунда, %z смещение)'),
])
def test_a_mapping_files_problem_reads_in_russian_and_stays_english_where_it_is_made(
    tmp_path: Path, toml: str, russian: str
) -> None:
    from cxkpi.export_formats import MappingError, load_formats

    mapping = tmp_path / "mappings.toml"
    mapping.write_text(toml, encoding="utf-8")
    with i18n.use("ru"), pytest.raises(MappingError) as refused:
        load_formats(mapping)
    english = str(refused.value)  # made in English whatever the bound language: the CLI's error: line says it
    assert english.startswith(f"{mapping}: format 1 (") and "формат" not in english
    with i18n.use("ru"):
        assert reasons.translated(english) == f"{mapping}: {russian}"


def test_a_space_aligned_line_past_the_sample_that_does_not_fit_is_refused_in_russian(tmp_path: Path) -> None:
    """Columns found from the first 2,000 lines; a later line that does not fit them refuses the file,
    naming the line, in the reader's language."""
    path = tmp_path / "orders_aligned.txt"
    lines = ["Order ID   Customer ID   Order Date   Amount"]
    lines += [f"A-{n:04d}     C-{n:04d}        2026-04-02   19.90" for n in range(2100)]
    path.write_text("\n".join([*lines, "A-9999 C-9 2026-04-03"]) + "\n", encoding="utf-8")
    _, [refusal] = ingest_paths(tmp_path / "w.duckdb", [path])
    assert str(refusal) == (
        "orders_aligned.txt: refused, nothing was changed: its columns are lined up with spaces, but line 2102 does "
        "not fit its columns separated by runs of spaces (1 fields where the first line has 4, or a value crossing a "
        "column's edge); export it again as CSV")
    with i18n.use("ru"):
        assert reasons.translated(str(refusal)) == (
            "orders_aligned.txt: отклонён, ничего не изменено: его столбцы выровнены пробелами, но строка 2\xa0102 не "
            "соответствует его столбцам, разделённым группами пробелов (полей: 1, а в первой строке 4, или значение "
            "выходит за край столбца); выгрузите его заново как CSV")
