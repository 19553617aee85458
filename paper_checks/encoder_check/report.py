"""The report of a :class:`~infonce_gauss.encoder_check.result.CheckResult` (whose methods call these): the
terminal summary, the notebook table, and the folder the CLI writes (``report.md`` with figures,
``check.json`` with every number, the tidy tables in ``data/`` and, last, ``run.json``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from infonce_gauss.formatting import format_value
from infonce_gauss.simulations.univariate import AD_THRESHOLD, DP_LEVEL

__all__ = ["summary_text", "summary_markdown", "write_report"]


def _lines(result: CheckResult):
    """Each assumption checked, with the coordinate variants in place of their headline."""
    for a in result.assumptions.values():
        for part in (a.parts.values() if a.parts else (a,)):
            yield part


def _head(result: CheckResult) -> str:
    inp = result.input
    head = f"infonce-gauss check: n = {inp['n']} rows, d = {inp['d']} columns"
    if inp["dropped_rows"] or inp["dropped_constant_columns"]:
        head += f" (dropped {inp['dropped_rows']} rows, {len(inp['dropped_constant_columns'])} constant columns)"
    return head


def summary_text(result: CheckResult) -> str:
    """One line per assumption: verdict, assumption, figure."""
    lines = [_head(result)] + [f"  {a.verdict.upper():12s} {a.title}: {a.figure}" for a in _lines(result)]
    if not any(result.coordinates.details["distinguishable"].values()):
        lines.append("  note: at this (n, d) the paper's tests cannot tell Gaussian coordinates from uniform-sphere ones.")
    return "\n".join(lines)


def _table(result: CheckResult) -> list[str]:
    out = ["| assumption | verdict | effect [95% interval] | p-value | rule | paper |", "|---|---|---|---|---|---|"]
    for a in _lines(result):
        p = "" if a.pvalue is None else f"{a.pvalue:.3g}"
        effects = "; ".join(str(e) for e in a.effects).replace("|", "\\|")  # ‖m‖² written ||m||² would split the cell
        out.append(f"| {a.title} | **{a.verdict}** | {effects} | {p} | {a.rule} | {a.reference} |")
    return out


def summary_markdown(result: CheckResult) -> str:
    """The summary as a Markdown table (the notebook display of a :class:`CheckResult`)."""
    return "\n".join([f"**{_head(result)}**", "", *_table(result)]) + "\n"


def _markdown(result: CheckResult, figures: dict[str, str]) -> str:
    inp = result.input
    out = ["# infonce-gauss check", "",
           f"Input: `{inp.get('source', 'array')}` — {inp['rows']} rows × {inp['columns']} columns; "
           f"{inp['n']} rows × {inp['d']} columns used (dropped {inp['dropped_rows']} rows with NaN/inf or zero norm, "
           f"{len(inp['dropped_constant_columns'])} constant columns). Seed {result.config.seed}, test level "
           f"{result.config.level:g}; {result.seconds:.1f} s.", "",
           "## Summary", "", *_table(result), "", "Figures:", ""]
    out += [f"* {a.title}: {a.figure}" for a in _lines(result)]
    out += ["", "## The paper's table columns (per-coordinate tests)", "",
            f"| embeddings | AD avg | AD pass % | DP avg p | DP pass % | paper's rule (AD avg < {AD_THRESHOLD:g} and DP avg > {DP_LEVEL:g}) | "
            "band under the measured dependence AD / DP % (decides) | effective coordinates | "
            "independent Gaussian band AD / DP % | independent sphere band AD / DP % (the paper's protocol) |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for name, part in result.coordinates.parts.items():
        sec = part.details
        if "paper_columns" not in sec:
            out.append(f"| {name} | skipped: {sec['skipped']} | | | | | | | | |")
            continue
        c, b, cal = sec["paper_columns"], sec["independent_bands"], sec["calibrated_bands"]
        band = {law: f"{100 * b[law]['ad'][0]:.1f}–{100 * b[law]['ad'][1]:.1f} / {100 * b[law]['dp'][0]:.1f}–{100 * b[law]['dp'][1]:.1f}"
                for law in b}
        measured = (f"{100 * cal['ad_pass']['low']:.1f}–{100 * cal['ad_pass']['high']:.1f} / "
                    f"{100 * cal['dp_pass']['low']:.1f}–{100 * cal['dp_pass']['high']:.1f} ({sec['reference_law']})")
        effective = (f"{cal['dp_pass']['effective']:.1f} of {c['columns']} (participation ratio "
                     f"{sec['dependence']['participation_ratio']:.1f})")
        out.append(f"| {name} | {c['ad_avg']:.3f} | {c['ad_pass_pct']:.1f} | {c['dp_avg']:.3f} | {c['dp_pass_pct']:.1f} | "
                   f"{'✓' if sec['paper_rule_gaussian'] else '✗'} | {measured} | {effective} | {band['gaussian']} | {band['sphere']} |")
    cal = result.calibration
    out += ["", "Null calibration: pass probability of one coordinate at this n, from simulated columns "
            f"({cal['gaussian']['replicates']} per law, ± standard error):", "",
            "| null law | AD pass | DP pass | mean AD | mean DP p |", "|---|---|---|---|---|"]
    for law in ("gaussian", "sphere"):
        r = cal[law]
        out.append(f"| {law} | {r['ad_pass']:.4f} ± {r['ad_pass_se']:.4f} | {r['dp_pass']:.4f} ± {r['dp_pass_se']:.4f} | "
                   f"{r['ad_mean']:.3f} | {r['dp_mean']:.3f} |")
    dist = result.coordinates.details["distinguishable"]
    all_pass = result.coordinates.parts["unnormalized"].details["all_pass_probability"]["gaussian"]["dp"]
    out += ["", f"Gaussian and uniform-sphere coordinates are distinguishable by pass rate at this (n, d): "
            f"AD {'yes' if dist['ad'] else 'no'}, DP {'yes' if dist['dp'] else 'no'} (CHK-SPHERE-DETECT). "
            f"The probability that every coordinate passes under the Gaussian null is {all_pass:.2g} for DP (CHK-COMPLIANCE)."]
    for key, title in (("norms", "Norms"), ("pass_rates", "Pass rates against the null bands"), ("qq", "QQ plots"),
                       ("spectrum", "Spectrum")):
        if key in figures:
            out += ["", f"### {title}", "", f"![{title}]({figures[key]})"]
    out += ["", "## Numbers", "", "Every number is in `check.json`; the tables behind the figures are in `data/`."]
    sections = {key: a.details for key, a in result.assumptions.items() if key in ("thin_shell", "uniformity", "alignment")}
    if result.labels is not None:
        sections["labels"] = result.labels
    for key, sec in sections.items():
        flat = {k: v for k, v in sec.items() if not isinstance(v, (dict, list, np.ndarray))}
        out += ["", f"**{key}**: " + ", ".join(f"{k} = {format_value(v)}" for k, v in flat.items())]
    return "\n".join(out) + "\n"


def write_report(result: CheckResult, out_dir, *, command: dict | None = None) -> Path:
    """Write figures, data tables, check.json, report.md and finally run.json; return the report path."""
    from dataclasses import asdict

    from infonce_gauss.encoder_check import plots
    from infonce_gauss.output import run_metadata, save_figure
    from infonce_gauss.simulations.files import atomic_write_text, write_csv, write_json

    out_dir = Path(out_dir)
    drawers = {"norms": plots.plot_norm_histogram, "pass_rates": plots.plot_pass_rates, "qq": plots.plot_qq,
               "spectrum": plots.plot_spectrum}
    figures = {}
    for name, table in result.tables.items():
        if not table:
            continue
        write_csv(out_dir / "data" / f"{name}.csv", table)
        save_figure(drawers[name](table), out_dir / "figures" / name)
        figures[name] = f"figures/{name}.png"
    write_json(out_dir / "check.json", result.to_dict())
    report = atomic_write_text(out_dir / "report.md", _markdown(result, figures))
    config = {**(command or {}), **asdict(result.config)}
    write_json(out_dir / "run.json", run_metadata("check", config, seed=result.config.seed, wall_seconds=result.seconds))
    return report
