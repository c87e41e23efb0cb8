"""report.html in a real browser (headless Chromium through ChromeDriver):
an election whose region, station and contestant names are hostile
(markup, quotes, `</style>`, right-to-left text, emoji, a 10,000-character
name, control characters), the sample and Russia 2011. For each page: no
script runs, the console stays empty, no network request leaves the page,
the names appear as text, nothing is wider than the window, and a
full-page screenshot is written ($ESCRUTINIO_SCREENSHOTS, default a temporary
folder).

Needs Debian's `chromium` and `chromium-driver` and the `selenium` package
(`.ci/run` installs them); fails, not skips, when CI is set and they are
missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

import escrutinio
from test_api import ROOT, SAMPLE, cli, shared

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

HOSTILE_CONTESTANTS = [
    "<script>window.__pwned = 1</script>",
    "Partido \"Comillas\" & 'Apóstrofos' </style><b>bold</b>",
    "حزب الشعب \u202eRTL\u202c",
    "🗳️ Emoji 🔥 Party",
    "Ж" * 10_000,
    "Control\u0001\u0007chars",
]
HOSTILE_REGIONS = [
    "<img src=x onerror=\"window.__pwned=2\">",
    "Región </style><style>body{display:none}</style>",
    "מחוז \u202b<i>ימין</i>\u202c",
    "🏔️ Región 🌋",
]


def browser():
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are needed (apt-get install chromium chromium-driver)")
        pytest.skip("chromium or chromedriver missing")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
              "--window-size=1280,900"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def screenshots() -> Path:
    folder = Path(os.environ.get("ESCRUTINIO_SCREENSHOTS") or (ROOT / "target" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def inspect(page: Path, shot: str, names: list[str]) -> dict:
    """Loads `page` and returns what the checks need."""
    import json

    d = browser()
    try:
        url = page.resolve().as_uri()
        d.get(url)
        facts = d.execute_script(
            """
            const e = document.documentElement;
            return {
              pwned: window.__pwned === undefined ? null : window.__pwned,
              scripts: document.scripts.length,
              handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
              width: e.scrollWidth, client: e.clientWidth, height: e.scrollHeight,
              text: document.body.innerText,
              visible: getComputedStyle(document.body).display,
            };
            """
        )
        # Full-page screenshot: the window as tall as the page (capped).
        d.set_window_size(1280, min(int(facts["height"]) + 100, 16000))
        d.save_screenshot(str(screenshots() / shot))
        console = [e for e in d.get_log("browser")]
        requests = []
        for entry in d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                requests.append(msg["params"]["request"]["url"])
    finally:
        d.quit()
    facts["console"] = console
    facts["requests"] = [u for u in requests if u != url and not u.startswith("data:")]
    facts["missing_names"] = [n[:60] for n in names if n not in facts["text"]]
    return facts


def check_page(page: Path, shot: str, names: list[str]) -> None:
    f = inspect(page, shot, names)
    assert f["pwned"] is None, "a script or handler from the data ran"
    assert f["scripts"] == 0 and f["handlers"] == 0, (f["scripts"], f["handlers"])
    assert f["visible"] != "none", "injected CSS hid the page"
    assert f["console"] == [], f["console"]
    assert f["requests"] == [], f["requests"]
    assert f["missing_names"] == [], f["missing_names"]
    assert f["width"] <= f["client"], f"the page is {f['width']} px wide in a {f['client']} px window"


def hostile_election(folder: Path) -> Path:
    sim = escrutinio.simulate(folder / "plain.csv", stations=1200, regions=4, seed=9,
                              fraud_incremental=0.05, fraud_extreme=0.01)
    df = sim.stations
    contestants = [c for c in df.columns if c not in {"station", "region", "electorate", "ballots", "valid", "invalid"}]
    assert len(contestants) == 4, contestants
    # Split the last party's votes three ways, so that six columns carry the six names.
    last = contestants[-1]
    third = pl.col(last) // 3
    df = df.with_columns(
        third.alias("x1"), third.alias("x2"), (pl.col(last) - 2 * third).alias("x3")
    ).drop(last)
    renames = dict(zip(contestants[:-1] + ["x1", "x2", "x3"], HOSTILE_CONTESTANTS))
    regions = sorted(df["region"].unique().to_list())
    region_names = dict(zip(regions, HOSTILE_REGIONS))
    df = df.rename(renames).with_columns(
        pl.col("region").replace_strict(region_names),
        (pl.lit("<b>station</b> \"") + pl.col("station") + pl.lit("\" 🗳️ \u202e")).alias("station"),
    )
    path = folder / "hostile.csv"
    df.write_csv(path)
    return path


def test_hostile_names_are_inert_and_the_page_fits(tmp_path):
    path = hostile_election(tmp_path)
    out = tmp_path / "out"
    cli("analyze", str(path), "--out", str(out), "--klimek-bootstrap", "20", "--excess-bootstrap", "200")
    html = (out / "report.html").read_text()
    assert "<script>window.__pwned" not in html
    # The names the page shows as text (the 10,000-character name in full).
    names = [n for n in HOSTILE_CONTESTANTS if "\u0001" not in n and "\u202e" not in n] + [
        r for r in HOSTILE_REGIONS if "\u202b" not in r
    ]
    check_page(out / "report.html", "hostile.png", names)


def test_the_sample_report_in_a_browser(tmp_path):
    cli("analyze", str(SAMPLE), "--hourly", str(SAMPLE) + ".hourly.csv", "--out", str(tmp_path))
    check_page(tmp_path / "report.html", "sample.png", ["winner", "party_1"])


def test_russia_2011_report_in_a_browser(tmp_path):
    russia = shared("russia", "2011.csv.gz")
    cli("analyze", str(russia), "--schema", str(ROOT / "data/schemas/russia-2011.toml"), "--out", str(tmp_path),
        "--klimek-bootstrap", "20")
    check_page(tmp_path / "report.html", "russia-2011.png", ["Республика Мордовия"])
