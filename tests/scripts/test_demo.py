"""`make demo` (deploy/local/demo.sh): with the stack down, one clear line and a non-zero exit,
never a traceback; with the test stack up, a whole project life, then a program of two projects
sharing one resource and one funding pool, and its roll-up, then the PMO's standards and a
portfolio that scores, selects, compares a scenario and decides, and its roll-up."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import REPO, Run

NOT_RUNNING = "the dev stack is not running"


def assert_refused_clearly(result: subprocess.CompletedProcess[str]) -> None:
    """The demo stopped with the not-running message, before sending any command."""
    assert result.returncode != 0
    assert NOT_RUNNING in result.stderr
    assert "run make up" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "$ propose" not in result.stdout


def test_the_demo_without_a_stack_says_run_make_up(run: Run) -> None:
    result = run("deploy/local/demo.sh")

    assert result.returncode == 1
    assert_refused_clearly(result)


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port bound but not listening: connections to it are refused for as long as
    the test holds it, and nothing else can take it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def stopped_dev_stack(scripts_tree: Path, refusing_port: int) -> Path:
    """What a dev stack that ran once leaves behind (its env file and secret, the installed
    tools), its services now stopped."""
    data = scripts_tree / ".data" / "dev"
    data.mkdir(parents=True)
    secret = "0123456789abcdef0123456789abcdef"
    (data / "jwt_secret").write_text(secret + "\n")
    url = f"http://127.0.0.1:{refusing_port}"
    (data / "env").write_text(
        f"export PROJECT_URL={url}\nexport PROGRAM_URL={url}\nexport REPORTING_URL={url}\n"
        f"export JWT_SECRET={secret}\n"
    )
    (scripts_tree / ".venv").symlink_to(REPO / ".venv")
    return data / "env"


def test_the_demo_on_a_stopped_stack_says_run_make_up(run: Run, stopped_dev_stack: Path) -> None:
    result = run("deploy/local/demo.sh")

    assert result.returncode == 1
    assert_refused_clearly(result)


def test_make_demo_on_a_stopped_stack_says_run_make_up(run: Run, stopped_dev_stack: Path) -> None:
    assert_refused_clearly(run("make", "demo"))


def test_the_demo_with_an_env_file_naming_no_program_svc_says_run_make_up(
    run: Run, stopped_dev_stack: Path
) -> None:
    env = stopped_dev_stack.read_text().splitlines()
    stopped_dev_stack.write_text("".join(f"{line}\n" for line in env if "PROGRAM_URL" not in line))

    result = run("deploy/local/demo.sh")

    assert result.returncode == 1
    assert_refused_clearly(result)
    assert "no PROGRAM_URL in .data/dev/env" in result.stderr


@pytest.mark.integration
def test_the_demo_drives_a_project_life_on_the_test_stack() -> None:
    result = subprocess.run(
        ["deploy/local/demo.sh", "test"],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "412 If-Match names version 3" in result.stdout
    assert "closed version 14" in result.stdout
    assert "disbanded project completed automatic" in result.stdout
    assert "S-curve chart: .data/test/evm-chart.svg" in result.stdout
    program = result.stdout.split("$ two more projects", 1)[1]
    assert "may not approve program PAYPRG-" in program
    assert "active by cfo on " in program
    assert "pool 1300000.00, allocated 1150000.00, unallocated 150000.00" in program
    assert "overbook it in 1 week: 2027-W08 by 4 h" in program
    assert "Faster payroll runs: 3 of 6 hours (50.00%)" in program
    assert "booked 2027-W01..2027-W04 24 h, 2027-W05..2027-W08 36 h, 2027-W09..2027-W12 12 h" in (
        program
    )
    rollup = program.split("$ reporting-svc: the program roll-up", 1)[1]
    assert re.search(r"as of \d{4}-\d{2}-\d{2}: 2 members$", rollup, flags=re.MULTILINE)
    # Engine: PV = BAC 800,000 (planned finish passed), EV = 80% = 640,000, AC 720,000.
    # Portal: PV = BAC 400,000, EV = 90% = 360,000, AC 330,000.
    # SPI = 1,000,000 / 1,200,000 = 0.8333; CPI = 1,000,000 / 1,050,000 = 0.9524.
    assert "SPI 0.8333 CPI 0.9524 (SV -200000.00, CV -50000.00)" in rollup
    assert re.search(r"^program +1200000\.00 +1200000\.00 +1000000\.00 +1050000\.00 ", rollup, re.M)
    # The engine spent 720,000 of its 700,000; 100,000 of its BAC is unfunded.
    assert (
        "funds: pool 1300000.00, allocated 1150000.00, unallocated 150000.00, spent 1050000.00, "
        "unfunded 100000.00, overspent members 1"
    ) in rollup
    assert re.search(r"^ENG-\S+ .* 700000\.00  overspent$", rollup, flags=re.MULTILINE)
    assert "benefits: 1 planned, 1 reported, 0 at target, mean 50.00%" in rollup
    assert "dependencies: 1 member(s) at risk" in rollup
    # 24 h for the engine and 12 h for the portal in the weeks they overlap, of 40.
    assert "utilisation of eng-dana (40 h a week):" in rollup
    assert "2027-W05    36 h  0.9000" in rollup
    assert "utilisation heatmap: .data/test/utilisation.svg" in rollup
    portfolio = result.stdout.split("$ the PMO sets its standards", 1)[1]
    assert "large from 1000000.00 EUR, portfolio approval from 2000000.00 EUR" in portfolio
    # Not flagged, but its BAC reaches the large-project threshold in force.
    assert "CRM large: True (BAC 2500000.00, not flagged)" in portfolio
    assert "409 project " in portfolio
    assert "needs a portfolio decision 'approve' in force then, and there is none" in portfolio
    # The worked AHP matrix, then an inconsistent one refused with its CR.
    assert (
        "weights growth 0.636986, efficiency 0.258285, compliance 0.104729 (AHP, CR 0.033199)"
        in (portfolio)
    )
    assert "422 the pairwise comparisons are inconsistent: consistency ratio CR = 6.130268" in (
        portfolio
    )
    # value = sum of weight x score: 0.636986 x 5 + 0.104729 x 2 + 0.258285 x 3 = 4.169243.
    assert "1. CRM      value 4.169243" in portfolio
    # 3 architects: the program (1) and the CRM (2) fit; the warehouse (2) does not.
    assert "selected CRM, program: value 7, cost 3800000.00" in portfolio
    assert "DWH: excluded_by_capacity (architect)" in portfolio
    assert "capacity architect: used 3 of 3, slack 0" in portfolio
    assert "delta value 3.258285, delta cost 1500000.00; in: DWH; out: -" in portfolio
    assert "efficient frontier: .data/test/frontier.svg" in portfolio
    approval = portfolio.split("$ project-svc follows the decision", 1)[1]
    assert approval.splitlines()[1] == "approved"
    rolled = portfolio.split("$ reporting-svc: the portfolio roll-up", 1)[1]
    assert re.search(r"as of \d{4}-\d{2}-\d{2}: 3 components, budget 6000000\.00$", rolled, re.M)
    # ΣBAC = 1,200,000 (the program's members) + 2,500,000 + 1,500,000.
    assert "ΣBAC 5200000.00 ΣPV 1200000.00 ΣEV 1000000.00 ΣAC 1050000.00" in rolled
    assert "decisions: approved 2, deferred 1" in rolled
    assert "adopted selection on " in rolled
    assert "portfolio bubble chart: .data/test/portfolio-bubble.svg" in rolled
    assert "portfolio frontier chart: .data/test/portfolio-frontier.svg" in rolled
    learning = result.stdout.split("$ history from a spreadsheet", 1)[1]
    assert re.search(r"^15 projects: .*, 0 failed; \d+ sent$", learning, re.M)
    # The sample's data warehouse: 2,150,000 spent of a first BAC of 1,600,000 (+34.38 %),
    # finished 2021-02-26, 241 days after its first planned finish (2020-06-30), re-baselined
    # once, 2 risks of which 1 materialised.
    assert re.search(
        r"^DWH-2019 +2021-02-26 completed 1\.0000 0\.8837 +34\.38% +241d +1 +2/1 +1$",
        learning,
        re.M,
    )
    assert "percentiles: linear interpolation between closest ranks (type 7)" in learning
    assert re.search(r"^waterfall +5 +18\.33% +22\.40% +63\.00d +149\.00d +1$", learning, re.M)
    assert "box plot: .data/test/benchmarks.svg" in learning
    assert "reference class: " in learning
    assert "cost at completion: P50 " in learning
    lessons = learning.split("$ lessons of finished projects suggested for the CRM", 1)[1]
    assert lessons.splitlines()[1].startswith("1. CRM-2020 (Data migration) score ")
    assert "marked useful for this project on " in lessons
