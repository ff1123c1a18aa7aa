"""A KPI's SQL as an engine runs it: the view rule in front of the KPI's own measure.

Each KPI file (queries/<id>.sql) states only its measure over `view_rows`; the view rule
(queries/_view.sql) decides which rows of the KPI's fact table (`reads` in metrics.toml) a view keeps
and the bucket and slice each falls in. This module puts the two together, once per KPI and fact
table, as DuckDB SQL: the one definition. `spark_sql` translates that text for Apache Spark with
SQLGlot and the few rewrites listed there; the tests run every KPI on both engines and compare.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cxkpi.warehouse import DERIVED_TABLES, FACT_TABLES, sql_text

if TYPE_CHECKING:
    from sqlglot import exp

VIEW_ROWS = "view_rows"
UNKNOWN_SLICE = "(unknown)"
_LEADING_COMMENTS = re.compile(r"\A(?:[ \t]*(?:--[^\n]*)?\n)*")
_WITH = re.compile(r"\Awith\b", re.IGNORECASE)


def body(text: str) -> str:
    """SQL text without the comment lines and blank lines it starts with (its header)."""
    return _LEADING_COMMENTS.sub("", text, count=1)


@functools.cache
def view_rule(facts: str) -> str:
    """queries/_view.sql for one fact table: its name, time column and dimensions filled in."""
    table = FACT_TABLES[facts]  # a KeyError here is a registry the loader has not checked
    slices = "\n        ".join(
        f"when '{dimension}' then coalesce({dimension}, '{UNKNOWN_SLICE}')" for dimension in table.dimensions
    )
    return (
        body(sql_text("_view.sql"))
        .replace("{facts}", facts)
        .replace("{time}", table.time_column or "")
        .replace("{slices}", slices)
    )


@functools.cache
def kpi_query(kpi_id: str, facts: str, measure_file: Path | None = None) -> str:
    """queries/<kpi_id>.sql (or `measure_file`: Kpi.query_path, which may be beside another registry) with
    the view rule over `facts` in front of it, as the CTE view_rows."""
    measure = body(measure_file.read_text(encoding="utf-8") if measure_file else sql_text(f"{kpi_id}.sql"))
    view = f"{VIEW_ROWS} as (\n{view_rule(facts)}\n)"
    if _WITH.match(measure):
        return _WITH.sub(lambda _: f"with\n\n{view},\n", measure, count=1)
    return f"with {view}\n{measure}"


def dimensions(facts: str) -> tuple[str, ...]:
    """What a KPI reading `facts` can be broken down by."""
    return FACT_TABLES[facts].dimensions


# ---------------------------------------------------------------- Apache Spark
# What SQLGlot's DuckDB-to-Spark translation does not do by itself, each proved by the tests that run
# every KPI on both engines and compare values and n:
# - a decimal literal (100.0) is a DOUBLE: Spark would keep 100.0 * a / b a DECIMAL rounded to six
#   places, where DuckDB divides in floating point;
# - epoch(a - b), the seconds between two timestamps, is (unix_micros(a) - unix_micros(b)) / 1e6: SQLGlot
#   makes it unix_timestamp(a - b), which Spark refuses;
# - to_days(n), an interval of n days, is make_dt_interval(n);
# - quantile_cont(x, q) and median(x) (= quantile_cont(x, 0.5)) are worked out as DuckDB works them
#   out: the values sorted, rank r = (n - 1) × q, and between the values at floor(r) and ceil(r),
#   lo × (1 − d) + hi × d with d = r − floor(r), the first product fused with the sum (Java's Math.fma,
#   through reflect()): DuckDB's build rounds it so. Spark's own percentile(x, q), lo + (hi − lo) × d,
#   differs in the last bit on some values (a 90th percentile of 4 and 6 h: 5.8 against DuckDB's
#   5.800000000000001);
# - error(message), which fails the query (a registry parameter out of range), is raise_error(message);
# - `as not materialized` (a DuckDB planning hint) is dropped;
# - the scalar macros of queries/_macros.sql (is_counted_order, ...) are written out where they are called.


@functools.cache
def spark_sql(duckdb_sql: str) -> str:
    """DuckDB SQL (one statement, $name parameters) as Spark SQL (:name parameters)."""
    import sqlglot  # only here: importing it costs every DuckDB process a tenth of a second

    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    tree = tree.transform(_spark_rewrite)
    return tree.sql(dialect="spark")


def _spark_rewrite(node: exp.Expression) -> exp.Expression:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and node.name.lower() in _macros():
        parameters, expression = _macros()[node.name.lower()]
        arguments = dict(zip(parameters, node.expressions, strict=True))
        return exp.paren(expression.copy().transform(
            lambda inner: arguments[inner.name].copy()
            if isinstance(inner, exp.Column) and not inner.table and inner.name in arguments else inner
        )).transform(_spark_rewrite)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "error":
        return exp.func("raise_error", *(argument.copy() for argument in node.expressions))
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
        return exp.cast(node.copy(), exp.DataType.build("double"))
    if isinstance(node, exp.TimeToUnix) and isinstance(node.this, exp.Sub):
        later, earlier = node.this.this, node.this.expression
        microseconds = exp.Sub(
            this=exp.func("unix_micros", later.copy()), expression=exp.func("unix_micros", earlier.copy())
        )
        return exp.paren(exp.Div(this=exp.paren(microseconds), expression=exp.cast(
            exp.Literal.number("1000000.0"), exp.DataType.build("double"))))
    if isinstance(node, exp.PercentileCont):
        return _duckdb_quantile(node.this, node.expression)
    if isinstance(node, exp.Median):
        return _duckdb_quantile(node.this, exp.Literal.number("0.5"))
    if isinstance(node, exp.ToDays):
        return exp.func("make_dt_interval", node.this.copy())
    if isinstance(node, exp.CTE) and node.args.get("materialized") is False:
        node = node.copy()
        node.set("materialized", None)
        return node
    return node


_QUANTILE = """(case
    when size(sorted) = 0 then null
    when floor(rank) = ceil(rank) then element_at(sorted, cast(floor(rank) as int) + 1)
    else cast(reflect('java.lang.Math', 'fma',
        element_at(sorted, cast(floor(rank) as int) + 1), cast(1 as double) - (rank - floor(rank)),
        element_at(sorted, cast(ceil(rank) as int) + 1) * (rank - floor(rank))) as double)
end)"""


def _duckdb_quantile(values: exp.Expression, quantile: exp.Expression) -> exp.Expression:
    """DuckDB's quantile_cont(values, quantile) in Spark SQL, rounded as DuckDB rounds it."""
    import sqlglot
    from sqlglot import exp

    sorted_values = exp.func("array_sort", exp.func("collect_list", values.copy().transform(_spark_rewrite)))
    rank = exp.paren(exp.Mul(
        this=exp.cast(exp.paren(exp.Sub(this=exp.func("size", sorted_values.copy()), expression=exp.Literal.number(1))),
                      exp.DataType.build("double")),
        expression=exp.cast(quantile.copy(), exp.DataType.build("double")),
    ))
    names = {"sorted": sorted_values, "rank": rank}
    return sqlglot.parse_one(_QUANTILE, read="spark").transform(
        lambda node: names[node.name].copy() if isinstance(node, exp.Column) and node.name in names else node
    )


_MACRO = re.compile(
    r"create or replace temp macro (\w+)\(([^)]*)\) as\s+(?!table\b)(.*?);", re.IGNORECASE | re.DOTALL
)


@functools.cache
def _macros() -> dict[str, tuple[tuple[str, ...], exp.Expression]]:
    """The scalar macros of queries/_macros.sql: name -> (parameter names, body)."""
    import sqlglot

    found = {}
    for name, parameters, expression in _MACRO.findall(sql_text("_macros.sql")):
        without_comments = "\n".join(line.split("--")[0] for line in expression.splitlines())
        found[name.lower()] = (
            tuple(part.strip() for part in parameters.split(",") if part.strip()),
            sqlglot.parse_one(without_comments, read="duckdb"),
        )
    return found


def spark_derived_statements() -> list[tuple[str, str]]:
    """(name, Spark SQL) for each derived table, in build order: what the loader keeps in DuckDB."""
    import sqlglot

    statements = []
    for name in DERIVED_TABLES:
        tree = sqlglot.parse_one(sql_text(f"derived/{name}.sql"), read="duckdb")
        tree.set("order", None)  # the DuckDB layout's sort: nothing to a cached Spark view
        statements.append((name, spark_sql(tree.sql(dialect="duckdb"))))
    return statements
