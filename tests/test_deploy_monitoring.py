"""Issue 19, item 2: the example Prometheus configuration, alert rules and Grafana dashboard parse, and every
metric they name is one the bot exports (a renamed metric would leave a panel empty and an alert silent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.metrics import create_metrics

# Series Prometheus itself adds to every target, not the bot's.
PROMETHEUS_OWN = {"up"}
KEYWORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}


def exported_names() -> set[str]:
    """Every series name the bot's registry can produce, labelled ones included before their first sample."""
    names: set[str] = set()
    for family in create_metrics().registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
    return names


def metric_names(expr: str) -> set[str]:
    """The series names in a PromQL expression: identifiers not a function, a keyword, a label or a duration."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    found = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", expr):
        name, call = match.group(1), match.group(2)
        if call is None and name not in KEYWORDS:
            found.add(name)
    return found


def yaml_values(text: str, key: str) -> list[str]:
    """The values of `key:` in a YAML file, a folded (`>`) or literal (`|`) block included.

    Enough for these files, without a YAML library the bot does not otherwise need."""
    lines = text.splitlines()
    values = []
    for index, line in enumerate(lines):
        match = re.match(rf"^(\s*)(?:- )?{key}:\s*(.*)$", line)
        if match is None:
            continue
        indent, value = len(match.group(1)), match.group(2).strip()
        if value in {">", "|", ">-", "|-"}:
            block = []
            for following in lines[index + 1 :]:
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                block.append(following.strip())
            value = " ".join(block).strip()
        values.append(value)
    return values


def test_the_name_finder_finds_names_and_skips_the_rest() -> None:
    assert metric_names('sum by (kind) (rate(a_total{outcome="x"}[5m])) / clamp_min(sum(b), 0.001) > 25 * 3600') == {
        "a_total",
        "b",
    }


@pytest.fixture(scope="module")
def deploy(project_root: Path) -> Path:
    return project_root / "deploy"


def test_the_dashboard_names_only_exported_metrics(deploy: Path) -> None:
    dashboard = json.loads((deploy / "grafana-dashboard.json").read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    titles = " ".join(panel["title"] for panel in dashboard["panels"]).lower()
    for needed in ("traffic", "p50", "p99", "error", "429", "outbox"):
        assert needed in titles
    named = set().union(*(metric_names(expr) for expr in exprs))
    assert named - exported_names() - PROMETHEUS_OWN == set()
    assert any(name.startswith("healthcode_") for name in named)


def test_the_alerts_name_only_exported_metrics(deploy: Path) -> None:
    text = (deploy / "alerts.yml").read_text(encoding="utf-8")
    alerts = yaml_values(text, "alert")
    exprs = yaml_values(text, "expr")
    assert len(alerts) == len(exprs) >= 4
    assert {"OutboxBacklogGrowing", "UpdateErrorRate", "DailyJobNotFinished", "DatabaseDown"} <= set(alerts)
    named = set().union(*(metric_names(expr) for expr in exprs))
    assert named - exported_names() - PROMETHEUS_OWN == set()


def test_prometheus_scrapes_several_processes_and_loads_the_alerts(deploy: Path) -> None:
    text = (deploy / "prometheus.yml").read_text(encoding="utf-8")
    assert yaml_values(text, "metrics_path") == ["/metrics"]
    assert yaml_values(text, "job_name") == ["health-code-bot"]
    assert "- alerts.yml" in text
    targets = re.findall(r"^\s*- (127\.0\.0\.1:\d+)$", text, flags=re.MULTILINE)
    assert len(targets) >= 2
