"""``substitute predict``: magnet properties of one composition (or grade) at one or more temperatures."""

from __future__ import annotations

from typing import Any

import click

from substitute.cli.options import output_options, readable_text
from substitute.errors import InputError

__all__ = ["predict_cmd"]


def _temperatures(texts: tuple[str, ...]) -> list[float]:
    out = []
    for part in ",".join(texts).split(","):
        try:
            out.append(float(part))
        except ValueError:
            msg = (
                f"--temperature: {part.strip()!r} is not a number of °C; give e.g. 20 or "
                "'20,100,150' (comma-separated)"
            )
            raise InputError(msg) from None
    return out


def _measured_model(path: str) -> Any:
    """The property model calibrated to the user's measured magnets in ``path`` (errors name the file)."""
    from pathlib import Path

    from substitute import data
    from substitute.properties.calibration import calibrate

    table = data.read_user_table(path, what="measured-magnets file")
    try:
        return calibrate(table, name=f"calibrated to {Path(path).name}")
    except InputError as exc:
        msg = f"measured-magnets file {path!r}: {exc}"
        raise InputError(msg) from None


def _band(row: Any, col: str, fmt: str) -> str:
    return f"{row[col]:{fmt}} [{row[col + '_lo']:{fmt}}–{row[col + '_hi']:{fmt}}]"


@click.command("predict")
@click.argument("composition")
@click.option(
    "--basis",
    type=click.Choice(["mass", "atomic"]),
    default=None,
    help="Basis of the percent amounts: mass (wt%) or atomic (at%); needed unless the text says.",
)
@click.option(
    "--route",
    default="sintered",
    show_default=True,
    help="sintered, sintered_gbd, hot_deformed, bonded_isotropic, or a family route "
    "(smco5, sm2co17, ferrite, smfen_bonded, …).",
)
@click.option(
    "--temperature",
    "temperature",
    default=("20",),
    multiple=True,
    show_default=True,
    metavar="°C[,°C…]",
    help="Temperature(s) in °C, comma-separated or the option repeated, e.g. 20,100,150.",
)
@click.option(
    "--permeance",
    type=float,
    default=2.0,
    show_default=True,
    help="Permeance coefficient Pc of the working point.",
)
@click.option("--grain-size-um", type=float, default=None, help="Mean grain size, μm.")
@click.option(
    "--gbd-element",
    type=click.Choice(["Tb", "Dy"]),
    default=None,
    help="Diffused element (route sintered_gbd).",
)
@click.option(
    "--gbd-mass-percent",
    type=float,
    default=None,
    help="Diffused amount, wt% of the magnet (route sintered_gbd).",
)
@click.option(
    "--thickness-mm",
    type=float,
    default=None,
    help="Magnet thickness along the diffusion direction, mm (route sintered_gbd).",
)
@click.option(
    "--br-factor",
    type=float,
    default=None,
    help="Density x alignment of a sintered magnet (Br = Js f(2:14:1) x factor; evidence 0.79-0.97). "
    "Default: the route's 0.965, or for a grade name the factor that puts its Br inside the band.",
)
@click.option(
    "--hre",
    type=click.Choice(["rated", "least", "typical"]),
    default=None,
    help="For a grade name: the least heavy RE meeting the grade's minima and its Tw at Pc 2 with "
    "P >= 0.9 (rated, the default), the minima only (least), or the suffix's usual Dy (typical).",
)
@click.option(
    "--vendor",
    default=None,
    help="For a grade name: meet this vendor's datasheet band (part of its name, e.g. 'k&j').",
)
@click.option(
    "--measured",
    "measured_path",
    default=None,
    metavar="FILE",
    help="Your measured magnets (.csv or .parquet; columns composition, route, br_T, hcj_kA_per_m, "
    "optional composition_basis, temperature_C, grain_size_um): the model is calibrated to them and its "
    "interval becomes that of a lever's effect on a measured magnet.",
)
@output_options
def predict_cmd(
    composition: str,
    basis: str | None,
    route: str,
    temperature: tuple[str, ...],
    permeance: float,
    grain_size_um: float | None,
    gbd_element: str | None,
    gbd_mass_percent: float | None,
    thickness_mm: float | None,
    br_factor: float | None,
    hre: str | None,
    vendor: str | None,
    measured_path: str | None,
    json_path: str | None,
    csv_path: str | None,
    force: bool,
) -> int:
    """Predict Br, HcJ, HcB, (BH)max, Tmax and temperature coefficients of one magnet, with intervals.

    COMPOSITION is a percent string ("Nd 22, Pr 7, Dy 3, B 1, Fe bal" with --basis mass) or a grade name
    ("N42SH": the grade's typical chemistry). For sintered_gbd, the composition includes the diffused
    element. Values in brackets are the model's prediction interval; a row outside the evidence says so.
    """
    import warnings

    from substitute.composition import Alloy, looks_like_grade
    from substitute.errors import ModelDomainWarning
    from substitute.outputs import check_outputs, json_document, records
    from substitute.properties.magnet import predict

    check_outputs({"--json output": json_path, "--csv output": csv_path}, force=force)
    temps = _temperatures(temperature)
    if basis is None and looks_like_grade(composition):
        from substitute.properties.grades import typical_chemistry

        hre = hre or "rated"
        alloy, info = typical_chemistry(
            composition.strip(), route=route, return_info=True, hre=hre, vendor=vendor
        )
        from substitute.properties.grades import grade

        usual = grade(composition.strip()).get("confidence", {}).get("hre")  # NdFeB suffixes only
        origin = (
            f"typical chemistry of grade {composition.strip()}"
            + (f", {hre} heavy RE" if hre != "rated" else "")
            + (
                f" (the suffix's usual Dy, confidence {usual})"
                if hre == "typical" and usual
                else ""
            )
            + (f", band of vendor {vendor!r}" if vendor else "")
        )
        if hre == "rated" and not info.get("meets_tw", True):
            origin += (
                f"; NO chemistry in the window meets Tw at Pc 2 with P >= 0.9 (this one: P = "
                f"{info['p_meets_tw']:.2f}), the least heavy RE meeting the minima is shown"
            )
        if info.get("br_factor_changed") and br_factor is None:
            br_factor = float(info["br_factor"])
            origin += (
                f", Br factor {br_factor:.3f} (density x alignment that puts Br inside the band)"
            )
    else:
        if vendor is not None or hre is not None:
            msg = "--hre and --vendor choose the chemistry of a grade name; COMPOSITION is not one"
            raise InputError(msg)
        alloy = Alloy.parse(composition, basis=basis)
        origin = "as given"
    route_params = {
        k: v
        for k, v in {
            "grain_size_um": grain_size_um,
            "gbd_element": gbd_element,
            "gbd_mass_percent": gbd_mass_percent,
            "thickness_mm": thickness_mm,
            "br_factor": br_factor,
        }.items()
        if v is not None
    }
    model = _measured_model(measured_path) if measured_path else None
    if model is not None:
        origin += f"; model {model.name}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelDomainWarning)  # the table says it per row
        df = predict(
            alloy,
            route=route,
            temperature_C=temps,
            permeance=permeance,
            model=model,
            **route_params,
        )
    notes = list(df.attrs.get("notes", []))
    with readable_text(json_path, csv_path) as data:
        click.echo(f"{alloy.to_string()}  ({origin}; route {route}; Pc {permeance:g})")
        click.echo(
            f"{'T °C':>6} {'Br T':>20} {'HcJ kA/m':>20} {'HcB kA/m':>16} {'(BH)max kJ/m³':>18} "
            f"{'Tmax °C':>8}  evidence"
        )
        for _, r in df.iterrows():
            where = (
                f"{r['evidence']} sources" if r["in_domain"] else f"OUTSIDE: {r['domain_reason']}"
            )
            click.echo(
                f"{r['temperature_C']:>6.0f} {_band(r, 'br_T', '.3f'):>20} "
                f"{_band(r, 'hcj_kA_per_m', '.0f'):>20} {r['hcb_kA_per_m']:>16.0f} "
                f"{r['bhmax_kJ_per_m3']:>18.0f} {r['tmax_C']:>8.0f}  {where}"
            )
        first = df.iloc[0]
        click.echo(
            f"α(Br) 20–100 °C {first['alpha_br_20_100_pct_per_K']:.3f} %/K; "
            f"β(HcJ) 20–100 °C {first['beta_hcj_20_100_pct_per_K']:.3f} %/K; "
            f"Tc {first['tc_C']:.0f} °C"
        )
        for note in notes:
            click.echo(f"  - {note}")
        audit = df.attrs.get("audit", {})
        for path, what, make in (
            (
                json_path,
                "--json output",
                lambda: json_document(
                    "predict",
                    audit=audit,
                    assumptions=[origin, *notes],
                    composition=alloy.to_string(),
                    route=route,
                    rows=records(df),
                ),
            ),
            (csv_path, "--csv output", lambda: str(df.to_csv(index=False))),
        ):
            if path == "-":
                data.write(make() + "\n")
                data.flush()
            elif path is not None:
                from substitute.outputs import write_atomic

                write_atomic(path, make(), what=what)
                click.echo(f"{what} written to {path}")
    return 0
