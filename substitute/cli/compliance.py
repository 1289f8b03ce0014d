"""CLI commands of the compliance engine: ``content``, ``assess``, ``rules``.

Registered on the ``substitute`` click group in :mod:`substitute.cli`. Parsing and formatting only: every
answer comes from :mod:`substitute.compliance`. Errors are :class:`~substitute.errors.SubstituteError`
subclasses, which ``substitute.cli.main`` turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
import pandas as pd

from substitute.errors import InputError

__all__ = ["assess_cmd", "content_cmd", "rules_cmd"]

_ASSUME = click.Choice(["in_force", "suspended"])


def _output_options(f: Any) -> Any:
    f = click.option(
        "--csv", "fmt", flag_value="csv", help="Write the full table as CSV to stdout."
    )(f)
    f = click.option(
        "--json", "fmt", flag_value="json", help="Write the full table as JSON to stdout."
    )(f)
    return f


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if hasattr(v, "item") and not isinstance(v, list | tuple | dict | str):
        return _jsonable(v.item())
    return v


def _emit(df: pd.DataFrame, fmt: str | None) -> bool:
    """Write JSON or CSV if asked; return True when done."""
    if fmt == "json":
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in df.to_dict(orient="records")]
        doc = {
            "audit": df.attrs.get("audit", {}),
            "assumptions": df.attrs.get("assumptions", []),
            "rows": rows,
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
        return True
    if fmt == "csv":
        out = df.copy()
        if "assumptions" in out.columns:
            out["assumptions"] = out["assumptions"].map(
                lambda a: " | ".join(a) if isinstance(a, list) else a
            )
        click.echo(out.to_csv(index=False), nl=False)
        return True
    return False


def _audit_line(df: pd.DataFrame) -> str:
    a = df.attrs.get("audit", {})
    parts = [
        f"as of {a.get('as_of', '?')}",
        f"status_unknown treated as {a.get('assume', '?')}",
        f"catalog {a.get('catalog_version', '?')} (compiled {a.get('catalog_compiled_on', '?')})",
    ]
    if a.get("price_vector"):
        parts.append(f"prices {a['price_vector']} ({a.get('price_vector_date', '')})")
    parts.append(f"substitute {a.get('substitute_version', '?')}")
    return "; ".join(parts)


def _catalog(overlays: tuple[str, ...]):
    from substitute.compliance import load_catalog

    return load_catalog(overlays=list(overlays)) if overlays else load_catalog()


def _rule_label(df: pd.DataFrame) -> pd.Series:
    return df["short_name"].astype(str) + df["limb"].astype(str).map(lambda x: f" {x}" if x else "")


# --------------------------------------------------------------------------------------------- content
@click.command("content")
@click.argument("composition")
@click.option(
    "--basis",
    type=click.Choice(["mass", "atomic"]),
    default=None,
    help="Basis of the percent amounts: mass (wt%) or atomic (at%); needed unless the text says wt%/at%.",
)
@click.option(
    "--as-of", "as_of", default="today", show_default=True, help="Evaluation date, YYYY-MM-DD."
)
@click.option(
    "--assume",
    type=_ASSUME,
    default="in_force",
    show_default=True,
    help="How a rule whose suspension window ended with no later record (status_unknown) is treated.",
)
@click.option(
    "--mass-kg",
    "mass_kg",
    type=float,
    default=None,
    help="Mass of the part, kg: adds the controlled mass of each element.",
)
@click.option(
    "--customs-floor",
    is_flag=True,
    help="Apply the UNOFFICIAL 0.1 wt%% Dy+Tb customs-practice floor (No. 18; not a legal threshold).",
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Rule overlay YAML (repeatable).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Also show absent elements and criticality lists."
)
@_output_options
def content_cmd(
    composition: str,
    basis: str | None,
    as_of: str,
    assume: str,
    mass_kg: float | None,
    customs_floor: bool,
    overlays: tuple[str, ...],
    show_all: bool,
    fmt: str | None,
) -> int:
    """Controlled content of one alloy as a material, per rule set and element, on a date.

    COMPOSITION is a percent string, e.g. "Nd 25, Pr 5, Dy 4, B 1, Fe bal" with --basis mass.
    """
    from substitute.compliance import controlled_content
    from substitute.composition import Alloy

    if mass_kg is not None and not (math.isfinite(mass_kg) and mass_kg > 0):
        msg = f"--mass-kg must be > 0 kg, got {mass_kg:g}"
        raise InputError(msg)
    alloy = Alloy.parse(composition, basis=basis)
    df = controlled_content(
        alloy,
        as_of=as_of,
        catalog=_catalog(overlays),
        assume=assume,
        customs_practice_floor=customs_floor,
    )
    if mass_kg is not None:
        df.insert(df.columns.get_loc("mass_fraction") + 1, "mass_kg", df["mass_fraction"] * mass_kg)
    if _emit(df, fmt):
        return 0
    click.echo(f"{alloy.to_string()}")
    click.echo(_audit_line(df))
    view = df if show_all else df[(df["mass_fraction"] > 0) & (df["verdict"] != "information_only")]
    if view.empty:
        click.echo(
            "No element of this alloy is listed by an export-control rule set (use --all for lists)."
        )
        return 0
    table = pd.DataFrame(
        {
            "rule": _rule_label(view),
            "element": view["element"],
            "wt%": (view["mass_fraction"] * 100).round(4),
            **({"mass_g": (view["mass_kg"] * 1000).round(3)} if mass_kg is not None else {}),
            "status": view["status"],
            "verdict": view["verdict"],
        }
    )
    click.echo(table.to_string(index=False))
    flagged = view[
        view["verdict"].isin(
            ["licence_required", "below_unofficial_floor", "needs_part_assessment"]
        )
    ]
    if len(flagged):
        click.echo("\nWhy:")
        for r in dict.fromkeys(flagged["reason"]):
            click.echo(f"  - {r}")
    click.echo("\nAssumptions:")
    for a in df.attrs.get("assumptions", []):
        click.echo(f"  - {a}")
    return 0


# --------------------------------------------------------------------------------------------- assess
@click.command("assess")
@click.argument("bom", type=click.Path(dir_okay=False))
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Evaluation date, YYYY-MM-DD (default: the file's, else today).",
)
@click.option(
    "--assume",
    type=_ASSUME,
    default=None,
    help="How status_unknown rules are treated (default: the file's, else in_force).",
)
@click.option(
    "--prices",
    default=None,
    help="Price vector name or CSV path (default: the file's, else ex_china_2025).",
)
@click.option(
    "--end-use",
    "end_use",
    default=None,
    help="End use, e.g. civil_automotive, military, humanitarian.",
)
@click.option("--destination", default=None, help="Destination country (ISO code), e.g. US, JP.")
@click.option(
    "--mass-basis",
    is_flag=True,
    help="Test value-share rules on a MASS share instead (an alternative reading, labelled).",
)
@click.option(
    "--recycled-as-cn", is_flag=True, help="Count recycled content as China-origin (worst case)."
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Rule overlay YAML (repeatable).",
)
@click.option("--all", "show_all", is_flag=True, help="Also show criticality-list rows.")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when any row is licence_required or unknown_status (for CI design reviews).",
)
@_output_options
def assess_cmd(
    bom: str,
    as_of: str | None,
    assume: str | None,
    prices: str | None,
    end_use: str | None,
    destination: str | None,
    mass_basis: bool,
    recycled_as_cn: bool,
    overlays: tuple[str, ...],
    show_all: bool,
    check: bool,
    fmt: str | None,
) -> int:
    """Assess a BOM file (YAML, format substitute-bom/1) at every level against the rule catalog.

    See datasets/examples/e-axle-bom.yaml for the format.
    """
    from substitute.compliance import assess, load_bom

    item, settings = load_bom(bom)
    df = assess(
        item,
        as_of=as_of or settings.get("as_of", "today"),
        prices=prices or settings.get("prices", "ex_china_2025"),
        catalog=_catalog(overlays),
        assume=assume or settings.get("assume", "in_force"),
        end_use=end_use or settings.get("end_use"),
        destination=destination or settings.get("destination"),
        share_basis="mass_share" if mass_basis else "value_share",
        recycled_counts_as="CN" if recycled_as_cn else "non-CN",
    )
    flagged = df[df["status"].isin(["licence_required", "unknown_status"])]
    code = 1 if (check and len(flagged)) else 0
    if _emit(df, fmt):
        return code
    click.echo(_audit_line(df))
    view = df if show_all else df[df["test"] != "information_only"]
    table = pd.DataFrame(
        {
            "level": view["level"],
            "item": view["item"],
            "rule": _rule_label(view),
            "elements": view["elements"],
            "share_%": (view["value_share"] if not mass_basis else view["mass_share"])
            .mul(100)
            .round(4),
            "margin": view["margin"].round(3),
            "status": view["status"],
            "end_use": view["end_use_effect"],
        }
    )
    click.echo(table.to_string(index=False))
    if len(flagged):
        click.echo("\nWhy:")
        for _, r in flagged.iterrows():
            extra = f" End use: {r['end_use_note']}." if r["end_use_note"] else ""
            click.echo(f"  - [{r['path']}] {r['reason']}{extra}")
    click.echo("\nAssumptions:")
    for a in df.attrs.get("assumptions", []):
        click.echo(f"  - {a}")
    return code


# --------------------------------------------------------------------------------------------- rules
@click.command("rules")
@click.option("--as-of", "as_of", default="today", show_default=True, help="Date, YYYY-MM-DD.")
@click.option(
    "--assume",
    type=_ASSUME,
    default="in_force",
    show_default=True,
    help="How status_unknown rules are treated.",
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Rule overlay YAML (repeatable).",
)
@_output_options
def rules_cmd(as_of: str, assume: str, overlays: tuple[str, ...], fmt: str | None) -> int:
    """List the rule sets (and limbs/clauses) with their status on a date."""
    cat = _catalog(overlays)
    df = cat.status_table(as_of, assume=assume)
    if _emit(df, fmt):
        return 0
    click.echo(_audit_line(df))
    table = pd.DataFrame(
        {
            "rule_id": df["rule_id"],
            "limb": df["limb"],
            "name": df["short_name"],
            "kind": df["kind"],
            "status": df["status"],
            "treated_as": df["treated_as"],
            "effective": df["effective"],
            "suspended": (df["suspended_from"] + ".." + df["suspended_until"]).where(
                df["suspended_from"] != "", ""
            ),
            "unverified": df["unverified_fields"],
        }
    )
    click.echo(table.to_string(index=False))
    unknown = df[df["status"] == "status_unknown"]
    if len(unknown):
        click.echo(
            f"\n{unknown['rule_id'].nunique()} rule set(s) are status_unknown on {df['as_of'].iloc[0]}: their "
            f"suspension window ended with no later public record; treated as {assume!r} (--assume)."
        )
    return 0
