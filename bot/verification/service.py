"""Use cases of checkpoint verification: check a code, log it, and record a temperature taken at the gate.

Each use case commits once: the check, its log row, any status change and audit entry land together.
The colour on a card is always read from the database (re-derived first, so a day that changed it
counts): a screenshot of yesterday's green code does not pass for someone who is red today.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import notices
from bot.clock import Clock
from bot.db.engine import one_statement_at_a_time
from bot.db.models import Verification
from bot.db.repositories.audit import AuditRepository
from bot.db.repositories.users import UserRepository
from bot.db.repositories.verifications import Checkpoint, HolderRow, VerificationRepository
from bot.domain.temperature import FEVER_C
from bot.domain.tokens import SigningKey
from bot.roles.service import DENIED, RoleName, is_admin, may_verify
from bot.status.service import local_day, reassess
from bot.verification.reader import SIGNATURE_FAILURES, check
from bot.verification.throttle import LIMIT, WINDOW, Throttle

THROTTLED = "verify_throttled"
# What staff store with the two buttons: the fever threshold itself (FEVER_C), and an ordinary normal
# reading. Nothing more is asked at a busy gate.
NORMAL_C = 36.6
# A temperature belongs to the moment of the check: a card's buttons are refused after this.
TEMPERATURE_WINDOW = timedelta(minutes=15)
# A press on the wrong button is noticed at once or not at all: after this the reading stands, so a
# holder's colour is not changed back and forth long after they walked through.
CORRECTION_WINDOW = timedelta(minutes=5)


class Verdict(StrEnum):
    """The `reason` of a verification row."""

    VALID = "ok"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    HOLDER_DELETED = "holder_deleted"
    COLOUR_CHANGED = "colour_changed"


@dataclass(frozen=True, slots=True)
class Holder:
    """What a card shows of a person: nothing of symptoms, travel, contacts or address."""

    user_id: int
    name: str
    id_last4: str
    colour: str
    last_checkin: date | None
    # A family member's code, held on someone else's phone (whose is never shown).
    on_another_phone: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    verification_id: int
    verdict: Verdict
    holder: Holder | None
    valid_until: datetime | None
    # The colour the image showed, when it differs from the current one.
    shown_colour: str | None = None

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID


@dataclass(frozen=True, slots=True)
class Throttled:
    seconds: int


@dataclass(frozen=True, slots=True)
class NotStaff:
    """The sender may not verify: they are told only that this is a health code, and how to show their own
    (/code when they have one: someone who scanned a friend's code likely meant to open theirs)."""

    has_code: bool = False


NOT_STAFF = NotStaff()


async def can_verify(session: AsyncSession, user_id: int, admin_ids: Collection[int]) -> bool:
    """Ends its read, so no connection is held while the caller downloads a photo or answers."""
    allowed = await may_verify(session, user_id, admin_ids)
    await session.commit()
    return allowed


async def verify(
    session: AsyncSession,
    user_id: int,
    admin_ids: Collection[int],
    token: str,
    now: datetime,
    zone: tzinfo,
    keys: Sequence[SigningKey],
    throttle: Throttle,
) -> Card | Throttled | NotStaff:
    """Check a code for a staff member and log the check; anyone else learns nothing (NOT_STAFF)."""
    result, _found = await _verify(session, user_id, admin_ids, token, now, zone, keys, throttle, None)
    return result


@dataclass(frozen=True, slots=True)
class StaffDay:
    language: str | None  # the staff member's chosen language; None without an account
    checked_today: int  # the codes they checked since local midnight, this one included


async def verify_counting(
    session: AsyncSession,
    user_id: int,
    admin_ids: Collection[int],
    token: str,
    now: datetime,
    zone: tzinfo,
    keys: Sequence[SigningKey],
    throttle: Throttle,
) -> tuple[Card | Throttled | NotStaff, StaffDay]:
    """`verify`, and the staff member's day (the scanner's answer shows their count, in their language), read
    with the check's own statement rather than one more."""
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    result, found = await _verify(session, user_id, admin_ids, token, now, zone, keys, throttle, midnight)
    # Counted before this check's row was written.
    written = 1 if isinstance(result, Card) else 0
    return result, StaffDay(found.sender_language, found.checked_since + written)


async def _verify(
    session: AsyncSession,
    user_id: int,
    admin_ids: Collection[int],
    token: str,
    now: datetime,
    zone: tzinfo,
    keys: Sequence[SigningKey],
    throttle: Throttle,
    since: datetime | None,
) -> tuple[Card | Throttled | NotStaff, Checkpoint]:
    """Two statements when the holder's colour stands (the usual scan): one read (the role, the holder, their
    code) and the log row's INSERT, each on its own on PostgreSQL (atomic alone, so BEGIN and COMMIT would
    be two more round trips). A colour to re-derive writes more: that commits the read first and goes on in
    one transaction, as before. A throttled check's audit row is a single write of its own.
    """
    moment = now.timestamp()
    # Pure CPU, before the database: the read below needs the holder's id the token carries.
    checked = check(token, keys, int(moment))
    claims = checked.claims
    alone = await one_statement_at_a_time(session)
    repository = VerificationRepository(session)
    found = await repository.checkpoint(user_id, RoleName.STAFF, claims.holder if claims is not None else None, since)
    if not (is_admin(user_id, admin_ids) or found.staff):
        # Only about the sender themselves: the answer is the same whatever code they sent.
        await session.commit()
        return (NotStaff(has_code=True) if found.sender_has_status else NOT_STAFF), found
    wait = await throttle.wait(user_id, moment)
    if wait:
        if await throttle.should_log(user_id, moment):
            await AuditRepository(session).add(
                now, user_id, THROTTLED, details={"failures": LIMIT, "window_seconds": int(WINDOW)}
            )
        await session.commit()
        return Throttled(wait), found
    verdict = Verdict(checked.failure.value) if checked.failure is not None else Verdict.VALID
    holder: Holder | None = None
    shown: str | None = None
    if claims is not None:
        held = found.holder
        if held is None or held.colour is None:
            verdict = Verdict.HOLDER_DELETED
        else:
            colour = _standing_colour(held, now, zone)
            if colour is None:
                if alone:
                    # Re-deriving writes a status and more: from here on, one transaction.
                    await session.commit()
                colour = (await reassess(session, held.user_id, now, zone, cause="daily", notified=False)).row.colour
            holder = _holder(held, colour)
            if held.code_token == token:
                then = held.code_colour
            else:
                # The token's time is whole seconds; the status written with it carries the fraction.
                issued = datetime.fromtimestamp(claims.issued_at, UTC) + timedelta(microseconds=999_999)
                then = await repository.colour_at(held.user_id, issued)
            if then is not None and then != holder.colour:
                shown = then
                if verdict is Verdict.VALID:
                    verdict = Verdict.COLOUR_CHANGED
    verification_id = await repository.add(
        at=now,
        staff_id=user_id,
        holder_id=holder.user_id if holder is not None else None,
        token_issued_at=datetime.fromtimestamp(claims.issued_at, UTC) if claims is not None else None,
        valid=verdict is Verdict.VALID,
        reason=verdict.value,
        colour=holder.colour if holder is not None else None,
    )
    await session.commit()
    if checked.failure in SIGNATURE_FAILURES:
        await throttle.failed(user_id, moment)
    valid_until = datetime.fromtimestamp(claims.expires_at, UTC) if claims is not None else None
    return Card(verification_id, verdict, holder, valid_until, shown), found


def outcome_label(result: Card | Throttled | NotStaff) -> str:
    """A check's outcome for the metrics, whichever way it came (chat or scanner); a refused one counted too,
    so a wave of them shows."""
    if isinstance(result, NotStaff):
        return "not_staff"
    if isinstance(result, Throttled):
        return "throttled"
    return result.verdict.value


def _standing_colour(found: HolderRow, now: datetime, zone: tzinfo) -> str | None:
    """The colour now, when it can be read as it stands: the person's current code was made today from the
    latest status. Within a day only events change a status, and each re-derives it when it happens (a
    declaration, a check-in, a checkpoint temperature, an override), as "show my code" relies on too.
    None: re-derive it from the history first (not told at once: the person is not looking; the daily run
    tells them of a change).
    """
    if (
        found.colour is not None
        and found.code_issued_at is not None
        and found.code_assessment_id == found.assessment_id
        and local_day(found.code_issued_at, zone) == local_day(now, zone)
    ):
        return found.colour
    return None


def _holder(found: HolderRow, colour: str) -> Holder:
    id_number = found.id_number if isinstance(found.id_number, str) else ""
    return Holder(
        user_id=found.user_id,
        name=found.full_name if isinstance(found.full_name, str) else "",
        id_last4=id_number[-4:],
        colour=colour,
        last_checkin=found.last_checkin,
        on_another_phone=bool(found.is_member),
    )


class Recorded(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"  # no longer staff
    NOT_YOURS = "not_yours"  # another staff member's card
    UNAVAILABLE = "unavailable"  # not a valid card, or the holder is gone
    TOO_OLD = "too_old"
    CHANGED = "changed"  # the staff member corrected their own reading within CORRECTION_WINDOW
    TOO_LATE_TO_CHANGE = "too_late_to_change"

    @property
    def stored(self) -> bool:
        return self in (Recorded.RECORDED, Recorded.CHANGED)


@dataclass(frozen=True, slots=True)
class TemperatureResult:
    outcome: Recorded
    fever: bool = False
    holder_id: int | None = None
    holder_language: str | None = None
    # The holder's colour after the reading, and whether the reading changed it.
    colour: str | None = None
    colour_changed: bool = False
    reasons: tuple[str, ...] = ()
    # A reading at the gate is no check-in of the person's own: told to check in when they have not.
    checked_in_today: bool = True


async def record_temperature(
    session: AsyncSession,
    staff_id: int,
    admin_ids: Collection[int],
    verification_id: int,
    fever: bool,
    now: datetime,
    zone: tzinfo,
) -> TemperatureResult:
    """A temperature taken at the checkpoint, on the card of a valid code, by the staff member who checked it;
    or their correction of it (fever to normal, or back) within CORRECTION_WINDOW of recording it.

    The colour is re-derived from the history with the reading as it now stands, so a fever taken back
    takes back the yellow it brought (unless something else keeps it)."""
    if not await may_verify(session, staff_id, admin_ids):
        await AuditRepository(session).add(now, staff_id, DENIED, details={"attempted": "checkpoint_temperature"})
        await session.commit()
        return TemperatureResult(Recorded.NOT_ALLOWED)
    repository = VerificationRepository(session)
    row = await repository.get(verification_id)
    outcome: Recorded | None = None
    if row is None or not row.valid or row.holder_id is None:
        outcome = Recorded.UNAVAILABLE
    elif row.staff_id != staff_id:
        outcome = Recorded.NOT_YOURS
    elif row.temperature_c is not None:
        outcome = await _change(repository, row, fever, now)
    elif now - row.at > TEMPERATURE_WINDOW:
        outcome = Recorded.TOO_OLD
    elif not await repository.record_temperature(verification_id, FEVER_C if fever else NORMAL_C, now):
        outcome = Recorded.ALREADY  # a double tap that raced this one
    if outcome is not Recorded.CHANGED and outcome is not None:
        await session.commit()
        return TemperatureResult(outcome)
    assert row is not None and row.holder_id is not None
    holder_id = row.holder_id
    # A fever is told to the person at once (by the caller); anything else the days change is told daily.
    # A correction is told too (the holder was told of the fever it takes back, or is told of the new one).
    told = fever or outcome is Recorded.CHANGED
    reassessed = await reassess(session, holder_id, now, zone, cause="checkpoint", notified=told)
    user = await UserRepository(session).get(holder_id)
    await session.commit()
    return TemperatureResult(
        outcome or Recorded.RECORDED,
        fever=fever,
        holder_id=holder_id,
        holder_language=user.language if user is not None else None,
        colour=reassessed.row.colour,
        colour_changed=reassessed.colour_changed,
        reasons=tuple(reassessed.row.reasons),
        checked_in_today=reassessed.status.checked_in_today,
    )


async def _change(repository: VerificationRepository, row: Verification, fever: bool, now: datetime) -> Recorded:
    """The other button pressed after a reading: a correction while the window is open, nothing after."""
    was = row.temperature_c
    assert was is not None
    if (was >= FEVER_C) == fever:
        return Recorded.ALREADY  # the same reading again: a double tap
    recorded_at = row.temperature_at
    if recorded_at is None or now - recorded_at > CORRECTION_WINDOW:
        return Recorded.TOO_LATE_TO_CHANGE
    changed = await repository.change_temperature(
        row.id, was, FEVER_C if fever else NORMAL_C, now, now - CORRECTION_WINDOW
    )
    return Recorded.CHANGED if changed else Recorded.ALREADY


async def tell_holder(session: AsyncSession, result: TemperatureResult, text: str, now: datetime) -> None:
    """The holder hears of a fever or a correction through the outbox, after the reading was stored; a
    correction made before its mistake was sent withdraws the mistake and says nothing."""
    if result.holder_id is None:
        return
    kind = "fever" if result.fever else "fever_corrected"
    if result.outcome is Recorded.CHANGED:
        taken_back = "fever_corrected" if result.fever else "fever"
        await notices.take_back_or_tell(session, result.holder_id, taken_back, kind, text, now)
        return
    await notices.tell(session, result.holder_id, kind, text, now)


@dataclass(frozen=True, slots=True)
class VerificationService:
    """The checkpoint's use cases bound to one update's session and the bot's settings, so a handler asks for
    this one object instead of the session, the admins, the clock, the zone, the keys and the throttle."""

    session: AsyncSession
    admin_ids: Collection[int]
    clock: Clock
    zone: tzinfo
    keys: Sequence[SigningKey]
    throttle: Throttle

    async def can_verify(self, user_id: int) -> bool:
        return await can_verify(self.session, user_id, self.admin_ids)

    async def verify(self, user_id: int, token: str) -> Card | Throttled | NotStaff:
        return await verify(
            self.session, user_id, self.admin_ids, token, self.clock(), self.zone, self.keys, self.throttle
        )

    async def record_temperature(self, staff_id: int, verification_id: int, fever: bool) -> TemperatureResult:
        return await record_temperature(
            self.session, staff_id, self.admin_ids, verification_id, fever, self.clock(), self.zone
        )

    async def tell_holder(self, result: TemperatureResult, text: str) -> None:
        await tell_holder(self.session, result, text, self.clock())
