"""The report and the note as an élu reads them (issue 16), in a headless browser and on the printed pages.

One small run of the reference scenario (6 years, 6 replications) with its decisive funders
is reported once, for the Région, with the note de synthèse. The HTML is opened in headless
Chromium (the DOM after scripts, as a reader's browser shows it); the pages are those of the
PDF WeasyPrint prints, read with pdftotext and, for charts, by the ink on the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import numpy as np
import pytest

import simcoop
from simcoop.cli import main
from simcoop.report.format import NBSP, NNBSP

from .conftest import SCENARIOS

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
_POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdfinfo")

#: English words and internal terms that slipped into the French report before (issue 16 and
#: what its review found): model vocabulary, YAML values, file names, English source notes.
ENGLISH_WORDS = (
    "replication", "replications", "réplication", "réplications", "seed", "threshold", "funding", "break-even",
    "insolvency", "assumption", "default", "startup", "quasi_equity", "below_11", "per_supported", "fixed", "the",
    "of", "and", "to", "None", "True", "False", "NaN", "nan", "null", "March", "DOMAIN", "docs", "verdict",
    "glissant", "IC", "P90", "P50",
)  # fmt: skip


@pytest.fixture(scope="module")
def folder() -> Path:
    from simcoop.pipeline import run_pipeline

    scenario = simcoop.load_scenario(SCENARIOS / "reference.yaml").replace({"meta.horizon_months": 72})
    out = Path(tempfile.mkdtemp(prefix="simcoop-reader-")) / "run"
    run_pipeline(scenario, out, replications=6, seed=11, funders=True)
    assert main(["report", str(out), "--reader", "région", "--note"]) == 0
    yield out
    shutil.rmtree(out.parent, ignore_errors=True)


def _visible_text(dom: str) -> str:
    """The text a reader sees: no style, script, attributes or embedded images; entities decoded, spaces normalised."""
    dom = re.sub(r"<(style|script)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    dom = re.sub(r"<!--.*?-->", " ", dom, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", dom))
    return re.sub(r"\s+", " ", text.replace(NBSP, " ").replace(NNBSP, " "))


def _dom(page: Path, tmp_path: Path) -> str:
    completed = subprocess.run(
        [_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "</body>" in completed.stdout, completed.stderr[-2000:]
    return completed.stdout


def _english(text: str) -> list[str]:
    return sorted({w for w in ENGLISH_WORDS if re.search(rf"(?<![\w.@/-]){re.escape(w)}(?![\w-])", text)})


@pytest.mark.skipif(_CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("name", ["report.html", "note.html"])
def test_the_reports_speak_french_to_the_reader(folder: Path, tmp_path: Path, name: str) -> None:
    text = _visible_text(_dom(folder / name, tmp_path))
    assert "simcoop " not in text.lower()  # no command line, nor the program's name in a sentence
    assert _english(text) == []
    assert "Région" in text and "Qui paie quoi" in text and "Part du budget" in text
    assert "Montant demandé par le projet à votre collectivité (Région)" in text


@pytest.mark.skipif(_CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_the_report_opens_with_the_synthesis_then_the_avis_and_who_pays(folder: Path, tmp_path: Path) -> None:
    text = _visible_text(_dom(folder / "report.html", tmp_path))
    body = text[text.find("1. Avis et chiffres clés") :]
    synthesis = body.find("La coopérative")
    avis = re.search(r"Avis (favorable sous conditions|favorable|défavorable)", body)
    table = body.find("Qui paie quoi")
    assert 0 < synthesis < avis.start() < table, (synthesis, avis, table)
    assert re.search(r"\d+ k€|\d,\d M€", body[synthesis : avis.start()])  # amounts in k€, rounded
    assert "scénario « reference »" not in text  # the file's English name is not the scenario's title


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _inked_share(pdf: Path, page: int, tmp_path: Path) -> float:
    """Share of the page's body (footer left out) whose pixel rows carry ink: a chart counts, a blank page does not."""
    stem = tmp_path / f"p{page}"
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)], check=True)
    raw = (stem.with_suffix(".pgm")).read_bytes()
    header = raw.split(b"\n", 3)
    width, height = (int(x) for x in header[1].split())
    pixels = np.frombuffer(header[3][: width * height], dtype=np.uint8).reshape(height, width)
    body = pixels[: int(height * 0.93)]
    return float((body.min(axis=1) < 200).mean())


@pytest.mark.skipif(not _POPPLER, reason="poppler-utils (pdftotext, pdftoppm, pdfinfo) is not installed")
@pytest.mark.parametrize("name", ["report.pdf", "note.pdf"])
def test_no_page_is_nearly_blank(folder: Path, tmp_path: Path, name: str) -> None:
    pdf = folder / name
    thin = []
    for page in range(1, _pages(pdf) + 1):
        lines = [line for line in _page_text(pdf, page).splitlines() if line.strip()][:-1]  # the footer left out
        # Five lines of text, or as much ink as five lines take (a chart: its text is drawn, not written).
        if len(lines) < 5 and _inked_share(pdf, page, tmp_path) < 0.12:
            thin.append((page, lines))
    assert thin == []


@pytest.mark.skipif(not _POPPLER, reason="poppler-utils (pdftotext, pdftoppm, pdfinfo) is not installed")
def test_page_one_holds_the_synthesis_and_the_funders_table(folder: Path) -> None:
    one = re.sub(r"\s+", " ", _page_text(folder / "report.pdf", 1).replace(NBSP, " ").replace(NNBSP, " "))
    assert "La coopérative" in one.split("1. Avis et chiffres clés")[1].split("Avis ")[0]  # the synthesis comes first
    assert "Qui paie quoi" in one and "Région (vous)" in one and "Budget de la" in one
    assert "simcoop" not in one


@pytest.mark.skipif(not _POPPLER, reason="poppler-utils (pdftotext, pdftoppm, pdfinfo) is not installed")
def test_the_note_is_two_to_four_a4_pages_in_the_order_a_region_expects(folder: Path) -> None:
    pdf = folder / "note.pdf"
    assert 2 <= _pages(pdf) <= 4
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts", info)  # A4
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    titles = ["1. Contexte", "2. Montant demandé", "3. Qui paie quoi", "4. Avis motivé", "5. ", "6. Indicateurs de suivi"]
    positions = [text.find(t) for t in titles]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions


def test_a_reader_who_is_not_a_funder_is_refused_with_the_allowed_names(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(folder), "--reader", "Regoin"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'Région'?" in err and "'Département'" in err
    assert main(["run", "--report", "--reader", "Conseil régional", "-n", "2", "-o", str(folder.parent / "x")]) == 2
    assert "is not a funder of the scenario" in capsys.readouterr().err
    assert not (folder.parent / "x").exists()  # refused before simulating


def test_the_synthesis_says_what_goes_wrong_when_and_what_would_fix_it_in_rounded_k_eur() -> None:
    from types import SimpleNamespace

    from simcoop.report.tables import synthesis_sentences

    criteria = [
        {"key": "break_even", "met": False, "detail": {"by_year": 3, "within_horizon": True, "never_replications": 0,
                                                       "break_even_month": {"p50": 41.0}}},
        {"key": "insolvency", "met": False, "detail": {"median_insolvency_month": 8.0}},
    ]  # fmt: skip
    layers = {
        "economic": {"result_by_year": [{"year": 2027, "result_eur": {"p50": -121077.0}}, {"year": 2028, "result_eur": {"p50": -50000.0}},
                                        {"year": 2029, "result_eur": {"p50": -23612.0}}]},
        "cash": {"sustainable": False, "rupture_probability": 0.42, "startup_need_eur": {"p50": 304340.0}, "financing_plan_eur": 50000.0},
    }  # fmt: skip
    conditions = [{"key": "break_even", "by_year": 3}, {"key": "financing_need", "amount_eur": 827400.0, "by_month": "2027-01"}]
    run = SimpleNamespace(verdict={"outcome": "unfavourable", "replications": 100, "criteria": criteria, "layers": layers,
                                   "conditions": conditions}, start_month="2027-01", solve=None)  # fmt: skip
    text = re.sub(r"\s+", " ", " ".join(synthesis_sentences(run)).replace(NBSP, " ").replace(NNBSP, " "))
    assert "ne revient pas à l'équilibre en 3e année" in text and "de −120 k€ en 2027 à −24 k€ en 2029" in text
    assert "qu'en juin 2030" in text  # month 41 from January 2027
    assert "dans 42 % des simulations, dès septembre 2027" in text and "jusqu'à 300 k€" in text
    assert "environ 24 k€ par an de ressources en plus" in text
    assert "environ 830 k€ de financement de démarrage" in text and "en plus des 50 k€ prévus" in text
    run.verdict = {**run.verdict, "outcome": "favourable", "conditions": [], "layers": {**layers, "cash": {"rupture_probability": 0.03}}}
    text = " ".join(synthesis_sentences(run)).replace(NBSP, " ")
    assert "revient à l'équilibre dès juin 2030" in text and "dans 97 % des simulations" in text


def test_the_solvers_simulated_answer_prevails_over_the_estimate_and_the_economic_risk_is_named() -> None:
    """Page one says one amount: the solver's (simulated), with its prudent end, not the quantile
    estimate beside it; a lasting deficit in part of the simulations is named as the economic risk."""
    from types import SimpleNamespace

    from simcoop.report.tables import conditions_text, synthesis_sentences

    criteria = [
        {"key": "break_even", "met": True, "detail": {"by_year": 5, "within_horizon": True, "never_replications": 46,
                                                      "break_even_month": {"p50": 35.0}}},
        {"key": "insolvency", "met": False, "detail": {"median_insolvency_month": 28.0}},
    ]  # fmt: skip
    layers = {
        "economic": {"viable": True, "non_viable_probability": 0.4, "max_non_viable_probability": 0.1,
                     "within_risk_tolerance": False, "result_by_year": []},
        "cash": {"sustainable": False, "rupture_probability": 0.45, "startup_need_eur": {"p50": 190000.0},
                 "financing_plan_eur": 90000.0, "read_on_replications": 116, "replications": 193},
    }  # fmt: skip
    conditions = [{"key": "economic_risk", "probability": 0.4, "by_year": 5, "max_probability": 0.1},
                  {"key": "financing_need", "amount_eur": 60000.0, "by_month": "2027-01", "need_month_offset": 26.0}]  # fmt: skip
    solve = {"target": "startup", "value": 34000.0, "spread": [15000.0, 82000.0]}
    run = SimpleNamespace(verdict={"outcome": "favourable_under_conditions", "replications": 193, "criteria": criteria,
                                   "layers": layers, "conditions": conditions}, start_month="2027-01", solve=solve)  # fmt: skip
    text = re.sub(r"\s+", " ", " ".join(synthesis_sentences(run)).replace(NBSP, " ").replace(NNBSP, " "))
    assert text.startswith("La coopérative ne revient pas à l'équilibre en 5e année dans 40 % des simulations")
    assert "45 % des simulations où elle s'équilibre" in text
    assert "environ 34 k€ (82 k€ par prudence) de financement de démarrage" in text and "60 k€" not in text
    words = re.sub(r"\s+", " ", " ".join(conditions_text(run)).replace(NBSP, " ").replace(NNBSP, " "))
    assert "Réduire le risque économique : dans 40 % des simulations (toléré : 10 %)" in words
    assert "selon le calcul de financement par simulation" in words and "au moins 60" not in words
    run.solve = None  # without the solver, the verdict's estimate
    assert "environ 60 k€ de financement" in re.sub(r"\s+", " ", " ".join(synthesis_sentences(run)).replace(NBSP, " ").replace(NNBSP, " "))


def test_a_viable_cooperative_short_of_cash_is_named_before_its_cash_gap() -> None:
    """Favourable under conditions (break-even met, cash short): the synthesis opens on the
    cooperative paying its way, then says what its cash lacks (no dangling "Sa trésorerie")."""
    from types import SimpleNamespace

    from simcoop.report.tables import synthesis_sentences

    criteria = [
        {"key": "break_even", "met": True, "detail": {"by_year": 5, "within_horizon": True, "break_even_month": {"p50": 30.0}}},
        {"key": "insolvency", "met": False, "detail": {"median_insolvency_month": 28.0}},
    ]  # fmt: skip
    layers = {"economic": {"result_by_year": []},
              "cash": {"sustainable": False, "rupture_probability": 0.67, "startup_need_eur": {"p50": 203000.0}, "financing_plan_eur": 90000.0}}  # fmt: skip
    conditions = [{"key": "financing_need", "amount_eur": 85000.0, "by_month": "2027-01"}]
    run = SimpleNamespace(verdict={"outcome": "favourable_with_conditions", "replications": 100, "criteria": criteria,
                                   "layers": layers, "conditions": conditions}, start_month="2027-01", solve=None)  # fmt: skip
    sentences = [re.sub(r"\s+", " ", s.replace(NBSP, " ").replace(NNBSP, " ")) for s in synthesis_sentences(run)]
    assert sentences[0].startswith("La coopérative revient à l'équilibre dès juillet 2029 en médiane, mais sa trésorerie passe")
    assert "dans 67 % des simulations, dès mai 2029" in sentences[0]
    assert "environ 85 k€ de financement de démarrage" in sentences[1] and "en plus des 90 k€ prévus" in sentences[1]
