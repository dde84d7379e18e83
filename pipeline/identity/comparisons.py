"""Custom Splink comparisons: swapped names, and typo-aware phone, postcode and address levels.

Clerks often key the family name into the given-name box. Splink's ``NameComparison``
scores such a pair as two disagreements; here each name column gets an extra level
"similar to the *other* name column of the other record", whose weight EM learns. The SQL
uses the dialect's own Jaro-Winkler function, so the model runs unchanged on Spark.

Phones and postcodes are keyed by hand too: one wrong or swapped digit, a ZIP+4 where another
record has the ZIP, a new area code before the same seven digits. Each of these is a level of its
own, so a disagreement is evidence weighed with the rest of the record, not an outright "different".
"""

from __future__ import annotations

import logging

import splink.comparison_level_library as cll
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
    """Levels: null, exact (term-frequency adjusted), JW >= 0.92, JW >= 0.88, same formal name, swapped, JW >= 0.7, else.

    The formal-name level (``formal_col_name``, e.g. Bob and Robert) is there only when that column is given.
    """

    def __init__(
        self, col_name: str, other_col_name: str | None = None, formal_col_name: str | None = None
    ) -> None:
        self.other_col_name = other_col_name
        self.formal_col_name = formal_col_name
        super().__init__(col_name)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        col = self.col_expression
        levels: list[ComparisonLevelCreator] = [
            cll.NullLevel(col),
            cll.ExactMatchLevel(col).configure(tf_adjustment_column=col.raw_sql_expression),
            cll.JaroWinklerLevel(col, 0.92),
            cll.JaroWinklerLevel(col, 0.88),
        ]
        if self.formal_col_name is not None:
            levels.append(cll.ExactMatchLevel(self.formal_col_name))
        if self.other_col_name is not None:
            levels.append(SwappedNameLevel(col.raw_sql_expression, self.other_col_name, 0.88))
        levels += [cll.JaroWinklerLevel(col, 0.7), cll.ElseLevel()]
        return levels

    def create_output_column_name(self) -> str:
        name: str = self.col_expression.output_column_name
        return name


class SameStartLevel(ComparisonLevelCreator):
    """The first ``n`` characters agree and both values have at least ``n`` (ZIP5 against ZIP+4)."""

    def __init__(self, col_name: str, n: int) -> None:
        self.col = ColumnExpression.instantiate_if_str(col_name)
        self.n = n

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        self.col.sql_dialect = sql_dialect
        c, n = self.col, self.n
        return (
            f"substr({c.name_l}, 1, {n}) = substr({c.name_r}, 1, {n}) "
            f"AND length({c.name_l}) >= {n} AND length({c.name_r}) >= {n}"
        )

    def create_label_for_charts(self) -> str:
        return f"first {self.n} characters of {self.col.label} equal"


class SameEndLevel(ComparisonLevelCreator):
    """The last ``n`` characters agree (a phone's subscriber number under another area code)."""

    def __init__(self, col_name: str, n: int) -> None:
        self.col = ColumnExpression.instantiate_if_str(col_name)
        self.n = n

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        self.col.sql_dialect = sql_dialect
        return f"right({self.col.name_l}, {self.n}) = right({self.col.name_r}, {self.n})"

    def create_label_for_charts(self) -> str:
        return f"last {self.n} characters of {self.col.label} equal"


#: Postcode characters that name the area (a US ZIP; a British postcode's sector).
AREA_CHARACTERS = 5
#: Digits of a phone number that survive an area-code change (the North American subscriber number).
SUBSCRIBER_DIGITS = 7


class PhoneComparison(ComparisonCreator):
    """Levels: null, exact, one digit wrong or two swapped, same last seven digits, else."""

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        col = self.col_expression
        return [
            cll.NullLevel(col),
            cll.ExactMatchLevel(col),
            cll.DamerauLevenshteinLevel(col, 1),
            SameEndLevel(col.raw_sql_expression, SUBSCRIBER_DIGITS),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        name: str = self.col_expression.output_column_name
        return name


class PostcodeComparison(ComparisonCreator):
    """Levels: null, exact, same area (ZIP5 against ZIP+4), one character wrong or two swapped, else."""

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        col = self.col_expression
        return [
            cll.NullLevel(col),
            cll.ExactMatchLevel(col),
            SameStartLevel(col.raw_sql_expression, AREA_CHARACTERS),
            cll.DamerauLevenshteinLevel(col, 1),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        name: str = self.col_expression.output_column_name
        return name


class AddressComparison(ComparisonCreator):
    """Street and postcode as one fact (one address), so a shared address is not counted twice.

    Levels: both missing, same street in the same area, similar street in the same or a
    neighbouring postcode, similar street and no postcode, similar street in another postcode, same
    area and no street, same area on another street, else.
    """

    def __init__(self, street: str = "street", postcode: str = "postcode") -> None:
        self.postcode = postcode
        super().__init__(street)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        street, postcode = self.col_expression.raw_sql_expression, self.postcode
        same_area = cll.Or(cll.ExactMatchLevel(postcode), SameStartLevel(postcode, AREA_CHARACTERS))
        near_area = cll.Or(
            cll.ExactMatchLevel(postcode),
            SameStartLevel(postcode, AREA_CHARACTERS),
            cll.DamerauLevenshteinLevel(postcode, 1),
        )
        # A missing street (or postcode) is not a differing one: each has its own level, so the weight
        # of "same postcode, another street" is not diluted by the pairs that simply lack a street.
        return [
            cll.And(cll.NullLevel(street), cll.NullLevel(postcode)).configure(is_null_level=True),
            cll.And(cll.ExactMatchLevel(street), same_area),
            cll.And(cll.LevenshteinLevel(street, 3), near_area),
            cll.And(cll.LevenshteinLevel(street, 3), cll.NullLevel(postcode)),
            cll.LevenshteinLevel(street, 3),
            cll.And(same_area, cll.NullLevel(street)),
            same_area,
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "address"
