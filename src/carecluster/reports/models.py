"""What every report returns: measures (numerator over denominator, broken down by team,
clinician and cluster) and tables, in one shape the renderers, the API and the pages share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Cell = str | int | float | None


class Filters(BaseModel):
    """The period and scope of a report. `team_ids=None` means every team."""

    model_config = ConfigDict(frozen=True)

    date_from: date
    date_to: date
    team_ids: tuple[int, ...] | None = None
    clinician_id: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_to < self.date_from:
            raise ValueError(f"the period ends ({self.date_to}) before it starts ({self.date_from})")
        return self


class Group(BaseModel):
    """One row of a breakdown: a team, a clinician or a cluster."""

    key: str
    label: str
    numerator: int
    denominator: int
    share: float | None
    mean_value: float | None = None


class Measure(BaseModel):
    id: str
    label: str
    definition: str
    numerator_label: str
    denominator_label: str
    numerator: int
    denominator: int
    share: float | None
    value_label: str | None = None
    mean_value: float | None = Field(default=None, description="Mean of the measure's value over the numerator.")
    headline: str | None = Field(default=None, description="The finding in words, when the share alone misleads.")
    by_team: list[Group] = Field(default_factory=list)
    by_clinician: list[Group] = Field(default_factory=list)
    by_cluster: list[Group] = Field(default_factory=list)
    by_month: list[Group] = Field(default_factory=list)
    """Calendar months ('YYYY-MM') of the units' dates."""
    higher_is_better: bool = True


class Table(BaseModel):
    id: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: Literal["none", "bar", "line", "heatmap"] = "none"
    note: str | None = None
    percent_columns: list[int] = Field(default_factory=list)
    """Columns holding shares (0-1), shown as percentages."""
    chart_column: int = -1
    """Bar and line charts: the column charted against the first (the labels)."""
    heat_columns: list[int] = Field(default_factory=list)
    """Heat maps: the columns shaded by value; the first column labels the rows."""
    shading: list[list[str | None]] | None = None
    """Heat maps: a mark per cell (the reference colour, or the transition likelihood)."""
    drills: list[TableDrill] | None = None
    """Per row, the drill-down behind its `drill_column` cell (pages link it; files do not)."""
    drill_column: int = -1


class TableDrill(BaseModel):
    """Which service users stand behind one cell of a table: a measure's drill-down, narrowed."""

    measure: str
    dimension: str | None = None
    key: str | None = None
    from_cluster: int | None = None


class Report(BaseModel):
    name: str
    title: str
    filters: Filters
    generated_at: datetime
    reference: str
    scope: str = ""
    """The teams (and clinician) covered, in words."""
    notes: list[str] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


class DrillRow(BaseModel):
    """One service user (or event) behind a number."""

    service_user_id: str
    name: str
    nhs_number: str
    team: str
    clinician: str | None
    cluster: int | None
    on: date | None
    value: float | None
    detail: str | None
    in_numerator: bool


class Drill(BaseModel):
    report: str
    measure: str
    label: str
    which: Literal["numerator", "denominator", "rest"]
    dimension: str | None
    key: str | None
    from_cluster: int | None = None
    """Cluster changes only: the cluster moved from (with dimension cluster = moved to)."""
    total: int
    rows: list[DrillRow]
    value_label: str | None


Table.model_rebuild()
