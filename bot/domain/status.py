"""The colour over time: from all of a person's declarations, daily check-ins and overrides to today's status.

Every reason (a criterion of the rules) is active from the day it arose. One that clears by check-ins
ends after its colour's period of consecutive days with a normal check-in counted from that day: 14 for
red, 7 for yellow. A day without a check-in restarts the count; so does a check-in with fever or
symptoms, which also makes those symptoms a reason of their own from that day. A newer declaration
adds reasons but never removes one: re-declaring cannot shorten a quarantine. Reasons that do not clear
by check-ins (a confirmed case, say) stay until an override. The same exposure declared again within the
14 days the questions look back over is not a new one. An override's colour holds while it lasts
and releases everything that arose before it began.

Days are calendar days in the deployment's time zone; the caller gives `today`, so time is a parameter
and a test walks through weeks without waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.answers import Colour, Declaration, Symptom
from bot.domain.assessment import Criterion, Field, Rules, criteria_matched, load_rules, period_start

# The criteria a daily check-in answers; all the others come from the declaration (exposures).
REPORT_FIELDS = frozenset({Field.SYMPTOMS, Field.TEMPERATURE_C})
EXPOSURE_FIELDS = frozenset(Field) - REPORT_FIELDS
# The questions on places and contacts ask about the last 14 days.
EXPOSURE_WINDOW = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Report:
    """A day's check-in: the temperature and the symptoms (an empty set is an explicit "none")."""

    day: date
    temperature_c: float
    symptoms: frozenset[Symptom]


class OverrideCategory(StrEnum):
    """What a health authority decided, as a code: the person reads it in their own language, whatever
    language the administrator wrote their note in."""

    RELEASED = "released"  # released from medical observation
    CONFIRMED_CASE = "confirmed_case"
    CLOSE_CONTACT = "close_contact"
    QUARANTINE_ORDERED = "quarantine_ordered"
    OTHER = "other"
    # Set by a reviewer granting the person's appeal (bot/appeals), never chosen by an administrator: the
    # person reads that their appeal was granted, not an authority's decision with a note they never got.
    APPEAL_GRANTED = "appeal_granted"


# What an administrator's /override may record; an appeal's grant is the appeals' own.
ADMIN_CATEGORIES = tuple(category for category in OverrideCategory if category is not OverrideCategory.APPEAL_GRANTED)


@dataclass(frozen=True, slots=True)
class Override:
    """An administrator's colour, from a health authority's decision; `ends_on` is the first day without it.

    `reason` is the administrator's own note ("" when none), shown as the authority's words, untranslated.
    """

    colour: Colour
    reason: str
    starts_on: date
    ends_on: date | None = None
    category: OverrideCategory = OverrideCategory.OTHER

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def override_in_force(overrides: Sequence[Override], day: date) -> Override | None:
    """The override that sets the colour on `day`: of those in force, the latest."""
    return next((override for override in reversed(overrides) if override.active_on(day)), None)


@dataclass(frozen=True, slots=True)
class Carried:
    """A reason already active before the oldest history kept (retention deleted what it came from)."""

    reason: str
    since: date


@dataclass(frozen=True, slots=True)
class History:
    declarations: Sequence[Declaration] = ()
    # At most one per day (a second check-in on a day replaces the first).
    reports: Sequence[Report] = ()
    overrides: Sequence[Override] = ()
    carried: Sequence[Carried] = ()
    # Temperatures taken at checkpoints (symptoms empty). Not a check-in of the person's own: a normal one
    # counts for nothing, a fever makes its day abnormal even after a normal check-in.
    checkpoint_readings: Sequence[Report] = ()


@dataclass(frozen=True, slots=True)
class Status:
    colour: Colour
    # The active reasons of the status's colour, in the order of the rules file.
    reasons: tuple[str, ...]
    # Active reasons of a lower colour: they may keep the code yellow after red ends.
    other_reasons: tuple[str, ...]
    period_days: int
    # The day the decisive reasons arose (the latest of them).
    since: date | None
    # "Day 9 of 14": today's place in the count of normal check-ins; None when no count runs today
    # (green, a case that does not clear by check-ins, before arrival, or right after a fever).
    day_number: int | None
    # The first day the colour can be lower, and the first day it can be green, if every check-in
    # until then is normal; None when green or when only an override can release it.
    changes_on: date | None
    green_on: date | None
    checked_in_today: bool
    next_checkin_on: date
    next_step: str
    clears_by_checkins: bool
    rules_version: str
    override_reason: str | None = None
    # The day(s) without a check-in that started the current count again (first, last; the same day when
    # one was missed), so the person is told why "day 3" became "day 1". None when nothing was missed
    # since the count began, or when a fever restarted it after.
    missed_from: date | None = None
    missed_to: date | None = None
    # The override's OverrideCategory while one is in force (`override_reason` is then its note, maybe "").
    override_category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "colour": str(self.colour),
            "reasons": list(self.reasons),
            "other_reasons": list(self.other_reasons),
            "period_days": self.period_days,
            "since": _iso(self.since),
            "day_number": self.day_number,
            "changes_on": _iso(self.changes_on),
            "green_on": _iso(self.green_on),
            "checked_in_today": self.checked_in_today,
            "next_checkin_on": self.next_checkin_on.isoformat(),
            "next_step": self.next_step,
            "clears_by_checkins": self.clears_by_checkins,
            "rules_version": self.rules_version,
            "override_reason": self.override_reason,
            "missed_from": _iso(self.missed_from),
            "missed_to": _iso(self.missed_to),
            "override_category": self.override_category,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Status:
        return cls(
            colour=Colour(data["colour"]),
            reasons=tuple(data["reasons"]),
            other_reasons=tuple(data["other_reasons"]),
            period_days=int(data["period_days"]),
            since=_day(data["since"]),
            day_number=data["day_number"],
            changes_on=_day(data["changes_on"]),
            green_on=_day(data["green_on"]),
            checked_in_today=bool(data["checked_in_today"]),
            next_checkin_on=date.fromisoformat(data["next_checkin_on"]),
            next_step=data["next_step"],
            clears_by_checkins=bool(data["clears_by_checkins"]),
            rules_version=data["rules_version"],
            override_reason=data.get("override_reason"),
            # .get: codes issued before these were kept have no such keys.
            missed_from=_day(data.get("missed_from")),
            missed_to=_day(data.get("missed_to")),
            override_category=data.get("override_category"),
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def is_normal(report: Report, rules: Rules | None = None) -> bool:
    """Whether a check-in is normal: no fever and no symptom that is a criterion (fatigue alone is normal)."""
    return not _report_criteria(report, rules or load_rules())


def day_report_after(earlier: Report | None, later: Report, rules: Rules | None = None) -> Report:
    """What a day's second report leaves on record: it replaces the first, except that a fever or a
    symptom already reported that day stays. Otherwise checking in again a minute later with a normal
    temperature would take back a fever, and with it the yellow code it brought."""
    if earlier is None or is_normal(earlier, rules):
        return later
    return Report(later.day, max(earlier.temperature_c, later.temperature_c), earlier.symptoms | later.symptoms)


@dataclass(slots=True)
class _Active:
    criterion: Criterion
    since: date


@dataclass(slots=True)
class _Walk:
    rules: Rules
    active: dict[str, _Active] = field(default_factory=dict)
    # Consecutive days, up to the day being walked, with a normal check-in.
    run: int = 0
    # The day each reason last arose, kept after it clears: a declaration repeating it may be old news.
    arose: dict[str, date] = field(default_factory=dict)
    # The latest run of missed days that started a running count again, as (first, last); None once
    # something else (a fever, a new reason, an override) restarted the count after it.
    missed: tuple[date, date] | None = None
    # Every day without a check-in that started a count again, oldest first: /history names each.
    missed_days: list[date] = field(default_factory=list)

    def report(self, criteria: Iterable[Criterion], day: date) -> None:
        """Fever or symptoms reported on `day`: each is a reason from that day, its count started again."""
        for criterion in criteria:
            self._set(criterion, day)

    def miss(self, day: date) -> None:
        """No check-in on `day`: the count starts again; worth telling only while a count runs for a reason."""
        self.run = 0
        if not any(entry.criterion.clears_by_checkins and entry.since <= day for entry in self.active.values()):
            return
        self.missed_days.append(day)
        if self.missed is not None and self.missed[1] == day - timedelta(days=1):
            self.missed = (self.missed[0], day)
        else:
            self.missed = (day, day)

    def expose(self, criteria: Iterable[Criterion], day: date) -> None:
        """Exposures declared, counting from `day`. The questions ask about the last 14 days, so the same
        answer given again within that window is the same exposure (the same trip, the same contact),
        whether or not its count has ended meanwhile; later, it is a new one."""
        for criterion in criteria:
            last = self.arose.get(criterion.reason)
            if last is None or day > last + EXPOSURE_WINDOW:
                self._set(criterion, day)

    def _set(self, criterion: Criterion, day: date) -> None:
        self.active[criterion.reason] = _Active(criterion, day)
        self.arose[criterion.reason] = day
        self.missed = None

    def counted(self, reason: _Active, through: date) -> int:
        """Normal check-in days that count for `reason`, from the day it arose through `through`."""
        return max(0, min(self.run, (through - reason.since).days + 1))

    def end_day(self, day: date) -> None:
        for reason, entry in list(self.active.items()):
            if entry.criterion.clears_by_checkins and self.counted(entry, day) >= self._period(entry):
                del self.active[reason]

    def _period(self, entry: _Active) -> int:
        return self.rules.colours[entry.criterion.colour].period_days


def status_at(history: History, today: date, rules: Rules | None = None) -> Status:
    """The status on `today`, from everything in `history` up to and including today."""
    rules = rules or load_rules()
    walk, own, record = _walk_through(history, today, rules)
    override = override_in_force(history.overrides, today)
    return _summarise(walk, today, own.get(today), record.get(today), override, rules)


def missed_days(history: History, today: date, rules: Rules | None = None) -> list[date]:
    """The days without a check-in that started a count to green again, up to yesterday, oldest first."""
    rules = rules or load_rules()
    return _walk_through(history, today, rules)[0].missed_days


def _walk_through(history: History, today: date, rules: Rules) -> tuple[_Walk, dict[date, Report], dict[date, Report]]:
    """The walk through every day up to `today`, with the person's own reports by day and each day's record
    (their own report, raised by a checkpoint's fever; or a checkpoint's fever alone)."""
    criteria_by_reason = {criterion.reason: criterion for criterion in rules.criteria}
    declarations_by_day: dict[date, list[Declaration]] = {}
    for declaration in history.declarations:
        declarations_by_day.setdefault(declaration.declared_on, []).append(declaration)
    # A declaration answers the day's check-in questions too, unless a check-in that day replaced it.
    own = {
        declaration.declared_on: Report(declaration.declared_on, declaration.temperature_c, declaration.symptoms)
        for declaration in history.declarations
    }
    own.update((report.day, report) for report in history.reports)
    record = dict(own)
    for reading in history.checkpoint_readings:
        mine = record.get(reading.day)
        if mine is not None:
            record[reading.day] = Report(mine.day, max(mine.temperature_c, reading.temperature_c), mine.symptoms)
        elif not is_normal(reading, rules):
            # A fever at the gate is a reason from that day, but it is no check-in of the person's own:
            # the day still needs one, and without it the day is missed like any other.
            record[reading.day] = reading
    walk = _Walk(rules)
    days = [*declarations_by_day, *record, *(override.starts_on for override in history.overrides)]
    days += [carried.since for carried in history.carried]
    days = [day for day in days if day <= today]
    if not days:
        return walk, own, record
    carried_by_day: dict[date, list[Criterion]] = {}
    for carried in history.carried:
        if (criterion := criteria_by_reason.get(carried.reason)) is not None:
            carried_by_day.setdefault(carried.since, []).append(criterion)
    day = min(days)
    while day <= today:
        if any(override.starts_on == day for override in history.overrides):
            # A health authority's decision replaces what was known before it.
            walk.active.clear()
            walk.arose.clear()
            walk.run = 0
            walk.missed = None
        walk.expose(carried_by_day.get(day, ()), day)
        for declaration in declarations_by_day.get(day, ()):
            walk.expose(criteria_matched(declaration, rules, EXPOSURE_FIELDS), period_start(declaration))
        report = record.get(day)
        if report is not None:
            symptoms = _report_criteria(report, rules)
            walk.report(symptoms, day)
            if symptoms:
                walk.run = 0
            elif day in own:
                walk.run += 1
        if day not in own and day < today and (report is None or not _report_criteria(report, rules)):
            walk.miss(day)
        if day < today:
            walk.end_day(day)
        day += timedelta(days=1)
    return walk, own, record


def _last_unless_open(ends: list[date | None]) -> date | None:
    """The last of these days; None when there are none, or one of them (None) has no end in sight."""
    known = [day for day in ends if day is not None]
    return max(known) if known and len(known) == len(ends) else None


# The criteria each kind of report matched under the rules last used. Nearly every check-in is one of a
# few dozen kinds (a temperature, usually no symptom): the daily job matches each kind once for everyone,
# not once for each person who reported it. Kept with the rules object it is for.
_REPORT_KINDS: list[tuple[Rules, dict[tuple[float, frozenset[Symptom]], tuple[Criterion, ...]]]] = []
# Kinds kept at most: temperatures are typed to a tenth, so a real deployment stays far below this.
_REPORT_KINDS_KEPT = 4096


def _report_criteria(report: Report, rules: Rules) -> tuple[Criterion, ...]:
    if not _REPORT_KINDS or _REPORT_KINDS[0][0] is not rules:
        _REPORT_KINDS[:] = [(rules, {})]
    kinds = _REPORT_KINDS[0][1]
    kind = (report.temperature_c, report.symptoms)
    found = kinds.get(kind)
    if found is None:
        if len(kinds) >= _REPORT_KINDS_KEPT:
            kinds.clear()
        found = kinds[kind] = tuple(criteria_matched(report, rules, REPORT_FIELDS))
    return found


def _summarise(
    walk: _Walk, today: date, own: Report | None, report: Report | None, override: Override | None, rules: Rules
) -> Status:
    """`own` is today's check-in of the person's own; `report` is today's record, a checkpoint's fever included."""
    checked_in_today = own is not None
    next_checkin_on = today + timedelta(days=1) if checked_in_today else today
    if override is not None:
        colour_rule = rules.colours[override.colour]
        return Status(
            colour=override.colour,
            reasons=(),
            other_reasons=(),
            period_days=0,
            since=override.starts_on,
            day_number=None,
            changes_on=override.ends_on,
            green_on=None,
            checked_in_today=checked_in_today,
            next_checkin_on=next_checkin_on,
            next_step=colour_rule.next_step,
            clears_by_checkins=False,
            rules_version=rules.version,
            override_reason=override.reason,
            override_category=str(override.category),
        )
    # Today's count runs when today's check-in (if any) was normal; it ends, at the earliest, tonight.
    running = report is None or walk.run > 0
    colour = Colour.worst(entry.criterion.colour for entry in walk.active.values())
    order = {criterion.reason: index for index, criterion in enumerate(rules.criteria)}
    active = sorted(walk.active.values(), key=lambda entry: order[entry.criterion.reason])
    decisive = [entry for entry in active if entry.criterion.colour == colour]
    period = rules.colours[colour].period_days
    clears = all(entry.criterion.clears_by_checkins for entry in decisive)

    def clears_on(entry: _Active) -> date | None:
        if not entry.criterion.clears_by_checkins:
            return None
        needed = rules.colours[entry.criterion.colour].period_days
        if today < entry.since:
            return entry.since + timedelta(days=needed)
        # Days already counted: through yesterday, or through today when today's check-in was normal.
        done = walk.counted(entry, today if checked_in_today else today - timedelta(days=1))
        if not running:
            return today + timedelta(days=needed + 1)
        start = today + timedelta(days=1) if checked_in_today else today
        return start + timedelta(days=needed - done)

    decisive_ends = [clears_on(entry) for entry in decisive]
    all_ends = [clears_on(entry) for entry in active]
    changes_on = _last_unless_open(decisive_ends)
    green_on = _last_unless_open(all_ends)
    since = max((entry.since for entry in decisive), default=None)
    day_number = None
    if decisive and clears and changes_on is not None and since is not None and since <= today and running:
        day_number = period - (changes_on - today).days + 1
    return Status(
        colour=colour,
        reasons=tuple(entry.criterion.reason for entry in decisive),
        other_reasons=tuple(entry.criterion.reason for entry in active if entry.criterion.colour < colour),
        period_days=period,
        since=since,
        day_number=day_number,
        changes_on=changes_on,
        green_on=green_on,
        checked_in_today=checked_in_today,
        next_checkin_on=next_checkin_on,
        next_step=rules.colours[colour].next_step,
        clears_by_checkins=clears,
        rules_version=rules.version,
        missed_from=walk.missed[0] if walk.missed is not None and day_number is not None else None,
        missed_to=walk.missed[1] if walk.missed is not None and day_number is not None else None,
    )
