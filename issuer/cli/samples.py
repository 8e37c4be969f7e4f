"""`scripts/sample-csv`: fictional licence rows written to a CSV file, ready to issue."""

from __future__ import annotations

from pathlib import Path

import click

from issuer.issue.samples import (
    BUSINESS_FIELDS,
    DRIVING_FIELDS,
    business_rows,
    driving_rows,
    write_csv,
)


@click.command()
@click.argument("kind", type=click.Choice(["driving", "business"]))
@click.argument("count", type=click.IntRange(1, 1_000_000))
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--start", type=click.IntRange(0, 10**15), default=500_000, show_default=True,
              help="First licence number's serial (driving; the demo's own letters use "
                   "310000–310999), or the seed of the companies (business).")
def main(kind: str, count: int, out: Path, start: int) -> None:
    """Write COUNT fictional KIND licence rows to the CSV file OUT, ready to issue."""
    if kind == "driving":
        write_csv(out, DRIVING_FIELDS, driving_rows(count, seed=start, start=start))
    else:
        write_csv(out, BUSINESS_FIELDS, business_rows(count, seed=start))
    click.echo(f"Wrote {count} {kind} rows to {out}.", err=True)


if __name__ == "__main__":
    main(prog_name="scripts/sample-csv")
