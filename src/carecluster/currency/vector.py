"""The grouping cascade as Polars expressions: the same rules as `rules.group_activity`, for throughput.

Each rule is the row-wise rule of `rules.py` restated over columns (the lookups come from the
same `Lookups`); the parity tests (hypothesis) hold the two to identical answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

from carecluster.currency import rules as r
from carecluster.currency.reference import CurrencyReference

INPUT_COLUMNS = (
    r.SPELL_ID,
    r.CONTACT_ID,
    r.SPELL_AGE,
    r.CONTACT_AGE,
    r.DIAGNOSIS,
    r.BED_TYPE,
    r.TEAM_TYPE,
    r.REFERRAL_REASON,
    r.PRIORITY,
)
RESULT_COLUMNS = {
    "currency_status": pl.Utf8,
    "currency_code": pl.Utf8,
    "population_group": pl.Utf8,
    "population_name": pl.Utf8,
    "currency_family": pl.Utf8,
    "family_unit": pl.Utf8,
    "currency_setting": pl.Utf8,
    "setting_name": pl.Utf8,
    "currency_tier": pl.Utf8,
    "currency_reason": pl.Utf8,
    "currency_field": pl.Utf8,
    "currency_reference": pl.Utf8,
}
PROBLEM_SCHEMA = {"field": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}


def _clean(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    return pl.when(text == "").then(None).otherwise(text)


def _map(expr: pl.Expr, mapping: Mapping[str, object], dtype: pl.DataType | type[pl.DataType] = pl.Utf8) -> pl.Expr:
    keys = list(mapping)
    return expr.replace_strict(keys, [mapping[k] for k in keys], default=None, return_dtype=dtype)


def with_inputs(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Add any input column the file lacks (as not given) and make ages whole numbers where they are."""
    lf = frame.lazy()
    schema = lf.collect_schema()
    missing = [pl.lit(None, dtype=pl.Utf8).alias(c) for c in INPUT_COLUMNS if c not in schema]
    if missing:
        lf = lf.with_columns(missing)
    for age in (r.SPELL_AGE, r.CONTACT_AGE):
        if age in schema and schema[age].is_float():
            col = pl.col(age)
            whole = col.is_null() | (col == col.floor())
            lf = lf.with_columns(
                pl.when(whole)
                .then(col.cast(pl.Int64, strict=False).cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8))
                .alias(age)
            )
    return lf


def _stage(lk: r.Lookups) -> list[list[pl.Expr]]:
    """Column expressions in dependency order (each list may use the columns made before it)."""
    spell_id, contact_id = _clean(r.SPELL_ID), _clean(r.CONTACT_ID)
    kind = (
        pl.when(spell_id.is_not_null() & contact_id.is_not_null()).then(pl.lit("both"))
        .when(spell_id.is_not_null()).then(pl.lit("spell"))
        .when(contact_id.is_not_null()).then(pl.lit("contact"))
        .otherwise(None)
    )  # fmt: skip
    first = [kind.alias("_kind")]
    is_spell, is_contact = pl.col("_kind") == "spell", pl.col("_kind") == "contact"
    age_raw = (
        pl.when(is_spell).then(pl.col(r.SPELL_AGE)).otherwise(pl.col(r.CONTACT_AGE)).cast(pl.Utf8).str.strip_chars()
    )
    age_raw = pl.when(age_raw == "").then(None).otherwise(age_raw)
    diag = _clean(r.DIAGNOSIS).str.replace_all(".", "", literal=True)
    second = [
        age_raw.alias("_age_raw"),
        diag.alias("_diag"),
        pl.when(is_spell).then(_clean(r.BED_TYPE)).otherwise(None).alias("_bed"),
        pl.when(is_contact).then(_clean(r.TEAM_TYPE)).otherwise(None).alias("_team"),
        _clean(r.REFERRAL_REASON).alias("_reason"),
        _clean(r.PRIORITY).alias("_priority"),
        pl.when(is_spell).then(pl.lit(r.SPELL_AGE)).otherwise(pl.lit(r.CONTACT_AGE)).alias("_age_field"),
    ]
    age_ok = pl.col("_age_raw").str.contains(r.AGE.pattern) & (
        pl.col("_age_raw").cast(pl.Int64, strict=False) <= r.MAX_AGE
    )
    third = [
        pl.when(age_ok).then(pl.col("_age_raw").cast(pl.Int64, strict=False)).otherwise(None).alias("_age"),
        pl.col("_diag").str.slice(0, 3).alias("_diag3"),
        # faults, each null when absent
        pl.when(pl.col("_kind") == "both").then(pl.lit(f"gives both {r.SPELL_ID} and {r.CONTACT_ID}"))
        .when(pl.col("_kind").is_null()).then(pl.lit(f"neither {r.SPELL_ID} nor {r.CONTACT_ID} is given"))
        .otherwise(None).alias("_f_kind"),
        pl.when(~pl.col("_kind").is_in(["spell", "contact"]).fill_null(False))
        .then(None)
        .when(pl.col("_age_raw").is_null()).then(pl.lit("age not given: the age rules cannot be applied"))
        .when(~age_ok).then(pl.format(f"{{}} is not a whole number of years from 0 to {r.MAX_AGE}", pl.col("_age_raw")))
        .otherwise(None).alias("_f_age"),
        pl.when(pl.col("_diag").is_not_null() & ~pl.col("_diag").str.contains(r.ICD10.pattern))
        .then(pl.format("{} is not an ICD-10 code", pl.col("_diag"))).otherwise(None).alias("_f_diag"),
        pl.when(pl.col("_bed").is_not_null() & ~pl.col("_bed").is_in(list(lk.beds)))
        .then(pl.format(f"bed type {{}} is not in the {lk.version} tables", pl.col("_bed"))).otherwise(None).alias("_f_bed"),
        pl.when(pl.col("_team").is_not_null() & ~pl.col("_team").is_in(list(lk.teams)))
        .then(pl.format(f"team type {{}} is not in the {lk.version} tables", pl.col("_team"))).otherwise(None).alias("_f_team"),
        pl.when(pl.col("_reason").is_not_null() & ~pl.col("_reason").is_in(list(lk.reasons)))
        .then(pl.format(f"referral reason {{}} is not in the {lk.version} tables", pl.col("_reason"))).otherwise(None).alias("_f_reason"),
    ]  # fmt: skip
    cyp = pl.col("_age") < lk.adult_from
    middle_value = pl.when(is_spell).then(pl.col("_bed")).otherwise(pl.col("_team"))
    middle_cat = (
        pl.when(is_spell)
        .then(_map(pl.col("_bed"), {k: b.category for k, b in lk.beds.items()}))
        .otherwise(_map(pl.col("_team"), {k: t.category for k, t in lk.teams.items()}))
    )
    fourth = [
        cyp.alias("_cyp"),
        middle_value.alias("_mid"),
        middle_cat.alias("_mid_cat"),
        _map(pl.col("_diag3"), dict(lk.icd10)).alias("_diag_cat"),
        _map(pl.col("_reason"), dict(lk.reasons)).alias("_reason_cat"),
        pl.when(is_spell).then(pl.lit(r.BED_TYPE)).otherwise(pl.lit(r.TEAM_TYPE)).alias("_mid_field"),
    ]

    def eligible(cat: str) -> pl.Expr:
        return pl.col(cat).is_not_null() & ~((pl.col(cat) == "S") & ~pl.col("_cyp"))

    mhst = is_contact & pl.col("_cyp") & (pl.col("_mid_cat") == "S") & pl.lit(lk.mhst is not None)
    chain = (
        (eligible("_diag_cat"), pl.lit("diagnosis"), pl.col("_diag_cat"), pl.col("_diag3"), pl.lit("diagnosis")),
        (
            eligible("_mid_cat"),
            pl.when(is_spell).then(pl.lit("bed_type")).otherwise(pl.lit("team_type")),
            pl.col("_mid_cat"),
            pl.col("_mid"),
            pl.when(is_spell).then(pl.lit("bed type")).otherwise(pl.lit("team type")),
        ),
        (
            eligible("_reason_cat"),
            pl.lit("referral_reason"),
            pl.col("_reason_cat"),
            pl.col("_reason"),
            pl.lit("referral reason"),
        ),
    )

    def pick(index: int, fallback: pl.Expr) -> pl.Expr:
        expr: Then | ChainedThen = pl.when(mhst).then(pl.lit(None, dtype=pl.Utf8) if index else pl.lit("mhst"))
        for cond, *values in chain:
            expr = expr.when(cond).then(values[index])
        return expr.otherwise(fallback)

    fifth = [
        pick(0, pl.lit("fallback")).alias("_tier"),
        pick(1, pl.lit(None, dtype=pl.Utf8)).alias("_win_cat"),
        pick(2, pl.lit(None, dtype=pl.Utf8)).alias("_win_value"),
        pick(3, pl.lit(None, dtype=pl.Utf8)).alias("_win_label"),
    ]
    chosen = _map(pl.col("_win_cat"), {c: g.group_code for c, g in lk.groups.items()})
    available = _map(pl.col("_win_cat"), {c: g.available_to_cyp for c, g in lk.groups.items()}, pl.Boolean)
    adults_only = pl.col("_cyp") & ~available.fill_null(False)
    cyp_code, adult_code = lk.cyp_fallback.group_code, lk.adult_fallback.group_code
    mhst_code = lk.mhst.group_code if lk.mhst is not None else ""
    group = (
        pl.when(pl.col("_tier") == "mhst").then(pl.lit(mhst_code))
        .when(pl.col("_tier") == "fallback").then(pl.when(pl.col("_cyp")).then(pl.lit(cyp_code)).otherwise(pl.lit(adult_code)))
        .when(adults_only).then(pl.lit(cyp_code))
        .otherwise(chosen)
    )  # fmt: skip
    not_given = pl.concat_str(
        [
            pl.when(pl.col("_diag3").is_null()).then(pl.lit(r.DIAGNOSIS)),
            pl.when(pl.col("_mid").is_null()).then(pl.col("_mid_field")),
            pl.when(pl.col("_reason").is_null()).then(pl.lit(r.REFERRAL_REASON)),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    why = (
        pl.when(pl.col("_tier") == "mhst")
        .then(pl.format(f"team type {{}} is a mental health support team; under {lk.adult_from} -> {mhst_code}", pl.col("_mid")))
        .when(pl.col("_tier") == "fallback")
        .then(pl.lit("no tier decides a group") + pl.when(not_given != "").then(pl.lit("; not given: ") + not_given).otherwise(pl.lit("")))
        .otherwise(
            pl.format("{} {} -> {}", pl.col("_win_label"), pl.col("_win_value"), chosen)
            + pl.when(adults_only).then(pl.lit(f", adults only; under {lk.adult_from} -> {cyp_code}")).otherwise(pl.lit(""))
        )
    )  # fmt: skip
    team_setting = _map(pl.col("_team"), {k: t.setting for k, t in lk.teams.items()})
    team_group = _map(pl.col("_team"), {k: t.setting_group for k, t in lk.teams.items()})
    crisis = _map(pl.col("_team"), {k: t.crisis for k, t in lk.teams.items()}, pl.Boolean).fill_null(False) | (
        _map(pl.col("_team"), {k: t.crisis_if_urgent for k, t in lk.teams.items()}, pl.Boolean).fill_null(False)
        & pl.col("_priority").is_in(sorted(lk.urgent))
    )
    bed_setting = _map(pl.col("_bed"), {k: b.setting for k, b in lk.beds.items()})
    sixth = [group.alias("_group"), why.alias("_why")]
    family = (
        pl.when(is_spell).then(pl.when(pl.col("_group") == lk.maz).then(pl.lit("99")).otherwise(pl.lit("98")))
        .when(pl.col("_group").is_in([mhst_code, lk.maz])).then(pl.lit("99"))
        .when(team_group.is_not_null()).then(pl.when(team_group == "community").then(pl.lit("96")).otherwise(pl.lit("97")))
        .when(crisis).then(pl.lit("97"))
        .otherwise(pl.lit("96"))
    )  # fmt: skip
    setting = (
        pl.when(is_spell).then(pl.when(pl.col("_group") == lk.maz).then(pl.lit("Z")).otherwise(bed_setting.fill_null("Z")))
        .when(pl.col("_group") == mhst_code).then(pl.lit("Z"))
        .when(pl.col("_group") == lk.maz).then(pl.when(team_group == "crisis").then(team_setting).otherwise(pl.lit("Z")))
        .when(team_group.is_not_null()).then(team_setting)
        .otherwise(pl.lit("Z"))
    )  # fmt: skip
    seventh = [family.alias("_family"), setting.alias("_setting")]
    return [first, second, third, fourth, fifth, sixth, seventh]


_FAULTS = (
    ("_f_kind", pl.lit(r.KIND_FIELD), pl.lit(None, dtype=pl.Utf8)),
    ("_f_age", pl.col("_age_field"), pl.col("_age_raw").str.to_uppercase()),
    ("_f_diag", pl.lit(r.DIAGNOSIS), pl.col("_diag")),
    ("_f_bed", pl.lit(r.BED_TYPE), pl.col("_bed")),
    ("_f_team", pl.lit(r.TEAM_TYPE), pl.col("_team")),
    ("_f_reason", pl.lit(r.REFERRAL_REASON), pl.col("_reason")),
)


def _staged(frame: pl.DataFrame | pl.LazyFrame, ref: CurrencyReference) -> pl.LazyFrame:
    lf = with_inputs(frame)
    for exprs in _stage(r.lookups(ref)):
        lf = lf.with_columns(exprs)
    return lf


def _results(lk: r.Lookups) -> list[pl.Expr]:
    first_field = pl.coalesce([pl.when(pl.col(f).is_not_null()).then(name) for f, name, _ in _FAULTS])
    first_reason = pl.coalesce([pl.col(f) for f, _, _ in _FAULTS])
    rejected = first_field.is_not_null()
    settings = {f"{fam}{s}": row.setting_name for (fam, s), row in lk.settings.items()}
    units = {fam: row.unit for (fam, s), row in lk.settings.items() if s == "Z"}
    fam_set = pl.col("_family") + pl.col("_setting")

    def ok(expr: pl.Expr) -> pl.Expr:
        return pl.when(rejected).then(None).otherwise(expr)

    names = {g.group_code: g.name for g in lk.by_code.values()}
    return [
        pl.when(rejected).then(pl.lit("rejected"))
        .when(pl.col("_tier") == "fallback").then(pl.lit("unclassified"))
        .otherwise(pl.lit("grouped")).alias("currency_status"),
        ok(pl.col("_group") + fam_set).alias("currency_code"),
        ok(pl.col("_group")).alias("population_group"),
        ok(_map(pl.col("_group"), names)).alias("population_name"),
        ok(pl.col("_family")).alias("currency_family"),
        ok(_map(pl.col("_family"), units)).alias("family_unit"),
        ok(pl.col("_setting")).alias("currency_setting"),
        ok(_map(fam_set, settings).fill_null("Setting not known")).alias("setting_name"),
        ok(pl.col("_tier")).alias("currency_tier"),
        pl.when(rejected).then(first_field + pl.lit(": ") + first_reason).otherwise(pl.col("_why")).alias("currency_reason"),
        first_field.alias("currency_field"),
        pl.lit(lk.version).alias("currency_reference"),
    ]  # fmt: skip


def _given(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Utf8).str.strip_chars().str.len_bytes().fill_null(0) > 0


def _by_value(column: pl.Series, fn: Callable[[Any], str | None]) -> pl.Series:
    """`fn` applied once per distinct value and spread back (columns repeat a few values)."""
    values = column.unique()
    mapped = pl.Series([fn(v) for v in values.to_list()], dtype=pl.Utf8)
    return column.replace_strict(values, mapped, return_dtype=pl.Utf8)


def _age_key(lk: r.Lookups):
    def key(value: object) -> str | None:
        age, fault = r.parse_age(value)
        if fault is not None:
            return str(value)
        if age is None:
            return None
        return "0" if age < lk.adult_from else str(r.MAX_AGE)

    return key


def _keyed(frame: pl.LazyFrame, lk: r.Lookups) -> pl.DataFrame:
    """Per row, the few values the answer depends on: identifiers given or not, the age class
    (under the adult age, adult, or the raw text when not a valid age), and the codes the rules
    read for the record's kind."""
    df = frame.with_columns(_given(r.SPELL_ID).alias("_sg"), _given(r.CONTACT_ID).alias("_cg")).collect()
    spell_only = pl.col("_sg") & ~pl.col("_cg")
    contact_only = pl.col("_cg") & ~pl.col("_sg")
    picked = df.select(
        pl.when(spell_only).then(pl.col(r.SPELL_AGE)).otherwise(pl.col(r.CONTACT_AGE)).cast(pl.Utf8).alias("a"),
        pl.when(contact_only).then(pl.col(r.TEAM_TYPE).cast(pl.Utf8)).alias("t"),
    )
    urgent = {code for code, t in lk.teams.items() if t.crisis_if_urgent}
    return df.with_columns(
        _by_value(picked["a"], _age_key(lk)).alias("_kage"),
        pl.col(r.DIAGNOSIS).cast(pl.Utf8).alias("_kdiag"),
        pl.when(spell_only).then(pl.col(r.BED_TYPE).cast(pl.Utf8)).alias("_kbed"),
        picked["t"].alias("_kteam"),
        pl.col(r.REFERRAL_REASON).cast(pl.Utf8).alias("_kreason"),
        pl.when(_by_value(picked["t"], lambda v: "1" if r.clean(v) in urgent else None).is_not_null())
        .then(pl.col(r.PRIORITY).cast(pl.Utf8))
        .alias("_kprio"),
    )


_KEYS = ["_sg", "_cg", "_kage", "_kdiag", "_kbed", "_kteam", "_kreason", "_kprio"]


def _key_hash() -> pl.Expr:
    return pl.struct(_KEYS).hash(seed=20262027)


def _table(reps: pl.DataFrame, ref: CurrencyReference) -> pl.DataFrame:
    """The rules' answer for each representative key row."""
    rows = reps.select(
        pl.when(pl.col("_sg")).then(pl.lit("S")).alias(r.SPELL_ID),
        pl.when(pl.col("_cg")).then(pl.lit("C")).alias(r.CONTACT_ID),
        pl.col("_kage").alias(r.SPELL_AGE),
        pl.col("_kage").alias(r.CONTACT_AGE),
        pl.col("_kdiag").alias(r.DIAGNOSIS),
        pl.col("_kbed").alias(r.BED_TYPE),
        pl.col("_kteam").alias(r.TEAM_TYPE),
        pl.col("_kreason").alias(r.REFERRAL_REASON),
        pl.col("_kprio").alias(r.PRIORITY),
    )
    return group_rowwise(rows, ref).select(list(RESULT_COLUMNS)).collect()


def group_fast(frame: pl.DataFrame | pl.LazyFrame, ref: CurrencyReference) -> pl.DataFrame:
    """`group_rowwise`'s answers (result columns Categorical: few values, cheap to write), fast: the cascade runs once per distinct combination of the
    values it reads (a few thousand in a real file) and is spread back to every row.

    Combinations are found by a 64-bit hash of the key columns, and every row's key is then
    compared with its representative's (nulls equal): if any differs (a hash collision) the
    whole frame is grouped row by row instead, so no row can take another combination's answer.
    """
    lk = r.lookups(ref)
    lf = with_inputs(frame)
    original = [c for c in lf.collect_schema().names() if c not in RESULT_COLUMNS and not c.startswith("_")]
    keyed = _keyed(lf, lk)
    keyed = keyed.with_columns(_key_hash().alias("_h"))
    reps = keyed.select([*_KEYS, "_h"]).unique(subset="_h", keep="first", maintain_order=True)
    index = keyed["_h"].replace_strict(
        reps["_h"], pl.Series(range(reps.height), dtype=pl.UInt32), return_dtype=pl.UInt32
    )
    back = reps.select(_KEYS)[index]
    same = pl.all_horizontal([keyed[k].eq_missing(back[k]) for k in _KEYS]).all()
    if not keyed.select(same).item():
        return group_rowwise(frame, ref).collect()
    answers = _table(reps, ref).select(pl.all().cast(pl.Categorical))[index]
    return pl.concat([keyed.select(original), answers], how="horizontal")


def group_lazy(frame: pl.DataFrame | pl.LazyFrame, ref: CurrencyReference) -> pl.LazyFrame:
    """The input columns plus the result columns (RESULT_COLUMNS), one row per input row, same order."""
    return group_fast(frame, ref).lazy()


def group_rowwise(frame: pl.DataFrame | pl.LazyFrame, ref: CurrencyReference) -> pl.LazyFrame:
    """The same answers computed row by row (no combination table): kept to test `group_lazy`."""
    lf = _staged(frame, ref)
    original = [c for c in lf.collect_schema().names() if not c.startswith("_")]
    return lf.with_columns(_results(r.lookups(ref))).select([*original, *RESULT_COLUMNS])


def problems_lazy(frame: pl.DataFrame | pl.LazyFrame, ref: CurrencyReference, row: str = "row") -> pl.LazyFrame:
    """Every fault as (row, field, value, reason); `row` must be a column of the frame."""
    lf = _staged(frame, ref)
    parts = [
        lf.filter(pl.col(f).is_not_null()).select(
            pl.col(row), name.alias("field"), value.alias("value"), pl.col(f).alias("reason"), pl.lit(i).alias("_order")
        )
        for i, (f, name, value) in enumerate(_FAULTS)
    ]
    return pl.concat(parts).sort([row, "_order"]).drop("_order")
