"""Opening-hours calendars: office hours (HO), off hours (HNO) and closed periods.

KPIs are reported separately for HO and HNO, and the IVR plays its closed message outside
opening hours, so every call event is classified by :meth:`OpeningHours.classify`. The
engine's clock is a Unix epoch in seconds; this module never reads a clock itself and does
no I/O of its own (``zoneinfo`` loads the time-zone rules once, ``holidays`` computes a year
of French public holidays once per calendar and year).

Rules, in order, for a local date of the calendar's time zone:

1. a date of ``extra_closed_dates`` is closed all day;
2. a French public holiday of any of ``holiday_regions`` is closed all day, unless the date
   is in ``extra_open_dates``;
3. a Saturday of ``saturday_dates`` (opened on demand) has ``saturday_ho`` as its HO ranges
   and the weekly Saturday HNO ranges;
4. any other date follows the weekly ``ho`` and ``hno`` ranges of its weekday.

Ranges are local wall-clock times, half-open ``[start, end)``; ``24:00`` as an end means
midnight. Conversion from epoch to wall clock goes through ``zoneinfo``, so daylight-saving
days are right: on the March change 02:00–03:00 never happens, on the October change it
happens twice (and its ranges apply both times).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

Period = Literal["HO", "HNO", "closed"]
"""What a moment is for a calendar: office hours, off hours, or closed."""

DAY_SECONDS: Final = 86_400
LOOKAHEAD_DAYS: Final = 400
"""How far :meth:`OpeningHours.next_change` searches before giving up."""

METROPOLE: Final = "metropole"
"""Region code for the national (metropolitan) public holidays only."""

_SATURDAY: Final = 5

_SCHOOL_ZONES: Final = frozenset({"Zone A", "Zone B", "Zone C"})
_WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
_DAY_ALIASES: Final[Mapping[str, int]] = MappingProxyType(
    {
        alias: index
        for index, names in enumerate(
            (
                ("mon", "monday", "lun", "lundi"),
                ("tue", "tuesday", "mar", "mardi"),
                ("wed", "wednesday", "mer", "mercredi"),
                ("thu", "thursday", "jeu", "jeudi"),
                ("fri", "friday", "ven", "vendredi"),
                ("sat", "saturday", "sam", "samedi"),
                ("sun", "sunday", "dim", "dimanche"),
            )
        )
        for alias in names
    }
)
_EVERY_DAY: Final = frozenset({"daily", "all", "every day", "tous les jours"})
_RANGE_RE: Final = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _region_lookup() -> Mapping[str, str]:
    """Every accepted spelling of a region (lower-cased) → its canonical code."""
    table: dict[str, str] = {
        name: METROPOLE
        for name in (METROPOLE, "métropole", "metropolitan", "france", "fr", "national")
    }
    table["alsace-moselle"] = "6AE"  # same public holidays as "57"
    france = holidays.country_holidays("FR")
    for code in france.subdivisions:
        if code not in _SCHOOL_ZONES:
            table[code.lower()] = code
    for alias, code in france.subdivisions_aliases.items():
        if code not in _SCHOOL_ZONES:
            table[alias.lower()] = code
    return MappingProxyType(table)


_REGIONS: Final = _region_lookup()

SUPPORTED_REGIONS: Final = tuple(sorted(set(_REGIONS.values())))
"""Canonical region codes: ``metropole`` plus the public-holiday subdivisions of
``holidays.France`` (e.g. ``974`` for La Réunion, alias ``RE``; ``6AE`` for Alsace)."""


def canonical_region(region: str, where: str = "holiday_regions") -> str:
    """The canonical code of ``region`` (e.g. ``"RE"`` → ``"974"``), case-insensitive.

    Raises ``ValueError`` naming ``where`` for an unknown region or a school zone.
    """
    if region in _SCHOOL_ZONES:
        raise ValueError(
            f"{where}: {region!r} is a school-holiday zone, not a public-holiday region"
        )
    try:
        return _REGIONS[region.strip().lower()]
    except KeyError:
        raise ValueError(
            f"{where}: unknown holiday region {region!r} "
            f"(supported: {', '.join(SUPPORTED_REGIONS)} or an alias such as RE, GP, YT)"
        ) from None


def _format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """A half-open range ``[start, end)`` of local wall-clock time within one day."""

    start: int
    """Seconds after local midnight, ``0 <= start < end``."""
    end: int
    """Seconds after local midnight, ``<= 86400`` (86400 is the next midnight, "24:00")."""

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise ValueError(
                f"time range bounds must be whole seconds: {self.start!r}, {self.end!r}"
            )
        if not 0 <= self.start < self.end <= DAY_SECONDS:
            raise ValueError(
                f"time range {_format_clock(max(self.start, 0))}-"
                f"{_format_clock(max(self.end, 0))} must satisfy 00:00 <= start < end <= 24:00"
            )

    @classmethod
    def parse(cls, text: str, where: str = "time range") -> TimeRange:
        """Parse ``"HH:MM-HH:MM"`` (``24:00`` allowed as the end only).

        A range crossing midnight must be split in two (``19:00-24:00`` and
        ``00:00-04:00`` on the next day). Raises ``ValueError`` naming ``where``.
        """
        match = _RANGE_RE.match(text)
        if match is None:
            raise ValueError(f"{where}: bad time range {text!r}, expected 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise ValueError(f"{where}: bad time in range {text!r}")
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if end <= start:
            raise ValueError(
                f"{where}: range {text!r} ends before it starts "
                "(split a range crossing midnight at 24:00)"
            )
        return cls(start, end)

    def __str__(self) -> str:
        return f"{_format_clock(self.start)}-{_format_clock(self.end)}"


DayRanges = tuple[TimeRange, ...]
WeekRanges = tuple[DayRanges, ...]
"""Seven tuples of ranges, Monday first."""

CLOSED_WEEK: Final[WeekRanges] = ((),) * 7

_Slot = tuple[int, int, Period]


def _parse_days(key: str, where: str) -> list[int]:
    """``"mon-fri"``, ``"sat"``, ``"mon,wed"``, ``"daily"`` → weekday indexes (Monday 0)."""
    text = key.strip().lower() if isinstance(key, str) else ""
    if text in _EVERY_DAY:
        return list(range(7))

    def one(name: str) -> int:
        try:
            return _DAY_ALIASES[name.strip()]
        except KeyError:
            raise ValueError(f"{where}: unknown weekday {name.strip()!r} in {key!r}") from None

    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (one(name) for name in part.split("-", 1))
            days.extend((first + offset) % 7 for offset in range((last - first) % 7 + 1))
        else:
            days.append(one(part))
    return days


def _range_texts(value: object, where: str) -> Sequence[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(text, str) for text in value):
        return value
    raise ValueError(f"{where}: expected a list of 'HH:MM-HH:MM' ranges, got {value!r}")


def parse_week(spec: Mapping[str, object] | None, where: str = "ho") -> WeekRanges:
    """Weekly ranges from plain data, e.g. ``{"mon-fri": ["07:00-19:00"], "sat": []}``.

    Keys are weekdays (English or French, full or three letters), ranges of weekdays
    (``"mon-fri"``), comma lists (``"mon,thu"``) or ``"daily"``; values a range string or a
    list of them. A day named twice gets the ranges of both entries. Days not named have no
    range. Raises ``ValueError`` naming ``where`` and the bad key or value.
    """
    if spec is None:
        return CLOSED_WEEK
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: expected a mapping of weekdays to ranges, got {spec!r}")
    week: list[list[TimeRange]] = [[] for _ in range(7)]
    for key, value in spec.items():
        label = f"{where}.{key}"
        days = _parse_days(key, where)
        ranges = [TimeRange.parse(text, label) for text in _range_texts(value, label)]
        for day in days:
            week[day].extend(ranges)
    return tuple(tuple(sorted(day)) for day in week)


def _check_no_overlap(ranges: Iterable[TimeRange], where: str) -> None:
    ordered = sorted(ranges)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"{where}: range {after} overlaps range {before}")


def _as_date(value: object, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise ValueError(f"{where}: expected a date 'YYYY-MM-DD', got {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{where}: bad date {value!r}, expected 'YYYY-MM-DD'") from None


def _as_dates(values: object, where: str) -> frozenset[date]:
    if values is None:
        return frozenset()
    if isinstance(values, str | date) or not isinstance(values, Iterable):
        values = (values,)
    return frozenset(_as_date(value, where) for value in values)


def _check_dates(
    saturdays: frozenset[date],
    closed: frozenset[date],
    opened: frozenset[date],
    names: tuple[str, str, str],
) -> None:
    """Saturdays on demand must be Saturdays; a date cannot be both closed and opened."""
    for day in sorted(saturdays):
        if day.weekday() != _SATURDAY:
            raise ValueError(
                f"{names[0]}: {day} is a {_WEEKDAY_NAMES[day.weekday()]}, not a Saturday"
            )
    for other, name in ((saturdays, names[0]), (opened, names[2])):
        clash = closed & other
        if clash:
            raise ValueError(f"{names[1]}: {min(clash)} is also in {name}")


def _holidays_of(regions: tuple[str, ...], year: int) -> Mapping[date, str]:
    """Public holidays of ``year`` in any of ``regions`` (canonical codes), French names."""
    merged: dict[date, list[str]] = {}
    for region in regions:
        calendar = holidays.country_holidays(
            "FR",
            subdiv=None if region == METROPOLE else region,
            years=year,
            categories=(holidays.PUBLIC,),
            language="fr",  # explicit: otherwise the names follow the process locale
        )
        for day, names in calendar.items():
            known = merged.setdefault(day, [])
            known.extend(name for name in names.split("; ") if name not in known)
    return {day: "; ".join(names) for day, names in merged.items()}


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A calendar of office hours (HO), off hours (HNO) and closed periods.

    Build one with :meth:`from_mapping` (plain configuration data), a preset
    (:func:`france_travail`, :func:`conseil_etat`) or directly. Instances are immutable and
    hashable; the holiday cache inside is private and does not take part in equality.
    """

    name: str
    timezone: str = "Europe/Paris"
    """IANA time zone whose wall clock the ranges and dates are in."""
    ho: WeekRanges = CLOSED_WEEK
    """Office-hours ranges per weekday, Monday first."""
    hno: WeekRanges = CLOSED_WEEK
    """Off-hours ranges per weekday, Monday first; must not overlap the HO ranges."""
    saturday_dates: frozenset[date] = field(default_factory=frozenset)
    """Saturdays opened on demand."""
    saturday_ho: DayRanges | None = None
    """HO ranges of a Saturday on demand; ``None``: those of the first weekday with HO."""
    holiday_regions: tuple[str, ...] = (METROPOLE,)
    """Regions whose public holidays close the calendar (see :data:`SUPPORTED_REGIONS`);
    aliases are accepted and stored canonical. A date that is a holiday in any of them is
    closed. Empty: no public holiday closes the calendar."""
    extra_closed_dates: frozenset[date] = field(default_factory=frozenset)
    """Dates closed all day (bridge days, exceptional closures)."""
    extra_open_dates: frozenset[date] = field(default_factory=frozenset)
    """Public holidays that open anyway, with the ranges of their weekday."""

    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _week_slots: tuple[tuple[_Slot, ...], ...] = field(init=False, repr=False, compare=False)
    _saturday_slots: tuple[_Slot, ...] = field(init=False, repr=False, compare=False)
    _holiday_years: dict[int, Mapping[date, str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._set("_tz", _load_zone(self.timezone))
        self._init_ranges()
        self._init_dates()
        if isinstance(self.holiday_regions, str):
            raise ValueError(
                f"holiday_regions: expected a tuple of regions, got {self.holiday_regions!r}"
            )
        regions = (canonical_region(region) for region in self.holiday_regions)
        self._set("holiday_regions", tuple(dict.fromkeys(regions)))

    def _init_ranges(self) -> None:
        ho = _normalise_week(self.ho, "ho")
        hno = _normalise_week(self.hno, "hno")
        if self.saturday_ho is None:
            saturday_ho = _default_saturday(ho)
        else:
            saturday_ho = _normalise_day(self.saturday_ho, "saturday_ho")
            self._set("saturday_ho", saturday_ho)
        for day in range(7):
            _check_no_overlap(ho[day] + hno[day], f"hno: {_WEEKDAY_NAMES[day]} (against HO)")
        _check_no_overlap(saturday_ho + hno[_SATURDAY], "hno: Saturday on demand (against HO)")
        self._set("ho", ho)
        self._set("hno", hno)
        self._set("_week_slots", tuple(_slots(ho[day], hno[day]) for day in range(7)))
        self._set("_saturday_slots", _slots(saturday_ho, hno[_SATURDAY]))

    def _init_dates(self) -> None:
        for name in ("saturday_dates", "extra_closed_dates", "extra_open_dates"):
            self._set(name, _as_dates(getattr(self, name), name))
        _check_dates(
            self.saturday_dates,
            self.extra_closed_dates,
            self.extra_open_dates,
            ("saturday_dates", "extra_closed_dates", "extra_open_dates"),
        )

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    # -- construction from plain data -------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, name: str | None = None) -> OpeningHours:
        """Build a calendar from plain configuration data (as loaded from YAML).

        Keys (all optional): ``name``, ``timezone``, ``ho`` and ``hno`` (see
        :func:`parse_week`), ``saturdays`` (dates opened on demand), ``saturday_hours``
        (their HO ranges), ``holidays`` (regions, default ``["metropole"]``; ``[]`` for none),
        ``closed_dates`` and ``open_dates``. Dates are ``date`` objects or ``"YYYY-MM-DD"``.
        Example::

            {"timezone": "Europe/Paris",
             "ho": {"mon-fri": ["07:00-19:00"]},
             "hno": {"mon-fri": ["04:00-07:00", "19:00-24:00"]},
             "saturdays": ["2026-12-05"],
             "holidays": ["metropole", "RE"]}

        Raises ``ValueError`` naming the field and the bad value.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"opening hours: expected a mapping, got {data!r}")
        unknown = sorted(str(key) for key in data if key not in _MAPPING_KEYS)
        if unknown:
            raise ValueError(
                f"{unknown[0]}: unknown opening-hours field (known: {', '.join(_MAPPING_KEYS)})"
            )
        saturday_hours = data.get("saturday_hours")
        saturdays = _as_dates(data.get("saturdays"), "saturdays")
        closed = _as_dates(data.get("closed_dates"), "closed_dates")
        opened = _as_dates(data.get("open_dates"), "open_dates")
        _check_dates(saturdays, closed, opened, ("saturdays", "closed_dates", "open_dates"))
        return cls(
            name=_as_str(data.get("name", name or "calendar"), "name"),
            timezone=_as_str(data.get("timezone", "Europe/Paris"), "timezone"),
            ho=parse_week(_as_week_spec(data.get("ho"), "ho"), "ho"),
            hno=parse_week(_as_week_spec(data.get("hno"), "hno"), "hno"),
            saturday_dates=saturdays,
            saturday_ho=None
            if saturday_hours is None
            else parse_week({"sat": saturday_hours}, "saturday_hours")[_SATURDAY],
            holiday_regions=_as_regions(data.get("holidays")),
            extra_closed_dates=closed,
            extra_open_dates=opened,
        )

    # -- queries ------------------------------------------------------------------------------

    def classify(self, ts: float) -> Period:
        """``"HO"``, ``"HNO"`` or ``"closed"`` at epoch ``ts`` (seconds, UTC-based)."""
        local = datetime.fromtimestamp(ts, self._tz)
        slots = self._day_slots(local.date())
        if not slots:
            return "closed"
        second = (
            local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1_000_000
        )
        for start, end, period in slots:
            if second < start:
                break
            if second < end:
                return period
        return "closed"

    def is_open(self, ts: float) -> bool:
        """Whether epoch ``ts`` is in HO or HNO (the IVR plays the closed message otherwise)."""
        return self.classify(ts) != "closed"

    def next_change(self, ts: float, horizon_days: int = LOOKAHEAD_DAYS) -> float:
        """Epoch of the first moment after ``ts`` whose :meth:`classify` differs from ``ts``'s.

        Meant as a timer deadline: the period is the same on ``[ts, next_change(ts))``.
        Daylight-saving changes are boundaries too when they move the wall clock across a
        range bound. If nothing changes within ``horizon_days``, returns
        ``ts + horizon_days * 86400`` — a deadline to look again, not a boundary.
        """
        if horizon_days < 1:
            raise ValueError(f"horizon_days: must be at least 1, got {horizon_days!r}")
        current = self.classify(ts)
        first_day = datetime.fromtimestamp(ts, self._tz).date() - timedelta(days=1)
        best: float | None = None
        found_on: int | None = None
        for offset in range(horizon_days + 2):
            if found_on is not None and offset > found_on + 1:
                break  # the day after a find is checked too: a DST fall-back can overlap days
            moment = self._first_change_on(first_day + timedelta(days=offset), ts, current)
            if moment is not None and (best is None or moment < best):
                best = moment
                found_on = offset if found_on is None else found_on
        return best if best is not None else ts + horizon_days * DAY_SECONDS

    def holiday_name(self, day: date) -> str | None:
        """French name of the public holiday on ``day`` in the calendar's regions, if any.

        Names of different holidays on one date (several regions) are joined by ``"; "``.
        Extra closed or open dates do not change the answer.
        """
        return self._holidays(day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a public holiday in any of the calendar's regions."""
        return day in self._holidays(day.year)

    def periods_on(self, day: date) -> tuple[tuple[TimeRange, Period], ...]:
        """The HO and HNO ranges that apply on local date ``day``, in order (none if closed)."""
        return tuple((TimeRange(start, end), period) for start, end, period in self._day_slots(day))

    # -- internals ----------------------------------------------------------------------------

    def _holidays(self, year: int) -> Mapping[date, str]:
        cached = self._holiday_years.get(year)
        if cached is None:
            cached = _holidays_of(self.holiday_regions, year)
            self._holiday_years[year] = cached
        return cached

    def _day_slots(self, day: date) -> tuple[_Slot, ...]:
        if day in self.extra_closed_dates:
            return ()
        if day not in self.extra_open_dates and day in self._holidays(day.year):
            return ()
        if day in self.saturday_dates:
            return self._saturday_slots
        return self._week_slots[day.weekday()]

    def _first_change_on(self, day: date, ts: float, current: Period) -> float | None:
        for moment in self._candidates(day):
            if moment > ts and self.classify(moment) != current:
                return moment
        return None

    def _candidates(self, day: date) -> list[float]:
        """Sorted epochs where the period may change during local ``day``.

        Every range bound and midnight, with both readings of an ambiguous wall time, plus
        the instant of any UTC-offset change that day (a skipped bound happens then).
        """
        bounds = {0, DAY_SECONDS}
        for start, end, _period in self._day_slots(day):
            bounds.update((start, end))
        midnight = datetime.combine(day, time())
        moments = {
            (midnight + timedelta(seconds=bound)).replace(tzinfo=self._tz, fold=fold).timestamp()
            for bound in bounds
            for fold in (0, 1)
        }
        moments.update(_offset_changes(self._tz, min(moments), max(moments)))
        return sorted(moments)


_MAPPING_KEYS: Final = (
    "name",
    "timezone",
    "ho",
    "hno",
    "saturdays",
    "saturday_hours",
    "holidays",
    "closed_dates",
    "open_dates",
)


def _as_str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _as_week_spec(value: object, where: str) -> Mapping[str, object] | None:
    if value is None or isinstance(value, Mapping):
        return value
    raise ValueError(f"{where}: expected a mapping of weekdays to ranges, got {value!r}")


def _as_regions(value: object) -> tuple[str, ...]:
    if value is None:
        return (METROPOLE,)
    if isinstance(value, str | int) or not isinstance(value, Iterable):
        value = (value,)
    regions: list[str] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)  # YAML reads the Moselle code 57 as a number
        if not isinstance(item, str):
            raise ValueError(f"holidays: expected a region code, got {item!r}")
        regions.append(canonical_region(item, "holidays"))
    return tuple(regions)


def _load_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"timezone: expected an IANA time-zone name, got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone: unknown time zone {name!r}") from None


def _normalise_day(ranges: object, where: str) -> DayRanges:
    if not isinstance(ranges, Iterable) or isinstance(ranges, str):
        raise ValueError(f"{where}: expected TimeRange items, got {ranges!r}")
    items = tuple(ranges)
    for item in items:
        if not isinstance(item, TimeRange):
            raise ValueError(f"{where}: expected TimeRange items, got {item!r}")
    day = tuple(sorted(items))
    _check_no_overlap(day, where)
    return day


def _normalise_week(week: object, where: str) -> WeekRanges:
    if not isinstance(week, Sequence) or isinstance(week, str) or len(week) != 7:
        raise ValueError(f"{where}: expected 7 tuples of TimeRange (Monday first), got {week!r}")
    return tuple(
        _normalise_day(ranges, f"{where}: {_WEEKDAY_NAMES[index]}")
        for index, ranges in enumerate(week)
    )


def _default_saturday(ho: WeekRanges) -> DayRanges:
    return next((ho[day] for day in range(5) if ho[day]), ())


def _slots(ho: DayRanges, hno: DayRanges) -> tuple[_Slot, ...]:
    slots: list[_Slot] = [(item.start, item.end, "HO") for item in ho]
    slots.extend((item.start, item.end, "HNO") for item in hno)
    return tuple(sorted(slots))


def _offset_changes(zone: ZoneInfo, start: float, stop: float) -> Iterator[float]:
    """Instants in ``[start, stop]`` where the zone's UTC offset changes (one per day)."""
    low, high = int(start), int(stop) + 1
    before = datetime.fromtimestamp(low, zone).utcoffset()
    if datetime.fromtimestamp(high, zone).utcoffset() == before:
        return
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    yield float(high)


# -- presets ------------------------------------------------------------------------------------


def _preset(
    name: str,
    ho: Mapping[str, object],
    hno: Mapping[str, object] | None,
    saturday_dates: Iterable[date | str],
    holiday_regions: Sequence[str],
    extra_closed_dates: Iterable[date | str],
    extra_open_dates: Iterable[date | str],
    timezone: str,
) -> OpeningHours:
    return OpeningHours(
        name=name,
        timezone=timezone,
        ho=parse_week(ho, "ho"),
        hno=parse_week(hno, "hno"),
        saturday_dates=_as_dates(saturday_dates, "saturday_dates"),
        holiday_regions=tuple(holiday_regions),
        extra_closed_dates=_as_dates(extra_closed_dates, "extra_closed_dates"),
        extra_open_dates=_as_dates(extra_open_dates, "extra_open_dates"),
    )


def france_travail(
    *,
    saturday_dates: Iterable[date | str] = (),
    holiday_regions: Sequence[str] = (METROPOLE,),
    extra_closed_dates: Iterable[date | str] = (),
    extra_open_dates: Iterable[date | str] = (),
    with_hno: bool = True,
    timezone: str = "Europe/Paris",
    name: str = "france_travail",
) -> OpeningHours:
    """France Travail service desk: HO 07:00–19:00 Mon–Fri; HNO (overseas territories)
    04:00–07:00 and 19:00–24:00 Mon–Fri; public holidays of ``holiday_regions`` closed."""
    hno = {"mon-fri": ["04:00-07:00", "19:00-24:00"]} if with_hno else None
    return _preset(
        name,
        {"mon-fri": ["07:00-19:00"]},
        hno,
        saturday_dates,
        holiday_regions,
        extra_closed_dates,
        extra_open_dates,
        timezone,
    )


def conseil_etat(
    *,
    saturday_dates: Iterable[date | str] = (),
    holiday_regions: Sequence[str] = (METROPOLE,),
    extra_closed_dates: Iterable[date | str] = (),
    extra_open_dates: Iterable[date | str] = (),
    hno: Mapping[str, object] | None = None,
    timezone: str = "Europe/Paris",
    name: str = "conseil_etat",
) -> OpeningHours:
    """Conseil d'État e-filing support: HO 08:30–17:30 Mon–Fri, no HNO unless ``hno`` gives
    weekly ranges (see :func:`parse_week`); public holidays of ``holiday_regions`` closed."""
    return _preset(
        name,
        {"mon-fri": ["08:30-17:30"]},
        hno,
        saturday_dates,
        holiday_regions,
        extra_closed_dates,
        extra_open_dates,
        timezone,
    )


__all__ = [
    "CLOSED_WEEK",
    "LOOKAHEAD_DAYS",
    "METROPOLE",
    "SUPPORTED_REGIONS",
    "DayRanges",
    "OpeningHours",
    "Period",
    "TimeRange",
    "WeekRanges",
    "canonical_region",
    "conseil_etat",
    "france_travail",
    "parse_week",
]
