"""``substitute review``: the design-review verdict, an HTML report and JSON. No domain logic here."""

from __future__ import annotations

from typing import cast

import click

from substitute.cli.options import force_option, study_overrides

__all__ = ["review_cmd"]


@click.command("review")
@click.argument("study", required=False, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    "html_path",
    default=None,
    help="Write the self-contained HTML report here (e.g. review.html).",
)
@click.option(
    "--json",
    "json_path",
    default=None,
    help="Write the review as JSON here ('-' for standard output).",
)
@click.option(
    "--fail-on",
    "fail_on",
    default=None,
    metavar="CHECKS",
    help="Exit 1 when the baseline fails these checks: compliance, performance (comma-separated).",
)
@click.option(
    "--whatif",
    "whatif_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Include what-if results (.csv or .parquet written by 'substitute whatif -o').",
)
@click.option(
    "--accept-unknown",
    is_flag=True,
    help="Let --fail-on compliance pass on a condition of unknown status (a rule whose suspension ended "
    "with no later record, treated as suspended). Without it such a condition fails the gate.",
)
@study_overrides
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Substitutes shown beside the baseline.",
)
@force_option
def review_cmd(
    study,
    html_path,
    json_path,
    fail_on,
    whatif_path,
    accept_unknown,
    as_of,
    assume,
    prices,
    confidence,
    conservative,
    top,
    force,
) -> int:
    """Review the baseline magnet of a STUDY file (TOML): verdict, report, exit code for gating.

    With no STUDY, reviews the shipped default study (the one `substitute rank` runs). Prints the verdict;
    -o writes a self-contained HTML report (inline CSS and SVG, no network); --json writes the same
    content for scripts. Exit status: 0 pass (or no check named in --fail-on failed), 1 a check named in
    --fail-on failed, 2 bad input.
    """
    from substitute.outputs import check_outputs, write_atomic
    from substitute.report.verdict import check_fail_on, review

    checks = check_fail_on(fail_on)
    # refuse unwritable outputs, and outputs that are inputs, before the work starts
    check_outputs(
        {"report (-o)": html_path, "--json output": json_path},
        {"the study file": study, "the --whatif file": whatif_path},
        force=force,
    )
    rv = review(
        study,
        top=top,
        whatif=whatif_path,
        as_of=as_of,
        assume=assume,
        prices=prices,
        confidence=confidence,
        conservative=conservative,
    )
    to_stderr = json_path == "-"
    say = lambda text="": click.echo(text, err=to_stderr)  # noqa: E731
    say(f"substitute review — {rv.study.name}")
    say(f"VERDICT: {rv.headline}")
    if rv.study.assumed:
        from substitute.ranking.study import assumed_note

        say(f"  {assumed_note(rv.study)}")
    if rv.study.model is not None:
        from substitute.ranking.study import model_note

        say(f"  {model_note(rv.study.model, rv.study.route)}")
    for r in rv.performance.itertuples():
        say(
            f"  {'ok  ' if r.passes else 'FAIL'} {r.check}: {r.value:.4g} {r.unit} "
            f"{r.comparator} {r.limit:.4g} {r.unit} (margin {r.margin:+.3g} {r.unit}, "
            f"P(meets) {r.p_meets:.2f}; {r.side})"
        )
    for r in rv.compliance.itertuples():
        mark = "ok  " if r.passes else ("UNKN" if r.status == "unknown_status" else "FAIL")
        say(f"  {mark} {r.sentence} [rule status {r.rule_status}, treated as {r.treated_as}]")
    best = rv.substitutes[rv.substitutes["qualifies"] & (rv.substitutes["label"] != "baseline")]
    if len(best):
        say(f"best substitute: {best.iloc[0]['explanation']}")
    else:
        say("no substitute in the design space meets every requirement and threshold")
    if rv.whatif_summary is not None:
        for r in rv.whatif_summary.itertuples():
            # the performance count beside the licence count: a licence-free design that fails its
            # requirement is no substitute (the shipped fleet's HRE-free design fails in every scenario)
            perf = (
                f"; fails its performance requirement in {r.n_fails_performance} of {r.n_scenarios}"
            )
            say(
                f"what-if: {r.design}: licence required in {r.n_licence_required} of "
                f"{r.n_scenarios} scenarios (worst value share {cast(float, r.worst_value_share) * 100:.3f} %)"
                f"{perf}"
            )
    if html_path is not None:
        from substitute.report.html import write_html

        write_html(rv, html_path)
        say(f"report written to {html_path}")
    if json_path == "-":
        click.echo(rv.to_json())
    elif json_path is not None:
        write_atomic(json_path, rv.to_json(), what="--json output")
        say(f"JSON written to {json_path}")
    failed = rv.failed(checks, accept_unknown=accept_unknown) if checks else []
    if failed:
        why = ""
        if "compliance" in failed and rv.compliance_unknown and not accept_unknown:
            why = " (a licence condition is of unknown status; --accept-unknown lets it pass)"
        say(f"fails: {', '.join(failed)} (named in --fail-on){why} → exit 1")
    return 1 if failed else 0
