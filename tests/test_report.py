"""The French report: formats, self-contained HTML, escaping, PDF sections, and a headless browser check.

One small run (the reference scenario over 6 years, 4 replications, a name that tries to
inject a script) is built and reported once per module, through the CLI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import simcoop
from simcoop.cli import main
from simcoop.report import render_html
from simcoop.report.format import (
    NBSP,
    NNBSP,
    fmt_eur,
    fmt_int,
    fmt_month,
    fmt_month_index,
    fmt_number,
    fmt_pct,
    fmt_range,
)
from simcoop.report.labels import SECTION_TITLES

from .conftest import SCENARIOS

EVIL_NAME = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- formats (known answers)


def test_french_number_formats() -> None:
    assert fmt_eur(1234567) == f"1{NNBSP}234{NNBSP}567{NBSP}€"
    assert fmt_eur(-93745.2) == f"\u221293{NNBSP}745{NBSP}€"
    assert fmt_eur(1234.5, 2) == f"1{NNBSP}234,50{NBSP}€"
    assert fmt_pct(0.125, 1) == f"12,5{NBSP}%"
    assert fmt_pct(0.12) == f"12{NBSP}%"
    assert fmt_number(-0.0001, 1) == "0,0"  # no "−0,0"
    assert fmt_int(999) == "999"
    assert fmt_int(1000) == f"1{NNBSP}000"
    assert fmt_eur(None) == "—" and fmt_pct(float("nan")) == "—"


def test_french_dates_and_ranges() -> None:
    assert fmt_month("2027-01") == "janvier 2027"
    assert fmt_month("2026-08") == "août 2026"
    assert fmt_month_index(27, "2027-01") == "avril 2029"
    assert fmt_month_index(11, "2027-03") == "février 2028"
    assert fmt_range(12, 18) == "de 12 à 18"
    assert fmt_range(0.07, 0.19, fmt_pct) == f"de 7 à 19{NBSP}%"  # the unit once, at the end
    assert fmt_range(1200, 1500, fmt_eur) == f"de 1{NNBSP}200 à 1{NNBSP}500{NBSP}€"
    assert fmt_range(5, 5) == "5"


# --------------------------------------------------------------------------- one run, reported once


@pytest.fixture(scope="module")
def run_dir() -> Path:
    scenario = simcoop.load_scenario(SCENARIOS / "reference.yaml").replace(
        {"meta.name": EVIL_NAME, "meta.territory_name": "Val <b>d'Essai</b> & environs", "meta.horizon_months": 72}
    )
    results = simcoop.simulate(scenario, replications=4, seed=7)
    folder = Path(tempfile.mkdtemp(prefix="simcoop-report-")) / "run"
    results.save(folder)
    assert main(["report", str(folder)]) == 0
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def html(run_dir: Path) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action", "xlink:href") and value:
                self.urls.append((tag, name, value))


def test_html_is_self_contained(html: str) -> None:
    parser = _Links()
    parser.feed(html)
    external = [u for u in parser.urls if not u[2].startswith(("data:", "#"))]
    assert external == [], f"the report refers to outside resources: {external}"
    assert len([u for u in parser.urls if u[0] == "img"]) >= 8, "the charts should be embedded images"
    assert "script" not in parser.tags and "link" not in parser.tags and "iframe" not in parser.tags
    assert not re.search(r"url\(\s*['\"]?(?!data:)", html), "CSS url() other than data: found"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)


def test_scenario_strings_are_escaped(html: str) -> None:
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>d" not in html and "Val &lt;b&gt;d&#39;Essai&lt;/b&gt; &amp; environs" in html


def test_html_is_french_and_in_order(html: str) -> None:
    positions = [html.find(title) for title in SECTION_TITLES]
    assert all(p >= 0 for p in positions), dict(zip(SECTION_TITLES, positions))
    assert positions == sorted(positions)
    assert re.search(r"Avis (favorable|favorable sous conditions|défavorable)", html)
    assert "Risque de rupture de trésorerie sur 6 ans" in html
    # A month below the overdraft is a rupture de trésorerie, not insolvency (code de commerce L631-1).
    assert "insolvab" not in html.lower() and "réplication" not in html
    page_one = html[html.find(SECTION_TITLES[0]) : html.find(SECTION_TITLES[1])]
    for words in ("Viabilité économique", "Soutenabilité de trésorerie", "Besoin de financement de démarrage", "simulations",
                  "euros constants de"):
        assert words in page_one or words in html[: html.find(SECTION_TITLES[0])], words
    assert 'lang="fr"' in html


def test_missing_optional_files_are_explained(html: str) -> None:
    # What was not computed is said in words, never as a command to run (issue 16).
    text = html.replace("&#39;", "'")
    assert "L'effet de chaque hypothèse prise isolément n'a pas été mesuré" in text
    assert "simcoop run" not in text and "simcoop report" not in text and "« simcoop" not in text
    page_one = text[text.find(SECTION_TITLES[0]) : text.find(SECTION_TITLES[1])]
    assert "Financement supplémentaire" not in page_one  # no solve.json: the solver's box is left out


def test_optional_files_are_used(run_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    rows = []
    for parameter, low, base, high in (
        ("cooperative.contribution.rate", 0.08, 0.10, 0.12),
        ("territory.accueils_per_year_at_maturity", 140, 180, 220),
    ):
        for side, value, p in (("low", low, 0.4), ("base", base, 0.2), ("high", high, 0.1)):
            rows.append(
                {
                    "parameter": parameter,
                    "side": side,
                    "value": value,
                    "insolvency_probability": p,
                    "break_even_month_p50": 30,
                    "min_coop_treasury_eur_p50": -50000 * p,
                    "final_coop_treasury_eur_p50": 1e5,
                    "outcome": "unfavourable" if p > 0.1 else "favourable",
                    "replications": 4,
                }
            )
    from simcoop.outdir import add_owned_file

    add_owned_file(folder, "sensitivity.csv", lambda p: pd.DataFrame(rows).to_csv(p, index=False))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    solve = {
        "scenario": {"name": manifest["scenario_name"], "scenario_hash": manifest["scenario_hash"]},
        "target": "funding",
        "value": 135000,
        "unit": "EUR/year",
        "funder": "Région",
        "first_year": 2027,
        "years": 3,
        "met": True,
        "outcome_at_solution": "favourable",
        "insolvency_probability": 0.08,
        "insolvency_ci": [0.03, 0.19],
        "spread": [120000, 150000],
        "replications": 4,
    }
    add_owned_file(folder, "solve.json", lambda p: p.write_text(json.dumps(solve), encoding="utf-8"), "scenario")
    page = render_html(folder)
    assert "non calculée" not in page and "non calculé" not in page and "Fichiers écartés" not in page
    # The solver's figure is an addition to the planned conventions, said so (issue 16).
    assert f"Subvention d'exploitation supplémentaire : 135{NBSP}k€ par an, en plus des " in page.replace("&#39;", "'")
    assert f"fourchette{NBSP}: 3 à 19{NBSP}%*" in page and "IC 95" not in page
    assert "Taux de contribution" in page and "Graphique en tornade" in page


def test_files_of_another_run_or_scenario_are_left_out_and_said_in_french(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A solve.json of another scenario, or a sensitivity.csv copied in, is not quoted: the report says why."""
    other = tmp_path / "other"
    small = simcoop.load_scenario(SCENARIOS / "reference.yaml").replace({"meta.horizon_months": 24, "meta.name": "Cap 1995"})
    simcoop.simulate(small, replications=2, seed=1).save(other)
    from simcoop.outdir import add_owned_file

    foreign = {"scenario": {"name": "Cap 1995", "scenario_hash": small.scenario_hash()}, "target": "funding", "value": 999999}
    add_owned_file(other, "solve.json", lambda p: p.write_text(json.dumps(foreign), encoding="utf-8"), "scenario")
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    shutil.copy(other / "solve.json", folder / "solve.json")  # copied by hand: not in this folder's marker
    (folder / "sensitivity.csv").write_text("parameter,side,value\nx,low,1\n", encoding="utf-8")
    assert main(["report", str(folder)]) == 0
    err = capsys.readouterr().err
    html = (folder / "report.html").read_text(encoding="utf-8")
    for text in (err, html):
        assert "solve.json écarté (le financement nécessaire)" in text
        assert "sensitivity.csv écarté (l" in text and "analyse de sensibilité) : il n'a pas été écrit dans ce dossier par cette simulation" in text.replace("&#39;", "'")
    assert f"999{NNBSP}999" not in html and "Fichiers écartés" in html
    assert "Financement supplémentaire" not in html  # the solver's answer left out is not quoted

    # Registered in this folder but answering for another scenario (solve written into the wrong folder).
    (folder / "solve.json").unlink()
    add_owned_file(folder, "solve.json", lambda p: p.write_text(json.dumps(foreign), encoding="utf-8"), "scenario")
    assert main(["report", str(folder)]) == 0
    assert "il répond pour au scénario « Cap 1995 »" in capsys.readouterr().err


def test_a_kpis_csv_of_another_run_is_refused(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    kpis = pd.read_csv(folder / "kpis.csv")
    kpis["min_coop_treasury_eur"] += 1000.0  # another run's numbers, same shape
    kpis.to_csv(folder / "kpis.csv", index=False)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "kpis.csv does not belong to the run" in err and "Traceback" not in err


def test_cli_refuses_a_folder_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "not a simcoop run folder" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert not (tmp_path / "report.html").exists()


def test_report_does_not_import_the_model(run_dir: Path) -> None:
    code = (
        "import sys; from simcoop.report import render_html; render_html(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m.startswith(('simcoop.model', 'simcoop.runner', 'simpy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(run_dir)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- PDF


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    try:
        import pypdf
    except ImportError:
        pytest.skip("neither pdftotext (Debian poppler-utils) nor pypdf is installed: cannot read the PDF's text")
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def test_pdf_has_the_sections_in_order(run_dir: Path) -> None:
    pdf = run_dir / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = re.sub(r"\s+", " ", _pdf_text(pdf).replace(NBSP, " ").replace(NNBSP, " "))
    position = 0
    for title in SECTION_TITLES:
        found = text.find(title, position)
        assert found >= 0, f"section {title!r} not found after position {position}"
        position = found + len(title)
    assert "page 1 sur" in text


def test_the_report_command_says_what_it_writes_before_laying_out_the_pages(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    assert main(["report", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"simcoop: writing the report of {folder} (report.html and report.pdf)")
    assert captured.out.split() == [str(folder / "report.html"), str(folder / "report.pdf")]


def test_chart_labels_are_text_in_the_pdf(run_dir: Path) -> None:
    """A chart's labels can be searched and copied in the PDF (and read aloud): text, not glyph outlines."""
    text = re.sub(r"\s+", " ", _pdf_text(run_dir / "report.pdf").replace(NBSP, " ").replace(NNBSP, " "))
    assert "Sorties par destination (médianes)" in text  # the chart's own title, nowhere else in the report
    assert "sorties dans l'année" in text  # its axis label


def test_chart_text_from_a_scenario_is_escaped_and_stays_small() -> None:
    """Names from a scenario reach the charts' SVG as escaped text; a hatched chart stays a light image."""
    import base64
    import xml.etree.ElementTree as ET

    import numpy as np

    from simcoop.report import figures as F

    series = {EVIL_NAME: np.arange(10.0), "Région": np.ones(10), "Département": np.full(10, 2.0)}
    figure = F.stacked_bars(list(range(2027, 2037)), series, ylabel="k€", title="Financements", alt="barres")
    svg = base64.b64decode(figure.uri.split(",", 1)[1]).decode("utf-8")
    assert EVIL_NAME not in svg
    texts = ["".join(node.itertext()) for node in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert EVIL_NAME in texts and "Financements" in texts
    assert "DejaVu Sans" in svg and "sans-serif" in svg  # the report's fonts, with a fallback
    # Three hatched series on ten bars: a dotted hatch alone made this 85 KB (WeasyPrint draws its pattern per bar).
    assert len(svg) < 30_000, len(svg)


# --------------------------------------------------------------------------- headless Chromium

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _load_in_chromium(page: Path, tmp_path: Path) -> tuple[list[str], list[str]]:
    """Load ``page`` headless; return (console lines, URLs the page asked for other than file: and data:).

    Console messages and uncaught errors are logged to stderr as ``CONSOLE`` lines; every
    request goes to a NetLog, where the page's own requests are those whose network
    isolation key is the file:// site (Chromium's background requests have another).
    """
    netlog = tmp_path / "netlog.json"
    profile = tmp_path / "profile"
    completed = subprocess.run(
        [
            _CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--log-net-log={netlog}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "</html>" in completed.stdout or "</body>" in completed.stdout, completed.stderr[-2000:]
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    requests = []
    text = netlog.read_text(encoding="utf-8")
    try:
        events = json.loads(text)["events"]
    except json.JSONDecodeError:  # a NetLog cut short (browser killed) lacks its closing brackets
        events = json.loads(text.rstrip().rstrip(",") + "]}")["events"]
    for event in events:
        params = event.get("params") or {}
        url, key = params.get("url"), str(params.get("network_isolation_key", ""))
        if url and key.startswith("file://") and not url.startswith(("file:", "data:")):
            requests.append(url)
    return console, sorted(set(requests))


@pytest.mark.skipif(_CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_chromium_check_catches_errors_and_requests(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="https://example.invalid/x.png">'
        '<script>throw new Error("injected")</script></body></html>',
        encoding="utf-8",
    )
    console, requests = _load_in_chromium(page, tmp_path)
    assert any("Uncaught Error: injected" in line for line in console)
    assert requests == ["https://example.invalid/x.png"]


@pytest.mark.skipif(_CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_report_loads_in_chromium_without_errors_or_requests(run_dir: Path, tmp_path: Path) -> None:
    console, requests = _load_in_chromium(run_dir / "report.html", tmp_path)
    assert console == []
    assert requests == []


def test_page_one_and_the_unknowns_section_say_what_is_not_known(html: str) -> None:
    """The reference draws its unknown parameters: page one says its figures include them; a section says which matter."""
    import html as html_text

    html = html_text.unescape(html)
    page_one = html[html.find(SECTION_TITLES[0]) : html.find(SECTION_TITLES[1])]
    assert "intègrent ce que l'on ne sait pas" in page_one
    section = html[html.find("<h2>Ce que l'on ne sait pas</h2>") :]
    assert section.startswith("<h2>Ce que l'on ne sait pas</h2>")
    for words in ("Part due aux paramètres inconnus", "Part due au hasard", "Les inconnues qui changent le plus l'avis",
                  "Donnée qui la réduirait", "borne basse", "paramètres inconnus), puis son propre hasard"):
        assert words in section, words
    assert "built-in method" not in section


def test_the_register_of_the_reference_speaks_french_and_fits_its_page() -> None:
    """Every line of the assumptions register has a French label, not a scenario key; the reference's
    1,000 joint prior draws are one line saying what they are (they used to fill 27 of the PDF's 54
    pages as one cell of numbers); each financing instrument's terms carry its name."""
    from simcoop.report.data import RunData
    from simcoop.report.tables.assumptions import assumptions_register

    reference = simcoop.load_scenario(simcoop.default_scenario_path())
    run = RunData.from_results(simcoop.simulate(reference, replications=2, seed=1))
    rows = [row for group in assumptions_register(run) for row in group["rows"]]
    assert rows
    untranslated = [row["key"] for row in rows if row["label"] == row["key"] or re.search(r"\w\.\w", row["label"])]
    assert not untranslated
    assert max(len(row["value"]) for row in rows) < 200
    joint = reference.uncertainty.joint
    draws = next(row for row in rows if row["key"] == "uncertainty.joint.rows")
    assert draws["value"].startswith(f"{fmt_int(len(joint.rows))} tirages de {len(joint.columns)} paramètres")
    amounts = [row["label"] for row in rows if row["key"].endswith(".amount_eur") and ".instruments." in row["key"]]
    assert amounts and all(label.endswith(" : montant") and not label.startswith("Montant") for label in amounts)
    assert not any(row["key"].endswith((".source", ".name")) for row in rows if ".financing." in row["key"])
    assert "uncertainty.joint.columns" not in {row["key"] for row in rows}
