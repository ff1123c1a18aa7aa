"""The Owners page, run by streamlit.testing against a real warehouse built from the golden CSVs."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxkpi import i18n
from cxkpi.access import local_identity
from cxkpi.registry import DEFAULT_REGISTRY_PATH, load_registry
from tests.support import app_test, card_html, card_text
from ui import formatting as fmt
from ui.state import LANG

OWNERS_PAGE = "pages/10_Owners.py"
CSAT = next(kpi for kpi in load_registry() if kpi.id == "csat")


@pytest.fixture
def app(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    # A warehouse of its own: these tests write to it.
    at = app_test(monkeypatch, golden_copy)
    at.run()
    at.switch_page(OWNERS_PAGE)
    return at.run()


def test_the_owners_page_lists_every_owner_with_their_kpi_and_status(app: AppTest):
    assert not app.exception
    table = app.dataframe[0].value
    nps = table[table["KPI"] == "Net Promoter Score"].iloc[0]
    assert (nps["Owner"], nps["Role"], nps["Value"]) == ("Amara Okafor", "Chief Customer Officer", "+16.7 pts")
    assert nps["Status"] == "Too uncertain to act on"  # as the card says it: 6 responses, below the minimum of 30
    # The 90-day repeat rate is shown for Q1 2026, the latest quarter whose 90 days have passed, as on its card.
    assert table[table["KPI"] == "90-day repeat rate, new customers"]["Value"].tolist() == ["0.0% (Q1 2026)"]
    # May and June missed on their values, but on 3 and 1 answers: too uncertain to count as missed.
    assert table[table["KPI"] == "Net Promoter Score"]["Off target for"].tolist() == ["—"]
    assert "No owner or target has been changed" in " ".join(caption.value for caption in app.caption)


def reassign_nps(app: AppTest, name: str, role: str, email: str = "new.owner@example.com") -> None:
    """Fill in and save the form for the NPS card (as the person at this computer: no sign-in configured)."""
    app.selectbox(key="change_kpi").set_value("Net Promoter Score").run()
    app.text_input(key="change_owner_name_nps").set_value(name)
    app.text_input(key="change_owner_role_nps").set_value(role)
    app.text_input(key="change_owner_email_nps").set_value(email)
    app.button(key="change_save").click().run()


def test_reassigning_an_owner_in_the_form_is_saved_audited_and_shown_on_the_overview(app: AppTest):
    reassign_nps(app, "Lena Vogt", "VP Customer Insight", "lena.vogt@example.com")
    assert not app.exception and not app.error, [error.value for error in app.error]
    assert fmt.markdown_literal("owner Amara Okafor, Chief Customer Officer <amara.okafor@example.com> → Lena Vogt, "
                                "VP Customer Insight <lena.vogt@example.com>") in app.success[0].value
    owners = app.dataframe[0].value  # the table above the form shows the new owner at once
    assert owners[owners["KPI"] == "Net Promoter Score"]["Owner"].tolist() == ["Lena Vogt"]
    audit = app.dataframe[-1].value
    assert audit[["changed_by", "old_value", "new_value"]].values.tolist() == [  # who: the identity, not typed
        [local_identity().user_id, "Amara Okafor, Chief Customer Officer <amara.okafor@example.com>",
         "Lena Vogt, VP Customer Insight <lena.vogt@example.com>"]]
    app.switch_page("dashboard.py").run()
    card = app.get_by_key("card-nps")
    assert "Owner: Lena Vogt, VP Customer Insight" in card_text(card)


def test_an_owner_name_typed_with_html_is_shown_as_text_on_the_card(app: AppTest):
    """The card is HTML, so what people type is escaped: it reads as typed and adds no element."""
    reassign_nps(app, '<img src=x onerror="alert(1)"> Lena', "VP <b>Insight</b>")
    app.switch_page("dashboard.py").run()
    card = app.get_by_key("card-nps")
    assert 'Owner: <img src=x onerror="alert(1)"> Lena, VP <b>Insight</b>' in card_text(card)
    assert "<img src=x" not in card_html(card) and "<b>" not in card_html(card)


def test_a_refusal_quoting_a_kpi_title_shows_the_title_as_written(
    golden_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A title from metrics.toml with Markdown in it ('Net *Promoter* Score :smile:') is quoted in the
    refusal with its punctuation escaped, so it is not drawn with emphasis and an emoji."""
    registry_file = tmp_path / "metrics.toml"
    text = DEFAULT_REGISTRY_PATH.read_text(encoding="utf-8")
    registry_file.write_text(text.replace('title = "Net Promoter Score"', 'title = "Net *Promoter* Score :smile:"'))
    app = app_test(monkeypatch, golden_copy, registry=registry_file)
    app.run()
    app.switch_page(OWNERS_PAGE).run()
    app.selectbox(key="change_kpi").set_value("Net *Promoter* Score :smile:").run()
    app.text_input(key="change_owner_name_nps").set_value("")
    app.button(key="change_save").click().run()
    refusal = app.error[0].value
    assert refusal.startswith(r"Net \*Promoter\* Score \:smile\: needs exactly one owner"), refusal


def test_a_target_the_kpi_cannot_reach_and_two_owners_in_one_name_are_refused_with_the_reason(app: AppTest):
    """CSAT is a share: a target of 150 % is refused; 'A; B' as the owner names two people. Nothing is saved."""
    app.selectbox(key="change_kpi").set_value("Customer satisfaction (CSAT)").run()
    app.number_input(key="change_target_csat").set_value(150.0)
    app.text_input(key="change_owner_name_csat").set_value("Priya Raman; Lukas Brenner")
    app.button(key="change_save").click().run()
    refusal = app.error[0].value  # as Markdown, its punctuation escaped (fmt.markdown_literal)
    assert fmt.markdown_literal("must be from 0 to 100 (%); 150 is not") in refusal, refusal
    assert fmt.markdown_literal("Priya Raman; Lukas Brenner' names more than one person") in refusal, refusal
    assert "No owner or target has been changed" in " ".join(caption.value for caption in app.caption)


def owners_page_in(language: str, golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Owners page in `language`. AppTest formats a selectbox's options (the sidebar's calendar and
    language) with the translator bound where the test runs, so a test clicking in it binds the page's
    language too (i18n.use), or its widgets' values no longer match their translated options."""
    at = app_test(monkeypatch, golden_copy)
    at.query_params[LANG] = language
    return at.switch_page(OWNERS_PAGE).run()


def test_owners_page_refuses_a_csat_target_over_100_in_persian(golden_copy: Path, monkeypatch: pytest.MonkeyPatch):
    with i18n.use("fa"):
        app = owners_page_in("fa", golden_copy, monkeypatch)
        app.selectbox(key="change_kpi").set_value(CSAT.in_language("fa").title).run()
        app.number_input(key="change_target_csat").set_value(150.0)
        app.button(key="change_save").click().run()
    refusal = app.error[0].value
    assert fmt.markdown_literal("هدف رضایت مشتری (CSAT) باید از ۰ تا ۱۰۰ (%) باشد؛ ۱۵۰ در این بازه نیست.") == refusal
    assert not app.success


def test_owners_page_refuses_two_people_as_one_owner_in_russian(golden_copy: Path, monkeypatch: pytest.MonkeyPatch):
    with i18n.use("ru"):
        app = owners_page_in("ru", golden_copy, monkeypatch)
        app.selectbox(key="change_kpi").set_value(CSAT.in_language("ru").title).run()
        app.text_input(key="change_owner_name_csat").set_value("Priya Raman; Lukas Brenner")
        app.text_input(key="change_owner_email_csat").set_value("priya@example.com, lukas@example.com")
        app.button(key="change_save").click().run()
    refusal = app.error[0].value
    assert refusal == fmt.markdown_literal(
        "У «Удовлетворённость клиентов (CSAT)» должен быть ровно один владелец, а 'Priya Raman; Lukas Brenner' "
        "называет больше одного человека: отвечает один человек, назовите одного.")
    assert not app.success
