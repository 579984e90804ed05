"""Opening-hours calendars: HO / HNO / closed, French public holidays, DST, next_change."""

from __future__ import annotations

import ast
import pickle
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from acd import hours
from acd.hours import (
    SUPPORTED_REGIONS,
    OpeningHours,
    Period,
    TimeRange,
    conseil_etat,
    france_travail,
    parse_week,
)

PARIS = ZoneInfo("Europe/Paris")
SATURDAY_ON_DEMAND = date(2026, 12, 5)
FT = france_travail(saturday_dates=[SATURDAY_ON_DEMAND])
CE = conseil_etat(saturday_dates=[SATURDAY_ON_DEMAND])


def paris(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> float:
    """Epoch of a Paris wall-clock time (the first one, when the hour repeats)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS).timestamp()


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> float:
    """Epoch of a UTC time (to pin DST offsets independently of zoneinfo)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


# --- classification tables ---------------------------------------------------------------------

# (epoch, France Travail, Conseil d'État, what)
TABLE: list[tuple[float, Period, Period, str]] = [
    # an ordinary Monday, every bound
    (paris(2026, 3, 30, 0, 0), "closed", "closed", "Monday midnight"),
    (paris(2026, 3, 30, 3, 59, 59), "closed", "closed", "just before HNO"),
    (paris(2026, 3, 30, 4, 0), "HNO", "closed", "HNO starts 04:00"),
    (paris(2026, 3, 30, 6, 59, 59), "HNO", "closed", "last second of early HNO"),
    (paris(2026, 3, 30, 7, 0), "HO", "closed", "HO starts 07:00"),
    (paris(2026, 3, 30, 8, 29, 59), "HO", "closed", "before CE opens"),
    (paris(2026, 3, 30, 8, 30), "HO", "HO", "CE opens 08:30"),
    (paris(2026, 3, 30, 17, 29, 59), "HO", "HO", "CE last second"),
    (paris(2026, 3, 30, 17, 30), "HO", "closed", "CE closes 17:30"),
    (paris(2026, 3, 30, 18, 59, 59), "HO", "closed", "last second of HO"),
    (paris(2026, 3, 30, 19, 0), "HNO", "closed", "HNO from 19:00"),
    (paris(2026, 3, 30, 23, 59, 59), "HNO", "closed", "HNO until midnight"),
    (paris(2026, 3, 31, 0, 0), "closed", "closed", "24:00 is midnight: closed until 04:00"),
    # DST, pinned in UTC: CET (UTC+1) before 29 March 2026, CEST (UTC+2) after
    (utc(2026, 3, 27, 5, 59), "HNO", "closed", "Friday before DST, 06:59 CET"),
    (utc(2026, 3, 27, 6, 0), "HO", "closed", "Friday before DST, 07:00 CET"),
    (utc(2026, 3, 29, 1, 30), "closed", "closed", "DST Sunday 03:30 CEST"),
    (utc(2026, 3, 30, 4, 59), "HNO", "closed", "Monday after DST, 06:59 CEST"),
    (utc(2026, 3, 30, 5, 0), "HO", "closed", "Monday after DST, 07:00 CEST"),
    (utc(2026, 3, 30, 17, 0), "HNO", "closed", "Monday after DST, 19:00 CEST"),
    (utc(2026, 10, 23, 5, 0), "HO", "closed", "Friday before winter time, 07:00 CEST"),
    (utc(2026, 10, 25, 1, 30), "closed", "closed", "fall-back Sunday, 02:30 twice"),
    (utc(2026, 10, 26, 5, 30), "HNO", "closed", "Monday after winter time, 06:30 CET"),
    (utc(2026, 10, 26, 6, 0), "HO", "closed", "Monday after winter time, 07:00 CET"),
    (utc(2026, 10, 26, 7, 30), "HO", "HO", "Monday after winter time, 08:30 CET"),
    (utc(2026, 10, 26, 18, 0), "HNO", "closed", "Monday after winter time, 19:00 CET"),
    # public holidays (metropolitan), and the working days around them
    (paris(2026, 4, 6, 10, 0), "closed", "closed", "Easter Monday"),
    (paris(2026, 4, 6, 5, 0), "closed", "closed", "Easter Monday, no HNO either"),
    (paris(2026, 4, 7, 10, 0), "HO", "HO", "day after Easter Monday"),
    (paris(2026, 5, 1, 10, 0), "closed", "closed", "1 May"),
    (paris(2026, 5, 8, 10, 0), "closed", "closed", "8 May"),
    (paris(2026, 5, 14, 10, 0), "closed", "closed", "Ascension"),
    (paris(2026, 5, 15, 10, 0), "HO", "HO", "bridge Friday after Ascension is open"),
    (paris(2026, 5, 25, 10, 0), "closed", "closed", "Whit Monday"),
    (paris(2026, 7, 14, 10, 0), "closed", "closed", "14 July"),
    (paris(2026, 7, 13, 23, 59, 59), "HNO", "closed", "eve of 14 July"),
    (paris(2026, 7, 15, 4, 0), "HNO", "closed", "day after 14 July"),
    (paris(2026, 11, 11, 10, 0), "closed", "closed", "11 November"),
    (paris(2026, 12, 24, 20, 0), "HNO", "closed", "Christmas Eve evening"),
    (paris(2026, 12, 25, 10, 0), "closed", "closed", "Christmas"),
    (paris(2027, 1, 1, 10, 0), "closed", "closed", "New Year's Day"),
    (paris(2027, 3, 29, 10, 0), "closed", "closed", "Easter Monday 2027"),
    # weekends, and the Saturday opened on demand
    (paris(2026, 12, 4, 23, 59, 59), "HNO", "closed", "Friday night"),
    (paris(2026, 12, 5, 0, 0), "closed", "closed", "Saturday on demand, midnight"),
    (paris(2026, 12, 5, 6, 59), "closed", "closed", "Saturday on demand, no HNO"),
    (paris(2026, 12, 5, 7, 0), "HO", "closed", "Saturday on demand opens"),
    (paris(2026, 12, 5, 10, 0), "HO", "HO", "Saturday on demand"),
    (paris(2026, 12, 5, 17, 30), "HO", "closed", "Saturday on demand, CE closed"),
    (paris(2026, 12, 5, 19, 0), "closed", "closed", "Saturday on demand, evening"),
    (paris(2026, 12, 12, 10, 0), "closed", "closed", "ordinary Saturday"),
    (paris(2026, 12, 13, 10, 0), "closed", "closed", "Sunday"),
    (paris(2026, 12, 13, 20, 0), "closed", "closed", "Sunday evening"),
]


@pytest.mark.parametrize(("ts", "expected_ft", "expected_ce", "what"), TABLE)
def test_presets_classify(ts: float, expected_ft: Period, expected_ce: Period, what: str) -> None:
    assert FT.classify(ts) == expected_ft, what
    assert CE.classify(ts) == expected_ce, what
    assert FT.is_open(ts) == (expected_ft != "closed")
    assert CE.is_open(ts) == (expected_ce != "closed")


def test_classify_accepts_ints_and_fractions() -> None:
    seven = paris(2026, 3, 30, 7, 0)
    assert FT.classify(int(seven)) == "HO"
    assert FT.classify(seven - 0.001) == "HNO"
    assert FT.classify(seven + 0.5) == "HO"


def test_presets_shape() -> None:
    assert FT.ho[0] == (TimeRange.parse("07:00-19:00"),)
    assert FT.hno[4] == (TimeRange.parse("04:00-07:00"), TimeRange.parse("19:00-24:00"))
    assert FT.ho[5] == FT.ho[6] == FT.hno[5] == FT.hno[6] == ()
    assert CE.ho[2] == (TimeRange.parse("08:30-17:30"),)
    assert all(day == () for day in CE.hno)
    assert FT.holiday_regions == CE.holiday_regions == ("metropole",)
    assert france_travail(with_hno=False).classify(paris(2026, 3, 30, 5, 0)) == "closed"
    ce_hno = conseil_etat(hno={"mon-fri": ["07:00-08:30", "17:30-19:00"]})
    assert ce_hno.classify(paris(2026, 3, 30, 7, 0)) == "HNO"
    assert ce_hno.classify(paris(2026, 3, 30, 18, 0)) == "HNO"


def test_periods_on() -> None:
    assert FT.periods_on(date(2026, 3, 30)) == (
        (TimeRange.parse("04:00-07:00"), "HNO"),
        (TimeRange.parse("07:00-19:00"), "HO"),
        (TimeRange.parse("19:00-24:00"), "HNO"),
    )
    assert FT.periods_on(date(2026, 7, 14)) == ()
    assert CE.periods_on(SATURDAY_ON_DEMAND) == ((TimeRange.parse("08:30-17:30"), "HO"),)


# --- holidays, regions, extra dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "Jour de l'an"),
        (date(2026, 4, 6), "Lundi de Pâques"),
        (date(2026, 5, 1), "Fête du Travail"),
        (date(2026, 5, 8), "Fête de la Victoire"),
        (date(2026, 5, 14), "Ascension"),
        (date(2026, 5, 25), "Lundi de Pentecôte"),
        (date(2026, 7, 14), "Fête nationale"),
        (date(2026, 8, 15), "Assomption"),
        (date(2026, 11, 1), "Toussaint"),
        (date(2026, 11, 11), "Armistice"),
        (date(2026, 12, 25), "Noël"),
        (date(2026, 12, 20), None),
        (date(2026, 4, 3), None),
        (date(2026, 12, 26), None),
    ],
)
def test_metropolitan_holiday_names(day: date, name: str | None) -> None:
    assert FT.holiday_name(day) == name
    assert FT.is_holiday(day) == (name is not None)


# (region as configured, a weekday holiday there only, its name fragment)
OVERSEAS = [
    ("GP", date(2026, 5, 27), "esclavage"),
    ("971", date(2026, 4, 3), "Vendredi saint"),
    ("MQ", date(2026, 5, 22), "esclavage"),
    ("GY", date(2026, 6, 10), "esclavage"),
    ("RE", date(2027, 12, 20), "esclavage"),
    ("La Réunion", date(2028, 12, 20), "esclavage"),
    ("YT", date(2026, 4, 27), "esclavage"),
    ("6AE", date(2025, 12, 26), "Saint-Étienne"),
    ("57", date(2026, 4, 3), "Vendredi saint"),
    ("alsace-moselle", date(2026, 4, 3), "Vendredi saint"),
    ("NC", date(2026, 9, 24), "Citoyenneté"),
    ("PF", date(2026, 11, 20), "Matāri'i"),
]


@pytest.mark.parametrize(("region", "day", "fragment"), OVERSEAS)
def test_regional_holidays_close_only_where_configured(
    region: str, day: date, fragment: str
) -> None:
    assert day.weekday() < 5
    regional = france_travail(holiday_regions=(region,))
    both = france_travail(holiday_regions=("metropole", region))
    ts = paris(day.year, day.month, day.day, 10, 0)
    assert FT.classify(ts) == "HO"
    assert FT.holiday_name(day) is None
    assert regional.classify(ts) == both.classify(ts) == "closed"
    assert fragment in (regional.holiday_name(day) or "")
    # every region keeps the national holidays
    assert regional.classify(paris(2026, 7, 14, 10, 0)) == "closed"


def test_reunion_20_december() -> None:
    reunion = OpeningHours.from_mapping(
        {"ho": {"mon-fri": "07:00-19:00"}, "holidays": ["RE"], "timezone": "Indian/Reunion"}
    )
    monday = datetime(2027, 12, 20, 10, 0, tzinfo=ZoneInfo("Indian/Reunion")).timestamp()
    assert reunion.holiday_regions == ("974",)
    assert reunion.classify(monday) == "closed"
    assert reunion.holiday_name(date(2027, 12, 20)) == "Abolition de l'esclavage"
    assert reunion.classify(monday + 86_400) == "HO"
    assert FT.classify(paris(2027, 12, 20, 10, 0)) == "HO"


def test_region_names_merge_on_one_date() -> None:
    alsace = france_travail(holiday_regions=("metropole", "Alsace", "Moselle"))
    assert alsace.holiday_regions == ("metropole", "6AE", "57")
    assert alsace.holiday_name(date(2026, 12, 25)) == "Noël"
    assert alsace.holiday_name(date(2026, 12, 26)) == "Saint-Étienne"
    both = OpeningHours("x", holiday_regions=("GP", "MQ"))
    assert both.holiday_name(date(2026, 7, 21)) == "Fête de Victor Schoelcher"
    assert both.is_holiday(date(2026, 5, 22)) and both.is_holiday(date(2026, 5, 27))


def test_supported_regions() -> None:
    assert set(SUPPORTED_REGIONS) >= {"metropole", "971", "972", "973", "974", "976", "57", "6AE"}
    assert not any(code.startswith("Zone") for code in SUPPORTED_REGIONS)
    for code in SUPPORTED_REGIONS:  # every one builds and computes a year
        OpeningHours("x", holiday_regions=(code,)).holiday_name(date(2026, 1, 1))


def test_no_holiday_regions_means_open_on_holidays() -> None:
    always = france_travail(holiday_regions=())
    assert always.classify(paris(2026, 7, 14, 10, 0)) == "HO"
    assert always.holiday_name(date(2026, 7, 14)) is None


def test_extra_open_and_closed_dates() -> None:
    cal = france_travail(
        extra_open_dates=[date(2026, 7, 14)],
        extra_closed_dates=["2026-05-15"],
    )
    assert cal.classify(paris(2026, 7, 14, 10, 0)) == "HO"
    assert cal.classify(paris(2026, 7, 14, 20, 0)) == "HNO"
    assert cal.holiday_name(date(2026, 7, 14)) == "Fête nationale"
    assert cal.classify(paris(2026, 5, 15, 10, 0)) == "closed"
    assert cal.classify(paris(2026, 5, 15, 5, 0)) == "closed"
    # an extra open date that is no holiday changes nothing (a Sunday stays closed)
    sunday = france_travail(extra_open_dates=[date(2026, 12, 13)])
    assert sunday.classify(paris(2026, 12, 13, 10, 0)) == "closed"


def test_saturday_on_demand_that_is_a_holiday() -> None:
    assumption = date(2026, 8, 15)  # a Saturday
    assert FT.holiday_name(assumption) == "Assomption"
    closed = france_travail(saturday_dates=[assumption])
    assert closed.classify(paris(2026, 8, 15, 10, 0)) == "closed"
    opened = france_travail(saturday_dates=[assumption], extra_open_dates=[assumption])
    assert opened.classify(paris(2026, 8, 15, 10, 0)) == "HO"


def test_saturday_hours_of_their_own() -> None:
    cal = OpeningHours.from_mapping(
        {
            "ho": {"mon-fri": ["07:00-19:00"]},
            "hno": {"sat": ["13:00-15:00"]},
            "saturdays": ["2026-12-05", date(2026, 12, 19)],
            "saturday_hours": ["08:00-12:00"],
        }
    )
    assert cal.saturday_ho == (TimeRange.parse("08:00-12:00"),)
    assert cal.classify(paris(2026, 12, 5, 7, 59)) == "closed"
    assert cal.classify(paris(2026, 12, 5, 8, 0)) == "HO"
    assert cal.classify(paris(2026, 12, 19, 12, 0)) == "closed"
    assert cal.classify(paris(2026, 12, 19, 13, 0)) == "HNO"  # weekly Saturday HNO
    assert cal.classify(paris(2026, 12, 12, 13, 0)) == "HNO"
    assert cal.classify(paris(2026, 12, 12, 10, 0)) == "closed"


def test_holidays_computed_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str | None, object]] = []
    real = holidays.country_holidays

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append((kwargs.get("subdiv"), kwargs.get("years")))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    cal = france_travail(holiday_regions=("metropole", "RE"))
    start = paris(2026, 1, 1, 0, 0)
    for step in range(0, 365 * 86_400, 3_607):
        cal.classify(start + step)
    assert sorted(calls, key=str) == sorted([(None, 2026), ("974", 2026)], key=str)
    cal.classify(paris(2027, 6, 1, 10, 0))
    assert len(calls) == 4


# --- DST on the wall clock ----------------------------------------------------------------


def test_ranges_in_the_repeated_hour_apply_twice() -> None:
    cal = OpeningHours("dst", hno=parse_week({"sun": ["02:30-03:00"]}, "hno"), holiday_regions=())
    # 25 October 2026: 02:00-03:00 CEST is 00:00-01:00 UTC, then 02:00-03:00 CET is 01:00-02:00
    expected = [
        (utc(2026, 10, 25, 0, 30), "HNO"),
        (utc(2026, 10, 25, 1, 0), "closed"),
        (utc(2026, 10, 25, 1, 30), "HNO"),
        (utc(2026, 10, 25, 2, 0), "closed"),
    ]
    ts = utc(2026, 10, 25, 0, 0)
    assert cal.classify(ts) == "closed"
    for boundary, period in expected:
        ts = cal.next_change(ts)
        assert (ts, cal.classify(ts)) == (boundary, period)


def test_bound_in_the_skipped_hour_happens_at_the_change() -> None:
    cal = OpeningHours("gap", hno=parse_week({"sun": ["00:00-02:30"]}, "hno"), holiday_regions=())
    start = paris(2026, 3, 29, 0, 0)
    assert cal.classify(start) == "HNO"
    # 02:00 CET jumps to 03:00 CEST at 01:00 UTC: 02:30 never happens, HNO ends then
    assert cal.next_change(start) == utc(2026, 3, 29, 1, 0)
    assert cal.classify(utc(2026, 3, 29, 0, 59, 59)) == "HNO"
    assert cal.classify(utc(2026, 3, 29, 1, 0)) == "closed"


# --- next_change ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "ts", "expected"),
    [
        (FT, paris(2026, 3, 30, 10, 0), paris(2026, 3, 30, 19, 0)),
        (FT, paris(2026, 3, 30, 7, 0), paris(2026, 3, 30, 19, 0)),  # strictly after
        (FT, paris(2026, 3, 30, 6, 59, 59), paris(2026, 3, 30, 7, 0)),
        (FT, paris(2026, 3, 30, 19, 0), paris(2026, 3, 31, 0, 0)),
        (FT, paris(2026, 3, 31, 0, 0), paris(2026, 3, 31, 4, 0)),
        (FT, paris(2026, 12, 4, 20, 0), paris(2026, 12, 5, 0, 0)),
        (FT, paris(2026, 12, 5, 3, 0), paris(2026, 12, 5, 7, 0)),  # Saturday on demand
        (FT, paris(2026, 12, 5, 10, 0), paris(2026, 12, 5, 19, 0)),
        (FT, paris(2026, 12, 12, 10, 0), paris(2026, 12, 14, 4, 0)),  # weekend
        (FT, paris(2026, 12, 24, 20, 0), paris(2026, 12, 25, 0, 0)),  # Christmas
        (FT, paris(2026, 12, 25, 10, 0), paris(2026, 12, 28, 4, 0)),
        (FT, paris(2026, 4, 3, 20, 0), paris(2026, 4, 4, 0, 0)),
        (FT, paris(2026, 4, 4, 0, 0), paris(2026, 4, 7, 4, 0)),  # Easter weekend
        (FT, paris(2026, 3, 28, 10, 0), utc(2026, 3, 30, 2, 0)),  # across DST
        (FT, paris(2026, 10, 24, 12, 0), utc(2026, 10, 26, 3, 0)),  # across winter time
        (CE, paris(2026, 3, 30, 17, 30), paris(2026, 3, 31, 8, 30)),
        (CE, paris(2026, 3, 27, 17, 0), paris(2026, 3, 27, 17, 30)),
        (CE, paris(2026, 3, 27, 17, 30), paris(2026, 3, 30, 8, 30)),
        (CE, paris(2026, 5, 13, 18, 0), paris(2026, 5, 15, 8, 30)),  # Ascension
    ],
)
def test_next_change_table(calendar: OpeningHours, ts: float, expected: float) -> None:
    change = calendar.next_change(ts)
    assert change == expected, datetime.fromtimestamp(change, PARIS)
    assert calendar.classify(change) != calendar.classify(ts)
    assert calendar.classify(change - 0.001) == calendar.classify(ts)


def test_next_change_without_any_change_returns_the_horizon() -> None:
    never = OpeningHours("never", holiday_regions=())
    ts = paris(2026, 1, 1, 0, 0)
    assert never.next_change(ts) == ts + 400 * 86_400
    assert never.next_change(ts, horizon_days=10) == ts + 10 * 86_400
    always = OpeningHours("always", hno=parse_week({"daily": "00:00-24:00"}), holiday_regions=())
    assert always.classify(ts) == "HNO"
    assert always.next_change(ts, horizon_days=30) == ts + 30 * 86_400
    with pytest.raises(ValueError, match="horizon_days"):
        always.next_change(ts, horizon_days=0)


def test_next_change_finds_an_opening_far_ahead() -> None:
    saturdays_only = OpeningHours(
        "saturdays only",
        saturday_dates=frozenset({date(2026, 12, 5), date(2028, 6, 3)}),
        saturday_ho=(TimeRange.parse("09:00-12:00"),),
    )
    new_year = paris(2026, 1, 1, 0, 0)
    assert saturdays_only.next_change(new_year) == paris(2026, 12, 5, 9, 0)  # 338 days on
    assert saturdays_only.next_change(new_year, horizon_days=300) == new_year + 300 * 86_400
    after = paris(2026, 12, 5, 12, 0)
    assert saturdays_only.next_change(after) == after + 400 * 86_400  # June 2028 is too far


T_START = paris(2025, 1, 1, 0, 0)
T_END = paris(2031, 1, 1, 0, 0)
CALENDARS = {
    "france_travail": FT,
    "conseil_etat": CE,
    "reunion": france_travail(holiday_regions=("metropole", "RE"), saturday_dates=["2026-12-12"]),
    "night_and_dst": OpeningHours(
        "night_and_dst",
        ho=parse_week({"mon-sat": ["08:00-12:00", "13:30-17:00"]}),
        hno=parse_week({"daily": ["00:00-01:00", "02:30-03:30"], "sun": ["20:00-24:00"]}),
        holiday_regions=("6AE",),
        extra_closed_dates=frozenset({date(2026, 12, 31)}),
        extra_open_dates=frozenset({date(2026, 12, 26)}),
    ),
}
DST_CHANGES = [  # 01:00 UTC on the last Sundays of March and October
    utc(year, month, last_sunday, 1, 0)
    for year in range(2025, 2031)
    for month in (3, 10)
    for last_sunday in [max(d for d in range(25, 32) if date(year, month, d).weekday() == 6)]
]
timestamps = st.one_of(
    st.floats(min_value=T_START, max_value=T_END, allow_nan=False),
    st.integers(min_value=int(T_START) // 60, max_value=int(T_END) // 60).map(
        lambda minute: float(minute * 60)
    ),
    st.builds(  # around a DST change, where the wall clock jumps or repeats
        lambda change, minutes: change + minutes * 60.0,
        st.sampled_from(DST_CHANGES),
        st.one_of(
            st.integers(min_value=-180, max_value=180),
            st.integers(min_value=-2 * 1440, max_value=1440),
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@example(ts=utc(2026, 10, 25, 1, 0), which="night_and_dst")  # 02:00 CET, second time
@example(ts=utc(2026, 3, 29, 0, 45), which="night_and_dst")  # 01:45 CET, 02:30 is skipped
@example(ts=utc(2026, 12, 31, 23, 59), which="night_and_dst")
@given(ts=timestamps, which=st.sampled_from(sorted(CALENDARS)))
def test_next_change_property(ts: float, which: str) -> None:
    assert_exact_next_change(CALENDARS[which], ts)


def assert_exact_next_change(calendar: OpeningHours, ts: float) -> None:
    """next_change(ts) is the first moment the period differs from the period at ts."""
    current = calendar.classify(ts)
    change = calendar.next_change(ts)
    assert ts < change < ts + 10 * 86_400
    assert calendar.classify(change) != current
    assert calendar.classify(max(ts, change - 0.001)) == current
    # no earlier change: every bound falls on a whole UTC minute in these zones
    minute = int(ts // 60 + 1) * 60
    while minute < change:
        assert calendar.classify(minute) == current, datetime.fromtimestamp(minute, PARIS)
        minute += 60


def test_next_change_where_dst_moves_midnight() -> None:
    # Santiago de Chile: in April 24:00 falls back to 23:00 (the Saturday evening repeats),
    # in September 00:00 jumps to 01:00 (the Sunday has no midnight).
    santiago = OpeningHours(
        "santiago",
        timezone="America/Santiago",
        ho=parse_week({"sat": ["23:00-23:45"], "sun": ["00:15-01:30"]}),
        hno=parse_week({"daily": ["12:00-13:00"], "sat": ["22:00-23:00"]}),
        holiday_regions=(),
    )
    changes = [utc(2025, 4, 6, 3, 0), utc(2025, 9, 7, 4, 0), utc(2026, 4, 5, 3, 0)]
    for change in changes:
        for quarter in range(-48, 48):
            assert_exact_next_change(santiago, change + quarter * 900 + 7)
    # the repeated Saturday 23:00-23:45 is HO twice
    assert santiago.classify(utc(2026, 4, 5, 2, 30)) == "HO"  # 23:30 -03
    assert santiago.classify(utc(2026, 4, 5, 2, 50)) == "closed"  # 23:50 -03
    assert santiago.next_change(utc(2026, 4, 5, 2, 50)) == utc(2026, 4, 5, 3, 0)
    assert santiago.classify(utc(2026, 4, 5, 3, 10)) == "HO"  # 23:10 -04, again
    assert santiago.classify(utc(2026, 4, 5, 3, 50)) == "closed"  # 23:50 -04, again
    # September: Saturday 23:59:59 -04 is followed by Sunday 01:00 -03, already HO
    assert santiago.next_change(utc(2025, 9, 7, 3, 50)) == utc(2025, 9, 7, 4, 0)
    assert santiago.classify(utc(2025, 9, 7, 4, 0)) == "HO"


def test_next_change_where_the_date_goes_back() -> None:
    # Goose Bay, 30 October 2005: Sunday 00:00:59 -03 was followed by Saturday 23:01 -04
    # (03:01 UTC), so part of Saturday came after part of Sunday.
    goose = OpeningHours(
        "goose",
        timezone="America/Goose_Bay",
        ho=(*((),) * 5, (TimeRange(84_600, 86_400),), (TimeRange(0, 30),)),
        hno=(*((),) * 6, (TimeRange(1_800, 3_600),)),
        holiday_regions=(),
    )
    timeline = [
        (utc(2005, 10, 30, 2, 30), "HO"),  # Saturday 23:30 -03
        (utc(2005, 10, 30, 3, 0, 30), "closed"),  # Sunday 00:00:30 -03
        (utc(2005, 10, 30, 3, 30), "HO"),  # Saturday 23:30 -04, again
        (utc(2005, 10, 30, 4, 0, 30), "closed"),  # Sunday 00:00:30 -04, again
        (utc(2005, 10, 30, 4, 30), "HNO"),
        (utc(2005, 10, 30, 5, 0), "closed"),
    ]
    ts = utc(2005, 10, 30, 2, 0)
    for boundary, period in timeline:
        ts = goose.next_change(ts)
        assert (ts, goose.classify(ts)) == (boundary, period)
    assert goose.next_change(utc(2005, 10, 30, 3, 0, 40)) == utc(2005, 10, 30, 3, 30)


# --- from_mapping ---------------------------------------------------------------------------


def test_from_mapping_example() -> None:
    cal = OpeningHours.from_mapping(
        {
            "timezone": "Europe/Paris",
            "ho": {"mon-fri": ["07:00-19:00"]},
            "hno": {"mon-fri": ["04:00-07:00", "19:00-24:00"]},
            "saturdays": ["2026-12-05"],
            "holidays": ["metropole", "RE"],
        },
        name="ft",
    )
    assert cal == france_travail(
        name="ft", saturday_dates=[SATURDAY_ON_DEMAND], holiday_regions=("metropole", "974")
    )
    assert cal.name == "ft"
    assert cal.classify(paris(2027, 12, 20, 10, 0)) == "closed"
    assert OpeningHours.from_mapping({"name": "n"}).name == "n"


def test_from_mapping_yaml_shapes() -> None:
    cal = OpeningHours.from_mapping(
        {
            "name": "moselle",
            "ho": {"Lun-Ven": "08:00-12:00", "mercredi": ["14:00-16:00"], "sat,sun": None},
            "holidays": 57,
            "closed_dates": date(2026, 5, 15),
            "open_dates": ["2026-11-11"],
        }
    )
    assert cal.holiday_regions == ("57",)
    assert cal.ho[2] == (TimeRange.parse("08:00-12:00"), TimeRange.parse("14:00-16:00"))
    assert cal.ho[3] == (TimeRange.parse("08:00-12:00"),)
    assert cal.extra_closed_dates == {date(2026, 5, 15)}
    assert cal.classify(paris(2026, 11, 11, 15, 0)) == "HO"
    assert cal.classify(paris(2026, 4, 3, 10, 0)) == "closed"  # Good Friday in Moselle
    assert OpeningHours.from_mapping({"holidays": []}).holiday_regions == ()
    assert OpeningHours.from_mapping({"holidays": None}).holiday_regions == ("metropole",)
    assert OpeningHours.from_mapping({"ho": {"fri-mon": "10:00-11:00"}}).ho == (
        (TimeRange(36_000, 39_600),),
        (),
        (),
        (),
        (TimeRange(36_000, 39_600),),
        (TimeRange(36_000, 39_600),),
        (TimeRange(36_000, 39_600),),
    )


@pytest.mark.parametrize(
    ("data", "field", "bad"),
    [
        ({"ho": {"mon-fri": ["7h-19h"]}}, "ho.mon-fri", "7h-19h"),
        ({"ho": {"mon-fri": ["07:00-25:00"]}}, "ho.mon-fri", "25:00"),
        ({"ho": {"mon-fri": ["07:60-19:00"]}}, "ho.mon-fri", "07:60"),
        ({"ho": {"mon-fri": ["19:00-07:00"]}}, "ho.mon-fri", "19:00-07:00"),
        ({"ho": {"mon-fri": ["24:00-24:00"]}}, "ho.mon-fri", "24:00"),
        ({"ho": {"mon": [7]}}, "ho.mon", "7"),
        ({"ho": ["07:00-19:00"]}, "ho", "07:00-19:00"),
        ({"ho": {"lundy-fri": ["07:00-19:00"]}}, "ho", "lundy"),
        ({"hno": {"monday,funday": ["07:00-19:00"]}}, "hno", "funday"),
        (
            {"ho": {"mon-fri": ["07:00-19:00"]}, "hno": {"mon-fri": ["06:00-08:00"]}},
            "hno",
            "06:00-08:00",
        ),
        (
            {"ho": {"mon-fri": ["07:00-12:00"], "wed": ["11:00-13:00"]}},
            "ho: Wednesday",
            "11:00-13:00",
        ),
        (
            {"saturday_hours": ["08:00-12:00"], "hno": {"sat": ["11:00-13:00"]}},
            "hno: Saturday on demand",
            "11:00-13:00",
        ),
        ({"saturday_hours": ["8-12"]}, "saturday_hours", "8-12"),
        ({"holidays": ["metropole", "XX"]}, "holidays", "XX"),
        ({"holidays": ["Zone A"]}, "holidays", "Zone A"),
        ({"holidays": [1.5]}, "holidays", "1.5"),
        ({"saturdays": ["2026-12-04"]}, "saturdays", "2026-12-04"),
        ({"saturdays": ["2026-13-05"]}, "saturdays", "2026-13-05"),
        ({"saturdays": [datetime(2026, 12, 5, 10)]}, "saturdays", "2026, 12, 5"),
        ({"closed_dates": ["tomorrow"]}, "closed_dates", "tomorrow"),
        ({"open_dates": [20260714]}, "open_dates", "20260714"),
        (
            {"closed_dates": ["2026-07-14"], "open_dates": ["2026-07-14"]},
            "closed_dates",
            "2026-07-14",
        ),
        (
            {"closed_dates": ["2026-12-05"], "saturdays": ["2026-12-05"]},
            "closed_dates",
            "2026-12-05",
        ),
        ({"timezone": "Europe/Pariss"}, "timezone", "Europe/Pariss"),
        ({"timezone": ""}, "timezone", "''"),
        ({"name": 3}, "name", "3"),
        ({"hours": {"mon-fri": ["07:00-19:00"]}}, "hours", "unknown"),
    ],
)
def test_from_mapping_errors_name_the_field(data: dict[str, Any], field: str, bad: str) -> None:
    with pytest.raises(ValueError) as error:
        OpeningHours.from_mapping(data)
    message = str(error.value)
    assert message.startswith(field) and bad in message, message


def test_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="saturday_dates: 2026-12-04 is a Friday"):
        OpeningHours("x", saturday_dates=frozenset({date(2026, 12, 4)}))
    with pytest.raises(ValueError, match="ho: expected 7 tuples"):
        OpeningHours("x", ho=((TimeRange(0, 60),),))
    with pytest.raises(ValueError, match="holiday_regions: unknown holiday region 'Paris'"):
        OpeningHours("x", holiday_regions=("Paris",))
    with pytest.raises(ValueError, match="holiday_regions: expected a tuple"):
        OpeningHours("x", holiday_regions="RE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="extra_closed_dates: 2026-07-14 is also in extra_open"):
        france_travail(extra_closed_dates=["2026-07-14"], extra_open_dates=["2026-07-14"])
    with pytest.raises(ValueError, match="must satisfy"):
        TimeRange(3600, 3600)
    with pytest.raises(ValueError, match="must satisfy"):
        TimeRange(0, 86_401)


# --- value semantics, purity ------------------------------------------------------------------


def test_time_range_text_round_trip() -> None:
    for text in ("00:00-04:00", "07:00-19:00", "19:00-24:00", "08:30-17:30"):
        assert str(TimeRange.parse(text)) == text
    assert TimeRange.parse(" 7:00 - 9:15 ") == TimeRange(25_200, 33_300)
    assert str(TimeRange(0, 61)) == "00:00-00:01:01"


def test_calendars_are_values() -> None:
    again = france_travail(saturday_dates=["2026-12-05"])
    FT.holiday_name(date(2026, 1, 1))  # fill the cache: it takes no part in equality
    assert again == FT and hash(again) == hash(FT)
    assert FT != CE
    copy = pickle.loads(pickle.dumps(FT))
    assert copy == FT and copy.classify(paris(2026, 3, 30, 7, 0)) == "HO"
    with pytest.raises(AttributeError):
        FT.name = "other"  # type: ignore[misc]


def test_module_is_pure() -> None:
    source = Path(hours.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "itertools",
        "re",
        "types",
        "typing",
        "zoneinfo",
        "holidays",
    }
    called = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not called & {"now", "today", "utcnow", "time", "monotonic", "open", "read_text"}
