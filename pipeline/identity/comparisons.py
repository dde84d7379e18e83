"""Custom Splink comparisons: a personal-name comparison that also recognises swapped names.

Clerks often key the family name into the given-name box. Splink's ``NameComparison``
scores such a pair as two disagreements; here each name column gets an extra level
"similar to the *other* name column of the other record", whose weight EM learns. The SQL
uses the dialect's own Jaro-Winkler function, so the model runs unchanged on Spark.
"""

from __future__ import annotations

import logging

from splink.internals import comparison_level_library as cll
from splink.internals.column_expression import ColumnExpression
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

logger = logging.getLogger(__name__)


class SwappedNameLevel(ComparisonLevelCreator):
    """``jaro_winkler(col_l, other_r) >= t`` or ``jaro_winkler(other_l, col_r) >= t``."""

    def __init__(self, col_name: str, other_col_name: str, threshold: float) -> None:
        self.col = ColumnExpression.instantiate_if_str(col_name)
        self.other = ColumnExpression.instantiate_if_str(other_col_name)
        self.threshold = threshold

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        self.col.sql_dialect = sql_dialect
        self.other.sql_dialect = sql_dialect
        jw = sql_dialect.jaro_winkler_function_name
        col, other, t = self.col, self.other, self.threshold
        return f"({jw}({col.name_l}, {other.name_r}) >= {t} OR {jw}({other.name_l}, {col.name_r}) >= {t})"

    def create_label_for_charts(self) -> str:
        return f"{self.col.label} similar to swapped {self.other.label} (JW >= {self.threshold})"


class PersonNameComparison(ComparisonCreator):
    """Levels: null, exact (term-frequency adjusted), JW >= 0.92, JW >= 0.88, swapped, JW >= 0.7, else."""

    def __init__(self, col_name: str, other_col_name: str | None = None) -> None:
        self.other_col_name = other_col_name
        super().__init__(col_name)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        col = self.col_expression
        levels: list[ComparisonLevelCreator] = [
            cll.NullLevel(col),
            cll.ExactMatchLevel(col).configure(tf_adjustment_column=col.raw_sql_expression),
            cll.JaroWinklerLevel(col, 0.92),
            cll.JaroWinklerLevel(col, 0.88),
        ]
        if self.other_col_name is not None:
            levels.append(SwappedNameLevel(col.raw_sql_expression, self.other_col_name, 0.88))
        levels += [cll.JaroWinklerLevel(col, 0.7), cll.ElseLevel()]
        return levels

    def create_output_column_name(self) -> str:
        name: str = self.col_expression.output_column_name
        return name
