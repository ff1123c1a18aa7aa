"""Languages: every message translated into Persian and Russian, the catalogs in step with the code, Russian
plurals and Persian digits from CLDR, KPI words from metrics.toml, lang= in links, one translator per
session (never one for the process), and a Persian slide drawn right to left in Vazirmatn."""

from __future__ import annotations

import ast
import re
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from cxkpi import i18n, links, report
from cxkpi.kpis import Filters
from cxkpi.periods import Period
from cxkpi.registry import Owner, RegistryError, Settings, load_registry, load_settings
from tests.support import PROJECT_ROOT, cxkpi
from ui import formatting as fmt
from ui.state import LANG, FilterState, parse_query

TRANSLATED = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE]
# The functions whose literal arguments are messages (babel.cfg and `make messages` extract the same):
# name -> positions of the message (singular, plural).
MESSAGE_CALLS = {"gettext": (0,), "ngettext": (0, 1), "N_": (0,), "N_plural": (0, 1), "plural": (1, 2)}
SOURCES = [*sorted((PROJECT_ROOT / "ui").glob("*.py")), *sorted((PROJECT_ROOT / "cxkpi").glob("*.py")),
           *sorted((PROJECT_ROOT / "pages").glob("*.py")), PROJECT_ROOT / "dashboard.py"]
FIELD = re.compile(r"\{(\w*)[^}]*\}")
Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))
NOW = datetime(2026, 7, 6, 8, 0)


def catalog(language: str):
    with i18n.catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def messages_in_code() -> dict[str | tuple[str, str], str]:
    """Every message the code hands to gettext & co. as a literal (inside f-strings too), by where it is."""
    found: dict[str | tuple[str, str], str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            positions = MESSAGE_CALLS.get(name)
            if positions is None or len(node.args) <= max(positions):
                continue
            texts = [node.args[position] for position in positions]
            if all(isinstance(text, ast.Constant) and isinstance(text.value, str) for text in texts):
                values = [text.value for text in texts]
                key = values[0] if len(values) == 1 else (values[0], values[1])
                found[key] = f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_in_the_catalog_has_a_translation_with_the_same_fields(language: str) -> None:
    entries = [message for message in catalog(language) if message.id]
    assert len(entries) > 200
    for message in entries:
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(form.strip() for form in forms), f"{language}: no translation of {message.id!r}"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy (unchecked)"
        source = message.id if isinstance(message.id, str) else message.id[0]
        for form in forms:
            assert set(FIELD.findall(form)) == set(FIELD.findall(source)), (language, message.id, form)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_the_code_shows_is_in_the_catalog(language: str) -> None:
    """A message written where extraction cannot see it (or added without `make messages`) fails here."""
    ids = {message.id for message in catalog(language) if message.id}
    missing = {where: message for message, where in messages_in_code().items() if message not in ids}
    assert not missing, f"run `make messages` and translate: {missing}"


def test_russian_counts_take_their_three_plural_forms() -> None:
    nps = load_registry()[0]
    with i18n.use("ru"):
        shown = [fmt.count(nps, n) for n in (1, 2, 5, 11, 21, 22, 25, 1234)]
    assert shown == ["n = 1 ответ", "n = 2 ответа", "n = 5 ответов", "n = 11 ответов", "n = 21 ответ",
                     "n = 22 ответа", "n = 25 ответов", "n = 1\xa0234 ответа"]


def test_persian_numbers_use_persian_digits_separators_and_percent_sign() -> None:
    persian = i18n.translator("fa")
    assert persian.number(1234.5) == "۱٬۲۳۴٫۵"
    assert persian.percent(62.5) == "۶۲٫۵٪"
    assert persian.number(16.7, signed=True) == "\u200e+۱۶٫۷"  # the mark keeps the sign left of the digits
    assert persian.number(-1.7) == "\u200e−۱٫۷"
    assert persian.day(date(2026, 7, 1)) == "۱ ژوئیه ۲۰۲۶"
    assert persian.right_to_left and persian.direction == "rtl"
    russian = i18n.translator("ru")
    assert (russian.number(1234.5), russian.percent(62.5)) == ("1\xa0234,5", "62,5\xa0%")


def test_a_kpi_value_reads_in_the_session_language() -> None:
    nps, csat = (next(kpi for kpi in load_registry() if kpi.id == wanted) for wanted in ("nps", "csat"))
    assert (fmt.value(nps, 32.0), fmt.value(csat, 66.1)) == ("+32.0 pts", "66.1%")
    with i18n.use("fa"):
        assert (fmt.value(nps, 32.0), fmt.value(csat, 66.1)) == ("\u200e+۳۲٫۰ امتیاز", "۶۶٫۱٪")
        assert fmt.status_words(fmt.Status.OFF_TARGET) == "دور از هدف"
        assert fmt.period_name(Q3) == "فصل ۳ ۲۰۲۶"
    with i18n.use("ru"):
        assert (fmt.value(nps, 32.0), fmt.value(csat, 66.1)) == ("+32,0 п.", "66,1\xa0%")
        assert fmt.period_name(Q3) == "3 кв. 2026"


def test_each_session_writes_in_its_own_language_at_the_same_time() -> None:
    """The translator is bound per context (a Streamlit session's script thread), never per process."""
    ready = threading.Barrier(3)
    seen: dict[str, str] = {}

    def session(language: str) -> None:
        i18n.activate(i18n.translator(language))
        ready.wait()  # all three bound before any reads
        seen[language] = fmt.status_words(fmt.Status.ON_TARGET)

    threads = [threading.Thread(target=session, args=(language,)) for language in i18n.LANGUAGES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": "On target", "fa": "مطابق هدف", "ru": "В цели"}
    assert i18n.active().language == "en"  # this thread bound nothing


def test_every_kpi_has_its_title_and_description_in_persian_and_russian() -> None:
    for kpi in load_registry():
        for language in TRANSLATED:
            words = dict(dict(kpi.translations)[language])
            assert words.get("title") and words.get("description"), (kpi.id, language)
            assert (kpi.unit in fmt.UNIT_SYMBOLS) or words.get("unit"), (kpi.id, language, "unit in words")
            shown = kpi.in_language(language)
            assert (shown.title, shown.unit) == (words["title"], kpi.unit)  # the unit the code reads stays
    rate = next(kpi for kpi in load_registry() if kpi.id == "complaint_rate")
    with i18n.use("fa"):
        assert fmt.value(rate.in_language("fa"), 131.2) == "۱۳۱٫۲ به ازای هر ۱٬۰۰۰ سفارش"


def test_a_translation_for_an_unknown_language_or_field_is_refused(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "metrics.toml").read_text(encoding="utf-8")
    # The first KPI's tables end here, its [kpi.i18n.ru] last: a key put there is one of its Russian words.
    second_kpi = text.index("\n[[kpi]]", text.index("[[kpi]]") + 1)
    for table, problem in (('[kpi.i18n.de]\ntitle = "Nettopromotorwert"\n', "[kpi.i18n.de]; languages: fa, ru"),
                           ('owner = "x"\n', "[kpi.i18n.ru] owner; translatable: title, description, unit")):
        path = tmp_path / "metrics.toml"
        path.write_text(f"{text[:second_kpi].rstrip()}\n{table}{text[second_kpi:]}", encoding="utf-8")
        with pytest.raises(RegistryError, match=re.escape(problem)):
            load_registry(path)


def test_lang_in_a_link_chooses_the_language_and_an_unknown_one_falls_back_with_a_note() -> None:
    chosen = parse_query({LANG: ["fa"]}, {}, Q3)
    assert chosen.state.language == "fa" and not chosen.notes
    assert chosen.state.query(Q3)[LANG] == ["fa"]
    unknown = parse_query({LANG: ["de"]}, {}, Q3)
    assert unknown.state.language == "" and "`lang=de` is not one of en, fa, ru" in unknown.notes[0]
    assert LANG not in FilterState().query(Q3)  # no choice made: each reader's own default
    app = FilterState(start=Q3.start, end=Q3.end, language="ru")
    assert links.view_query(Q3, Filters(), language="ru") == app.query(Q3)


def test_the_default_language_comes_from_the_setting_then_the_browser() -> None:
    assert i18n.choose("", "fa-IR") == "fa"
    assert i18n.choose("ru", "fa-IR") == "ru"
    assert i18n.choose("", "de-DE") == "en"
    assert i18n.choose("xx", None) == "en"


def test_a_persian_slide_is_drawn_right_to_left_in_vazirmatn() -> None:
    page = report.OverviewPage(
        title="شاخص‌های تجربهٔ مشتری", period="فصل ۳ ۲۰۲۶", filters="همهٔ مشتریان", summary="۴ از ۹ دور از هدف",
        freshness="داده‌ها تا ۹ مهر", cards=[report.Card(
            title="رضایت مشتری", value="۶۶٫۱٪", status="دور از هدف", status_tone="orange", target="≥ ۷۵٪",
            change="", change_tone="gray", sample="n = ۷۷۶ پاسخ", owner="Priya Raman", freshness="",
            sparkline=[60.0, 62.0, 66.1], target_value=75.0)],
    )
    with i18n.use("fa"):
        svg = report.overview_svg(page)
    assert 'font-family="Vazirmatn' in svg
    title = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)">\u2067شاخص', svg)
    assert title is not None and float(title.group(1)) == report.PAGE_WIDTH - report.MARGIN
    assert title.group(2) == "end"  # starts at the right margin
    card = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*rx="10"', svg)
    assert card is not None and float(card.group(1)) + float(card.group(2)) == report.PAGE_WIDTH - report.MARGIN
    png = report.overview_png(page)
    assert png.startswith(b"\x89PNG")
    with i18n.use("en"):
        assert 'font-family="Liberation Sans' in report.overview_svg(page)


def test_the_kpis_table_speaks_the_language_asked_for_and_json_stays_the_same(golden_db: Path) -> None:
    """Golden Q2 2026: NPS has 6 responses (tests/test_kpis.py), CSAT too."""
    window = ("--db", golden_db, "--start", "2026-04-01", "--end", "2026-06-30")
    russian = cxkpi("kpis", *window, "--lang", "ru")
    assert russian.returncode == 0, russian.stderr
    assert russian.stdout.startswith("с 2026-04-01 по 2026-06-30 (2 кв. 2026), в сравнении с 1 кв. 2026")
    assert "Индекс потребительской лояльности (NPS)" in russian.stdout and "n = 6 ответов" in russian.stdout
    persian = cxkpi("kpis", *window, "--lang", "fa")
    assert "فصل ۲ ۲۰۲۶" in persian.stdout and "۶ پاسخ" in persian.stdout
    assert not re.search(r"[0-9]", persian.stdout.replace("n =", "").split("مالک")[0]), "ASCII digits in Persian"
    english = cxkpi("kpis", *window)
    assert "Net Promoter Score" in english.stdout and "n = 6 responses" in english.stdout
    as_json = [cxkpi("kpis", *window, "--json", *lang).stdout for lang in ((), ("--lang", "fa"))]
    assert as_json[0] == as_json[1]


def test_the_digest_speaks_the_language_asked_for_and_keeps_a_language_free_key(golden_db: Path) -> None:
    """A digest sent in English and asked again in Russian the same week is the same event: its key holds
    no words of either language; the text the owner reads is Russian."""
    from cxkpi import digest
    from cxkpi.warehouse import reading

    q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
    built = {}
    for language in ("en", "ru"):
        with reading(golden_db) as connection, i18n.use(language):
            kpis = [kpi.in_language(language) for kpi in load_registry()]
            built[language] = digest.build(connection, kpis, q2, Filters(), Settings(), "http://x/", NOW)
    assert [found.event_key for found in built["en"]] == [found.event_key for found in built["ru"]]
    with i18n.use("ru"):
        russian = digest.text(built["ru"][0])
        subject = built["ru"][0].subject
    assert subject.startswith("cxkpi за неделю, 2 кв. 2026: ")
    assert russian.startswith(f"Здравствуйте, {built['ru'][0].owner.name}!") and "n = 6 ответов" in russian
    printed = cxkpi("digest", "--db", golden_db, "--start", "2026-04-01", "--end", "2026-06-30", "--lang", "ru")
    assert printed.returncode == 0, printed.stderr
    assert "Тема: cxkpi за неделю, 2 кв. 2026" in printed.stdout  # the command's own lines in --lang's too
    assert "Открыть представление: " in printed.stdout
    assert "&lang=ru\n" in printed.stdout  # the link opens the view in the language the digest is written in


# --- the surfaces issue 17's closing note found still English or Gregorian ---------------------------------


def persian_kpi_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, **query: str):
    from tests.support import app_test

    at = app_test(monkeypatch, db, timeout=60)
    at.query_params.update({"from": "2026-04-01", "to": "2026-06-30", LANG: "fa", **query})
    at.switch_page(page).run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


def shown_text(at) -> str:
    elements = [*at.title, *at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.metric]
    return "\n".join(str(getattr(element, "label", "")) + " " + str(element.value) for element in elements)


def test_persian_kpi_page_shows_drilldown_in_persian(golden_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NPS's drill-downs (what moves the total, what detractors wrote) and the KPI page's controls, in
    Persian; none of their English words is left."""
    at = persian_kpi_page(monkeypatch, golden_db, "pages/1_NPS.py")
    text = shown_text(at)
    assert "چه چیزی کل را جابه‌جا می‌کند" in text and "آنچه منتقدان نوشتند" in text
    assert "میله‌های آبی کل را بالا می‌برند" in text
    assert at.text_input(key="nps_comments_search").label == "جست‌وجو در نظرها"
    # The slice table's numbers as the cards write them (Streamlit's number formats are English).
    [impact] = [frame.value for frame in at.dataframe if "impact" in frame.value.columns]
    assert impact.columns[0] == "منطقه"
    assert all(re.fullmatch("[۰-۹]+", count) for count in impact["n"]), list(impact["n"])
    assert all(re.fullmatch("[-+−\u200e]*[۰-۹]+٫[۰-۹]{2} امتیاز", shown) for shown in impact["impact"]), \
        list(impact["impact"])
    for english in ("What moves the total", "What detractors wrote", "Blue bars", "detractor comment", "Impact ="):
        assert english not in text, english


def test_persian_complaint_drilldowns_count_and_label_in_persian(golden_db: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    at = persian_kpi_page(monkeypatch, golden_db, "pages/2_Complaint_response.py")
    text = shown_text(at)
    assert "زمان نخستین پاسخ بر پایهٔ کانال و دسته" in text
    assert "شکایت‌های باز بر پایهٔ سن" in text
    for english in ("First-response time by channel", "Open backlog by age", "complaints still open then"):
        assert english not in text, english


def test_the_kpi_pages_dates_are_jalali_in_persian(golden_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The view's calendar is Solar Hijri for a Persian reader: the freshness line says 10 Tir 1405
    (1 Jul 2026), not a Gregorian day in Persian words."""
    from tests.support import card_text

    at = persian_kpi_page(monkeypatch, golden_db, "pages/1_NPS.py")
    card = card_text(at.get_by_key("card-nps"))
    assert "داده‌ها تا ۱۰ تیر ۱۴۰۵" in card
    assert "ژوئیه" not in card  # the Gregorian July, in Persian


def test_a_kpis_tab_title_is_its_translated_title(registry) -> None:
    nps = registry["nps"]
    assert nps.in_language("ru").page_title == "Индекс потребительской лояльности (NPS)"
    assert nps.in_language("fa").page_title == "خالص امتیاز مروجان (NPS)"
    assert nps.in_language("en").page_title == nps.page_title


def test_the_access_page_explains_roles_in_persian(golden_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = persian_kpi_page(monkeypatch, golden_db, "pages/12_Access.py")
    text = shown_text(at)
    assert "نقش شما: **مدیر**" in text  # the person at this computer, without sign-in, is the admin
    assert "ورود پیکربندی نشده است، پس کسی که پشت این رایانه است مدیر است" in text
    assert "بارگذاری فایل‌های خروجی" in text  # what the role allows: upload exports
    for english in ("You are", "Your role", "Everyone sees every page", "upload exports"):
        assert english not in text, english


def test_the_data_page_says_a_loads_outcome_in_the_readers_language(tmp_path: Path) -> None:
    """The verdict and its counts in Persian or Russian from the loader's fields; the loader's own reason
    (it quotes the file) kept as it wrote it, under a translated label; English as the CLI prints it."""
    from cxkpi.inbox import Outcome
    from cxkpi.ingest import ingest_paths
    from tests.support import GOLDEN_DIR
    from ui.data_page import outcome_text

    [result], _ = ingest_paths(tmp_path / "w.duckdb", [GOLDEN_DIR / "orders.csv"])
    loaded = Outcome("orders.csv", result=result)
    refused = Outcome("bad.csv", refusal="no column holds order ids")
    assert outcome_text(loaded) == loaded.summary()
    with i18n.use("ru"):
        assert outcome_text(loaded).startswith(
            f"orders.csv: Заказы: прочитано строк: {result.rows_read}, добавлено: {result.rows_inserted}")
        assert outcome_text(refused) == ("bad.csv: отклонён, ничего не загружено. Загрузчик сообщает: "
                                         "no column holds order ids")
    with i18n.use("fa"):
        assert outcome_text(refused).startswith("bad.csv: رد شد، چیزی بارگذاری نشد.")


def test_each_owner_reads_the_digest_in_their_own_language_and_calendar(golden_db: Path) -> None:
    """[settings.owner_languages] names Amara (NPS's owner) Persian: her digest is Persian, its dates Jalali
    and its link opens the view in Persian; the others' stay in the run's language (English)."""
    from cxkpi import digest
    from cxkpi.warehouse import reading

    q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
    settings = Settings(owner_languages=(("amara.okafor@example.com", "fa"),))
    kpis = load_registry()
    with reading(golden_db) as connection:
        messages = digest.per_recipient(connection, kpis, q2, Filters(), settings, "en",
                                        lambda language: f"http://x/?lang={language}", NOW)
    by_owner = {message.owner_name: message for message in messages}
    assert [message.owner_name for message in messages] == list(dict.fromkeys(kpi.owner.name for kpi in kpis))
    amara, lukas = by_owner["Amara Okafor"], by_owner["Lukas Brenner"]
    assert amara.subject.startswith("گزارش هفتگی cxkpi، فصل ۲ ۲۰۲۶") and amara.text.startswith("Amara Okafor گرامی،")
    assert "داده‌ها تا ۱۰ تیر ۱۴۰۵" in amara.text  # 1 Jul 2026, the day the data runs through
    assert "http://x/?lang=fa" in amara.text
    assert lukas.text.startswith("Hello Lukas Brenner,") and "data through 1 Jul 2026" in lukas.text
    assert "http://x/?lang=en" in lukas.text


def test_two_owners_reading_in_two_languages_get_the_same_figures_worked_out_once(
    golden_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Amara reads Persian, Lukas Russian, the others English: each digest holds the overview's own
    figures (value and n, in the reader's digits and words), and the KPIs are computed once for all three
    languages, not once per language."""
    from cxkpi import digest, kpis
    from cxkpi.warehouse import reading

    q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
    settings = Settings(owner_languages=(("amara.okafor@example.com", "fa"), ("lukas.brenner@example.com", "ru")))
    registry = load_registry()
    overview, runs = kpis.overview, []
    monkeypatch.setattr(kpis, "overview", lambda *args, **kwargs: runs.append(args) or overview(*args, **kwargs))
    with reading(golden_db) as connection:
        messages = digest.per_recipient(connection, registry, q2, Filters(), settings, "en",
                                        lambda language: f"http://x/?lang={language}", NOW)
        assert len(runs) == 1
        reports = {found.kpi.id: found for found in overview(connection, registry, q2, Filters(), settings, workers=1)}
    by_owner = {message.owner_name: message for message in messages}
    languages = {"Amara Okafor": "fa", "Lukas Brenner": "ru"}
    for kpi in registry:
        language = languages.get(kpi.owner.name, "en")
        with i18n.use(language):
            worded = kpi.in_language(language)
            figures = (fmt.value(worded, reports[kpi.id].current.value), fmt.count(worded, reports[kpi.id].current.n))
        text = by_owner[kpi.owner.name].text
        assert all(figure in text for figure in figures), (kpi.id, language, figures)
        assert worded.title.upper() in text  # the words are the reader's, the figures everyone's


def test_an_owner_language_that_cxkpi_does_not_speak_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "metrics.toml"
    registry.write_text('[settings]\n[settings.owner_languages]\n"amara@example.com" = "de"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=re.escape("owner_languages: amara@example.com = 'de' is not one of")):
        load_settings(registry)
    registry.write_text('[settings.owner_languages]\n"Amara@Example.com" = "fa"\n', encoding="utf-8")
    assert load_settings(registry).owner_language(Owner("Amara", "CCO", "amara@example.com")) == "fa"


# Streamlit calls whose first argument (or label=/help=/placeholder=) a person reads.
SHOWN_CALLS = {
    "markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "text", "write",
    "button", "download_button", "form_submit_button", "link_button", "page_link", "selectbox", "multiselect",
    "radio", "segmented_control", "pills", "text_input", "text_area", "number_input", "date_input", "checkbox",
    "toggle", "file_uploader", "expander", "metric", "spinner", "popover", "NumberColumn", "TextColumn",
    "DatetimeColumn", "DateColumn", "LinkColumn", "Tooltip", "X", "Y",
}
CHART_CHANNELS = {"Tooltip", "X", "Y"}  # their first argument names a column: only title= is shown
SHOWN_KEYWORDS = ("label", "help", "placeholder", "title")
# Text that is the same in every language: the product's name, Markdown and icons, units of statistics.
NOT_WORDS = re.compile(r"\S+@\S+|:material/\w+:|:\w+\[|cxkpi|\bn\b|\bp90\b|\bPNG\b|\bSVG\b|\bCSV\b|\bUTC\b|&nbsp;"
                       r"|[^A-Za-z]")


def literal_words(node: ast.expr) -> str:
    """The letters a literal (or an f-string's literal parts) hands to a person; '' for a translated call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return NOT_WORDS.sub("", node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(literal_words(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return literal_words(node.left) + literal_words(node.right)
    return ""


def test_every_string_a_page_shows_goes_through_the_catalog() -> None:
    """A Streamlit label, caption, message or column title written as an English literal in pages/ or ui/
    would stay English for every reader: each must be a gettext() call (or a catalog word: N_)."""
    untranslated = []
    for path in [*sorted((PROJECT_ROOT / "ui").glob("*.py")), *sorted((PROJECT_ROOT / "pages").glob("*.py")),
                 PROJECT_ROOT / "dashboard.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SHOWN_CALLS) or "log" in ast.unparse(node.func.value).lower():
                continue  # a logger's warning() is for the server's log, not a person
            first = [] if node.func.attr in CHART_CHANNELS else node.args[:1]
            shown = [*first, *(keyword.value for keyword in node.keywords if keyword.arg in SHOWN_KEYWORDS)]
            untranslated += [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {ast.unparse(text)[:80]}"
                             for text in shown if literal_words(text)]
    assert not untranslated, "wrap in gettext() and run `make messages`:\n" + "\n".join(untranslated)
