"""The time zones a person picks from: common ones first, then one per place, no aliases.

The list comes from ``zone.tab`` of the IANA database (shipped by the
``tzdata`` package): the zones that stand for a region of a country, which is
what people recognise. Aliases (``US/Eastern``, ``GB``) and the ``Etc/GMT+1``
family, whose sign is the opposite of what it reads, are left out.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)

Choice = tuple[str, str]


def _read(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def place_zones() -> dict[str, str]:
    """Zone name -> country name, for every zone of ``zone.tab``."""
    countries = {row[0]: row[1] for row in _read("iso3166.tab")}
    return {row[2]: countries.get(row[0], row[0]) for row in _read("zone.tab")}


def selectable_zones() -> set[str]:
    return {"UTC", *place_zones()}


def _label(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).strftime("%z")
    utc = "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"
    country = place_zones().get(zone)
    place = zone.replace("_", " ")
    return f"{place} ({country}, {utc})" if country else f"{place} ({utc})"


def zone_choices(
    current: str | None = None, *, now: datetime | None = None
) -> list[tuple[str, list[Choice]]]:
    """Grouped choices for a ``<select>``: "Common", then one group per region.

    A ``current`` value that is not in the list any more (saved before, or an
    alias) is kept at the top so that the form shows what is stored.
    """
    now = now or datetime.now(tz=ZoneInfo("UTC"))
    groups: dict[str, list[Choice]] = {}
    for zone in sorted(place_zones()):
        groups.setdefault(zone.split("/", 1)[0], []).append((zone, _label(zone, now)))
    common = [(zone, _label(zone, now)) for zone in COMMON_ZONES]
    if current and current not in selectable_zones():
        common.insert(0, (current, f"{current} (current setting)"))
    return [("Common", common), *sorted(groups.items())]


def _zone_label(moment: datetime) -> str:
    """The zone's abbreviation (CET, CEST, EST), or ``UTC+03:00`` where the zone has none."""
    abbreviation = moment.strftime("%Z")
    if abbreviation and abbreviation[0] not in "+-":
        return abbreviation
    offset = moment.strftime("%z")
    return "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"


def zoned_time(value: datetime | None, zone: str) -> str:
    """A moment as the wall clock of ``zone`` shows it, with the zone's abbreviation, and in UTC.

    ``Sat 5 Dec 2026, 04:15 CET (03:15 UTC)``; the UTC part names its own date
    when that differs. Deadlines of local-time rules are shown this way
    everywhere (web pages, mails, the calendar feed), so that nobody reads a
    UTC time as local or the other way round. An unknown zone falls back to UTC.
    """
    if value is None:
        return ""
    try:
        local = value.astimezone(ZoneInfo(zone or "UTC"))
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        local = value.astimezone(ZoneInfo("UTC"))
    utc = value.astimezone(ZoneInfo("UTC"))
    clock = "%H:%M:%S" if value.second else "%H:%M"  # 23:59:59, the end of a local day, stays exact
    shown = f"{local:%a} {local.day} {local.strftime('%b %Y, ' + clock)} {_zone_label(local)}"
    if local.utcoffset() == utc.utcoffset():
        return shown
    if utc.date() == local.date():
        utc_shown = f"{utc.strftime(clock)} UTC"
    else:
        utc_shown = f"{utc:%a} {utc.day} {utc.strftime('%b %Y, ' + clock)} UTC"
    return f"{shown} ({utc_shown})"
