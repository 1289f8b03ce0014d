"""CLI commands of the compliance engine: ``content``, ``assess``, ``rules``.

Registered on the ``substitute`` click group in :mod:`substitute.cli`. Parsing and formatting only: every
answer comes from :mod:`substitute.compliance`. Errors are :class:`~substitute.errors.SubstituteError`
subclasses, which ``substitute.cli.main`` turns into one line on stderr and exit code 2.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import click

from substitute.cli.options import output_options, readable_text
from substitute.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["assess_cmd", "content_cmd", "rules_cmd"]

_ASSUME = click.Choice(["in_force", "suspended"])
_overlay_option = click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Rule overlay YAML (repeatable).",
)


def _record(df: pd.DataFrame, command: str, **extra: Any) -> str:
    """The complete record of a run as JSON (:func:`substitute.outputs.json_document`): audit record,
    assumptions, warnings and every row."""
    from substitute.outputs import json_document, records

    return json_document(
        command,
        audit=df.attrs.get("audit", {}),
        assumptions=df.attrs.get("assumptions", []),
        warnings=df.attrs.get("warnings", []),
        **extra,
        rows=records(df),
    )


def _record_option(f: Any) -> Any:
    """``--record FILE``: the older name of ``--json FILE`` (kept; hidden from the help)."""
    return click.option(
        "--record", "record_path", default=None, hidden=True, type=click.Path(dir_okay=False)
    )(f)


def _json_path(json_path: str | None, record_path: str | None) -> str | None:
    if record_path is not None and json_path is not None:
        msg = "--record is the older name of --json FILE; give one of them"
        raise InputError(msg)
    return json_path if record_path is None else record_path


def _csv_text(df: pd.DataFrame) -> str:
    from substitute.outputs import csv_safe

    out = df.copy()
    for col in ("assumptions", "warnings"):
        if col in out.columns:
            out[col] = out[col].map(lambda a: " | ".join(a) if isinstance(a, list) else a)
    return str(csv_safe(out).to_csv(index=False))


def _write_data(
    df: pd.DataFrame,
    command: str,
    json_path: str | None,
    csv_path: str | None,
    data: Any,
    **extra: Any,
) -> None:
    """Write the ``--json``/``--csv`` outputs: a file (whole or not at all) or ``-`` (the data stream)."""
    from substitute.outputs import write_atomic

    for path, what, make in (
        (json_path, "--json output", lambda: _record(df, command, **extra) + "\n"),
        (csv_path, "--csv output", lambda: _csv_text(df)),
    ):
        if path == "-":
            data.write(make())
            data.flush()
        elif path is not None:
            write_atomic(path, make(), what=what)
            click.echo(f"{what} written to {path}", err=True)


def _bullets(title: str, lines, always: bool = False) -> None:
    """Print ``title:`` and one ``  - line`` per item (nothing when empty, unless ``always``)."""
    items = list(lines)
    if items or always:
        click.echo(f"\n{title}:")
        for line in items:
            click.echo(f"  - {line}")


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
    if a.get("run_utc"):
        parts.append(f"run {a['run_utc']}")
    line = "; ".join(parts)
    if a.get("status_after_windows"):
        line += "\n" + a["status_after_windows"]
    return line


def _catalog(overlays: tuple[str, ...]):
    from substitute.compliance import load_catalog

    return load_catalog(overlays=list(overlays)) if overlays else load_catalog()


def _form_label(df: pd.DataFrame) -> pd.Series:
    fam = df["family"].astype(str)
    return df["form"].astype(str) + fam.map(lambda f: f" ({f})" if f else "")


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
    help="Apply the UNOFFICIAL 0.1 wt% Dy+Tb customs-practice floor (No. 18; not a legal threshold).",
)
@_overlay_option
@click.option(
    "--form",
    type=click.Choice(
        ["magnet", "metal", "alloy", "compound", "magnetostrictive", "target", "other"]
    ),
    default=None,
    help="What the material is (default: inferred from the composition and printed).",
)
@click.option(
    "--family",
    type=click.Choice(["NdFeB", "SmCo", "SmFeN", "ferrite", "AlNiCo", "other"]),
    default=None,
    help="Magnet family when --form magnet (default: inferred).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Also show absent elements and criticality lists."
)
@_record_option
@output_options
def content_cmd(
    composition: str,
    basis: str | None,
    as_of: str,
    assume: str,
    mass_kg: float | None,
    customs_floor: bool,
    overlays: tuple[str, ...],
    form: str | None,
    family: str | None,
    show_all: bool,
    record_path: str | None,
    json_path: str | None,
    csv_path: str | None,
    force: bool,
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
    from substitute.outputs import check_outputs

    json_path = _json_path(json_path, record_path)
    check_outputs({"--json output": json_path, "--csv output": csv_path}, force=force)
    df = controlled_content(
        alloy,
        as_of=as_of,
        catalog=_catalog(overlays),
        assume=assume,
        customs_practice_floor=customs_floor,
        form=form,
        family=family,
        inputs={f"overlay {i + 1}": o for i, o in enumerate(overlays)},
    )
    if mass_kg is not None:
        at = cast(int, df.columns.get_loc("mass_fraction"))  # columns are unique
        df.insert(at + 1, "mass_kg", df["mass_fraction"] * mass_kg)
    with readable_text(json_path, csv_path) as data:
        _write_data(df, "content", json_path, csv_path, data, composition=alloy.to_string())
        click.echo(f"{alloy.to_string()}")
        click.echo(_audit_line(df))
        view = (
            df
            if show_all
            else df[(df["mass_fraction"] > 0) & (df["verdict"] != "information_only")]
        )
        if view.empty:
            click.echo(
                "No element of this alloy is listed by an export-control rule set (use --all for lists)."
            )
            return 0
        import pandas as pd

        table = pd.DataFrame(
            {
                "rule": _rule_label(view),
                "element": view["element"],
                "wt%": (view["mass_fraction"] * 100).round(4),
                **({"mass_g": (view["mass_kg"] * 1000).round(3)} if mass_kg is not None else {}),
                "form": _form_label(view),
                "item": view["control_code"].astype(str).replace("", "-"),
                "rule_status": view["status"],
                "treated_as": view["treated_as"],
                "verdict": view["verdict"],
            }
        )
        click.echo(table.to_string(index=False))
        flagged = view[view["verdict"] != "not_controlled"]
        _bullets("Why", dict.fromkeys(flagged["reason"]))
        _bullets("Assumptions", df.attrs.get("assumptions", []), always=True)
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
@_overlay_option
@click.option("--all", "show_all", is_flag=True, help="Also show criticality-list rows.")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 when any row is prohibited, licence_required, exempt_report_required or "
    "unknown_status (for CI design reviews).",
)
@click.option(
    "--accept-unknown",
    is_flag=True,
    help="With --check, let rows of unknown_status pass (they fail the gate without it).",
)
@_record_option
@output_options
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
    accept_unknown: bool,
    record_path: str | None,
    json_path: str | None,
    csv_path: str | None,
    force: bool,
) -> int:
    """Assess a BOM file (YAML, format substitute-bom/1) at every level against the rule catalog.

    See datasets/examples/e-axle-bom.yaml for the format. Exit status with --check: 1 when the worst
    verdict is prohibited, licence_required, exempt_report_required or (without --accept-unknown)
    unknown_status; 0 otherwise; 2 on bad input.
    """
    from substitute.compliance import assess, load_bom
    from substitute.compliance.evaluation import GATE_FAILS, worst
    from substitute.outputs import check_outputs

    json_path = _json_path(json_path, record_path)
    check_outputs(
        {"--json output": json_path, "--csv output": csv_path}, {"the BOM file": bom}, force=force
    )
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
        inputs={"bom": bom, **{f"overlay {i + 1}": o for i, o in enumerate(overlays)}},
    )
    verdict = worst(df["status"])
    fails = verdict in GATE_FAILS or (verdict == "unknown_status" and not accept_unknown)
    code = 1 if (check and fails) else 0
    with readable_text(json_path, csv_path) as data:
        _write_data(df, "assess", json_path, csv_path, data, verdict=verdict)
        click.echo(_audit_line(df))
        view = df if show_all else df[df["test"] != "information_only"]
        import pandas as pd

        table = pd.DataFrame(
            {
                "level": view["level"],
                "item": view["item"],
                "rule": _rule_label(view),
                "elements": view["elements"],
                "share_%": (view["value_share"] if not mass_basis else view["mass_share"])
                .mul(100)
                .round(4),
                "share/thr": view["share_over_threshold"].round(3),
                "item_code": view["control_code"].astype(str).replace("", "-"),
                "status": view["status"],
                "rule_status": view["rule_status"],
                "treated_as": view["treated_as"],
                "end_use": view["end_use_effect"],
            }
        )
        click.echo(table.to_string(index=False))
        flagged = view[view["status"] != "not_controlled"]
        _bullets(
            "Why",
            (
                f"[{r['path']}] {r['status']}{' [HYPOTHETICAL]' if r['hypothetical'] else ''}: {r['reason']}"
                for _, r in flagged.iterrows()
            ),
        )
        _bullets("Warnings", df.attrs.get("warnings", []))
        click.echo(f"\nVerdict: {verdict} (worst of {len(df)} rows)")
        if check:
            gate = "FAIL" if fails else "pass"
            why = ""
            if verdict == "unknown_status":
                why = (
                    " — a rule of unknown status would require a licence; --accept-unknown lets it pass"
                    if fails
                    else " — unknown status accepted (--accept-unknown)"
                )
            click.echo(f"Gate (--check): {gate}{why}")
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
@_overlay_option
@output_options
def rules_cmd(
    as_of: str,
    assume: str,
    overlays: tuple[str, ...],
    json_path: str | None,
    csv_path: str | None,
    force: bool,
) -> int:
    """List the rule sets (and limbs/clauses) with their status on a date."""
    from substitute.outputs import check_outputs

    check_outputs({"--json output": json_path, "--csv output": csv_path}, force=force)
    cat = _catalog(overlays)
    df = cat.status_table(as_of, assume=assume)
    with readable_text(json_path, csv_path) as data:
        _write_data(df, "rules", json_path, csv_path, data)
        click.echo(_audit_line(df))
        import pandas as pd

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
        from substitute.compliance.record import known_and_unknown
        from substitute.compliance.status import parse_date

        click.echo("\n" + known_and_unknown(cat, parse_date(as_of), assume))
        return 0
