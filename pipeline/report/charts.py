"""The report's charts, as Plotly figures.

Plotly because one report is one file read offline: ``plotly.js`` is shipped inside the Python package
and inlined once per page (no CDN, no network at view time), its charts draw as SVG (so the browser
test can count marks), ``layout.separators`` gives Vietnamese number formatting in axes and tooltips,
and the tooltips let a committee member read the exact figure of any bar or point. Vega-Lite would do
too, but inlining it needs ``vl-convert-python`` (a JavaScript runtime of its own) for the same result.
The map draws points on longitude/latitude axes rather than a Plotly ``geo`` map, whose outlines are
fetched from a CDN.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.report.formats import decimal, number, percent
from pipeline.report.labels import INDICATORS, SCHEMES

REFORM = date(2025, 7, 1)
COLOURS = {
    "bhyt": "#1b7f5b",
    "bhxh": "#1f5fa8",
    "bhxh_bb": "#5b8fd1",
    "bhxh_tn": "#a05bd1",
    "bhtn": "#d17a1f",
}
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
# Every chart of the page: no logo, no "edit in Chart Studio" link, no toolbar that needs the network.
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}


def _layout(figure: go.Figure, height: int, **extra: Any) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": FONT, "size": 12},
        # Decimal comma, thousands dot: 1.699 and 49,5 in ticks and tooltips.
        separators=",.",
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "y": -0.12},
        **extra,
    )
    figure.update_xaxes(gridcolor="#e6e6e6", zerolinecolor="#999")
    figure.update_yaxes(gridcolor="#e6e6e6", zerolinecolor="#999", automargin=True)
    return figure


def ranked_gaps(sub_units: list[dict[str, Any]], limit: int) -> go.Figure:
    """Sub-units ranked by gap to the BHYT target (left) and the BHXH target (right)."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("BHYT · health insurance", "BHXH · social insurance"),
        horizontal_spacing=0.25,
    )
    for column, key in enumerate(("bhyt", "bhxh"), start=1):
        ranked = sorted(
            (row for row in sub_units if row[f"{key}_gap_pp"] is not None),
            key=lambda row, key=key: -row[f"{key}_gap_pp"],
        )[:limit]
        ranked.reverse()  # Plotly draws the first category at the bottom
        figure.add_trace(
            go.Bar(
                x=[row[f"{key}_gap_pp"] for row in ranked],
                y=[row["name"] for row in ranked],
                orientation="h",
                marker_color=[COLOURS[key] if row[f"{key}_gap_pp"] > 0 else "#9ccfb5" for row in ranked],
                customdata=[
                    [
                        percent(row[f"{key}_coverage_pct"]),
                        percent(row[f"{key}_target_pct"]),
                        number(row[f"{key}_persons_to_target"]),
                    ]
                    for row in ranked
                ],
                hovertemplate="<b>%{y}</b><br>Khoảng cách · gap: %{x:.2f} điểm %<br>"
                "Bao phủ · coverage: %{customdata[0]} (mục tiêu · target %{customdata[1]})<br>"
                "Cần thêm · still needed: %{customdata[2]} người<extra></extra>",
                name=key.upper(),
                showlegend=False,
            ),
            row=1,
            col=column,
        )
    rows = max(1, min(limit, len(sub_units)))
    figure.update_xaxes(title_text="điểm % · percentage points", ticksuffix="")
    return _layout(figure, height=120 + 18 * rows)


def gap_map(sub_units: list[dict[str, Any]]) -> go.Figure:
    """Sub-units on their coordinates, sized by persons still needed (BHYT), coloured by the BHYT gap."""
    placed = [row for row in sub_units if row["latitude"] is not None and row["longitude"] is not None]
    needed = [row["bhyt_persons_to_target"] or 0 for row in placed]
    largest = max(needed, default=0) or 1
    figure = go.Figure(
        go.Scatter(
            x=[row["longitude"] for row in placed],
            y=[row["latitude"] for row in placed],
            mode="markers",
            text=[row["name"] for row in placed],
            marker={
                # Area proportional to persons still needed; a unit on target is a small dot.
                "size": [6 + 34 * (value / largest) ** 0.5 for value in needed],
                "color": [row["bhyt_gap_pp"] if row["bhyt_gap_pp"] is not None else 0 for row in placed],
                "colorscale": [[0, "#1b7f5b"], [0.5, "#f2d15c"], [1, "#c0392b"]],
                "cmin": 0,
                "cmax": max([row["bhyt_gap_pp"] or 0 for row in placed] + [1]),
                "colorbar": {"title": {"text": "điểm %<br>gap"}},
                "line": {"width": 0.5, "color": "#333"},
                "opacity": 0.85,
            },
            customdata=[
                [
                    percent(row["bhyt_coverage_pct"]),
                    decimal(row["bhyt_gap_pp"]),
                    number(row["bhyt_persons_to_target"]),
                ]
                for row in placed
            ],
            hovertemplate="<b>%{text}</b><br>BHYT: %{customdata[0]}"
            "<br>Khoảng cách · gap: %{customdata[1]} điểm %"
            "<br>Cần thêm · still needed: %{customdata[2]} người<extra></extra>",
        )
    )
    # The plot area shrinks to the country's shape instead of stretching the longitude range.
    figure.update_xaxes(title_text="kinh độ · longitude", showgrid=True, constrain="domain")
    # Degrees of latitude and longitude drawn at the same scale: the country keeps its shape.
    figure.update_yaxes(title_text="vĩ độ · latitude", scaleanchor="x", scaleratio=1)
    return _layout(figure, height=640)


def trends(series: list[dict[str, Any]]) -> go.Figure:
    """Coverage of each indicator over time with its target (dashed), the 2025 reform marked."""
    figure = go.Figure()
    for key in INDICATORS:
        rows = [row for row in series if row["indicator"] == key]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=[row["period"] for row in rows],
                y=[row["coverage_pct"] for row in rows],
                mode="lines+markers",
                name=INDICATORS[key][0],
                line={"color": COLOURS[key], "width": 2},
                marker={"size": 4},
                hovertemplate="%{x|%d/%m/%Y}: %{y:.2f}%<extra>" + INDICATORS[key][0] + "</extra>",
            )
        )
        if any(row["target_pct"] is not None for row in rows):
            figure.add_trace(
                go.Scatter(
                    x=[row["period"] for row in rows],
                    y=[row["target_pct"] for row in rows],
                    mode="lines",
                    name=f"Mục tiêu {INDICATORS[key][0]} · target",
                    line={"color": COLOURS[key], "width": 1, "dash": "dash", "shape": "hv"},
                    hovertemplate="%{x|%d/%m/%Y}: mục tiêu · target %{y:.2f}%<extra></extra>",
                )
            )
    figure.add_vline(x=REFORM, line={"color": "#555", "dash": "dot"})
    figure.add_annotation(
        x=REFORM,
        y=1.02,
        yref="paper",
        text="Sắp xếp ĐVHC · 2025 reform (01/07/2025)",
        showarrow=False,
        xanchor="left",
        font={"size": 11, "color": "#555"},
    )
    figure.update_xaxes(tickformat="%m/%Y", hoverformat="%d/%m/%Y")
    figure.update_yaxes(title_text="% bao phủ · coverage", ticksuffix="%")
    return _layout(figure, height=420)


def outlook(headline: list[dict[str, Any]]) -> go.Figure:
    """Today's coverage, the projection at 31 December and the target, per indicator."""
    rows = [row for row in headline if row["coverage_pct"] is not None]
    names = [INDICATORS[row["indicator"]][0] for row in rows]
    figure = go.Figure()
    for label, key, symbol, colour in (
        ("Hiện tại · now", "coverage_pct", "circle", "#1f5fa8"),
        ("Dự báo 31/12 · projected", "projected_coverage_pct", "diamond", "#d17a1f"),
        ("Mục tiêu · target", "target_pct", "line-ns-open", "#c0392b"),
    ):
        points = [(name, row[key]) for name, row in zip(names, rows, strict=True) if row[key] is not None]
        figure.add_trace(
            go.Scatter(
                x=[value for _, value in points],
                y=[name for name, _ in points],
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 14, "color": colour, "line": {"width": 2, "color": colour}},
                hovertemplate="%{y}: %{x:.2f}%<extra>" + label + "</extra>",
            )
        )
    figure.update_xaxes(ticksuffix="%", title_text="% bao phủ · coverage")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, height=120 + 45 * max(1, len(rows)))


def bhyt_groups(groups: list[dict[str, Any]]) -> go.Figure:
    """BHYT participants by the five groups of the Law on Health Insurance."""
    total = sum(row["participants"] for row in groups) or 1
    figure = go.Figure(
        go.Bar(
            x=[row["participants"] for row in groups],
            y=[f"Nhóm {row['group_no']}" for row in groups],
            orientation="h",
            marker_color="#1b7f5b",
            text=[
                f"{number(row['participants'])} ({percent(100 * row['participants'] / total, 1)})"
                for row in groups
            ],
            textposition="auto",
            customdata=[row["group_name"] for row in groups],
            hovertemplate="%{y}: %{customdata}<br>%{x:,} người<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title_text="người tham gia · participants", tickformat=",d")
    return _layout(figure, height=280)


def retention(series: list[dict[str, Any]]) -> go.Figure:
    """New and stopped participants per month and scheme, with those due to renew next month."""
    schemes = [scheme for scheme in SCHEMES if any(row["scheme"] == scheme for row in series)]
    figure = make_subplots(
        rows=1, cols=max(1, len(schemes)), subplot_titles=[SCHEMES[s] for s in schemes], shared_yaxes=False
    )
    for column, scheme in enumerate(schemes, start=1):
        rows = [row for row in series if row["scheme"] == scheme]
        periods = [row["period"] for row in rows]
        for label, values, colour in (
            ("Mới · new", [row["new"] for row in rows], "#1b7f5b"),
            ("Dừng · stopped", [-row["stopped"] for row in rows], "#c0392b"),
        ):
            figure.add_trace(
                go.Bar(
                    x=periods,
                    y=values,
                    name=label,
                    marker_color=colour,
                    showlegend=column == 1,
                    legendgroup=label,
                    hovertemplate="%{x|%m/%Y}: %{y:,}<extra>" + label + "</extra>",
                ),
                row=1,
                col=column,
            )
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=[row["due_next_month"] for row in rows],
                name="Đến hạn gia hạn · due to renew",
                mode="lines+markers",
                line={"color": "#d17a1f"},
                showlegend=column == 1,
                legendgroup="due",
                hovertemplate="%{x|%m/%Y}: %{y:,}<extra>due to renew</extra>",
            ),
            row=1,
            col=column,
        )
    figure.update_xaxes(tickformat="%m/%y")
    figure.update_yaxes(tickformat=",d")
    return _layout(figure, height=340, barmode="relative")


def plan_attainment(plans: list[dict[str, Any]]) -> go.Figure:
    """New participants of the year so far against the plan, per scheme."""
    rows = [row for row in plans if row["attainment_pct"] is not None]
    figure = go.Figure(
        go.Bar(
            x=[row["attainment_pct"] for row in rows],
            y=[SCHEMES.get(row["scheme"], row["scheme"]) for row in rows],
            orientation="h",
            marker_color=["#1b7f5b" if row["attainment_pct"] >= 100 else "#1f5fa8" for row in rows],
            text=[percent(row["attainment_pct"], 1) for row in rows],
            textposition="auto",
            customdata=[[number(row["new_participants"]), number(row["planned_new"])] for row in rows],
            hovertemplate="%{y}: %{customdata[0]} / %{customdata[1]} người<extra></extra>",
        )
    )
    figure.add_vline(x=100, line={"color": "#555", "dash": "dot"})
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(ticksuffix="%", title_text="% kế hoạch · of plan")
    return _layout(figure, height=100 + 40 * max(1, len(rows)))
