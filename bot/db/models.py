"""Tables. Telegram ids are 64-bit; every timestamp is stored and returned as aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only aliases the rowid (and so auto-increments) for a column typed exactly INTEGER.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

# Written as SQL text, not a bound parameter, so the planner can match a query to the partial index
# below (a parameter's value is unknown to a generic plan, and PostgreSQL then ignores the index).
NOT_GREEN = "colour <> 'green'"
# Where a walk over users in id order starts: below every id, a family member's (negative) included.
BEFORE_ANY_ID = -(2**63)
# A person who chose their own daily check-in reminder (/remindme 8:30): reminded whatever their colour.
REMIND_ON = "remind_choice = 'on'"


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index on the rows matching `where` only, on both backends."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets the offset of a datetime; store UTC and hand back aware values on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        int: BigInteger,
        datetime: UTCDateTime,
        date: Date,
        time: Time(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Organization(Base):
    """A university, company or office whose HR staff remind their people to check in."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    # The random part of its invite link (https://t.me/<bot>?start=join-<code>).
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    # The local time of the daily reminder to those not checked in yet; None: no daily reminder.
    reminder_at: Mapped[time | None] = mapped_column(Time())
    # The last local day the daily reminder was started: claimed in the database, so it fires once a day
    # however many bot processes run.
    reminded_on: Mapped[date | None]
    created_by: Mapped[int]
    created_at: Mapped[datetime]
    # The last member number given (users.member_number): each joining member takes the next one.
    last_member_number: Mapped[int] = mapped_column(Integer, server_default="0")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # The daily job looks only for people not green (about one in ten): only days can change their colour.
        partial_index("ix_users_not_green", "id", where=NOT_GREEN),
        # HR's lists of an organization's members page through this in name order (a keyset), and its
        # counts scan only that organization's entries.
        Index("ix_users_organization_id_name_key_id", "organization_id", "name_key", "id"),
        # One account per @username at a time: a grant by @username can only mean one person.
        Index(
            "ix_users_username",
            "username",
            unique=True,
            postgresql_where=text("username IS NOT NULL"),
            sqlite_where=text("username IS NOT NULL"),
        ),
        # The reminder job walks the people who chose a time of their own (a few), in id order; those
        # reminded by default are the people not green, walked through ix_users_not_green.
        partial_index("ix_users_remind_on", "id", where=REMIND_ON),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The only identifier a code carries: random, so a token reveals nothing about the Telegram account.
    public_id: Mapped[int] = mapped_column(unique=True)
    language: Mapped[str] = mapped_column(String(8))
    privacy_accepted_at: Mapped[datetime]
    created_at: Mapped[datetime]
    # The last local day the daily job re-evaluated this user's colour: makes the job safe to run twice.
    status_evaluated_on: Mapped[date | None]
    # Telegram @username, lowercased, so an administrator can name someone who has used the bot; cleared
    # from any other account in the same transaction that stores it here.
    username: Mapped[str | None] = mapped_column(String(32))
    # At most one organization (an HR office is responsible for its members' check-ins).
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # Their number in that organization, given when they joined and never reused there: HR's CSV tells two
    # people of one name apart by it, without showing a Telegram id.
    member_number: Mapped[int | None] = mapped_column(Integer)
    # Set when Telegram answered 403 (they blocked the bot): reminders skip them from then on;
    # cleared when they write again.
    unreachable_since: Mapped[datetime | None]
    # The person's current state, kept on their own row in the same transaction as the history it sums up,
    # so a job or a page reads one row per person instead of the newest row of each history (at a city's
    # size that subquery is O(people × days) per batch or page; docs/scaling.md): the colour of the latest
    # assessment, the name of the latest declaration, and the last day they checked in themselves.
    colour: Mapped[str | None] = mapped_column(String(8))
    display_name: Mapped[str | None] = mapped_column(String(100))
    # The order of HR's lists: display_name stripped and case-folded ("amy" before "Zed" on every database
    # and collation), None when there is no name (listed last). Written with display_name.
    name_key: Mapped[str | None] = mapped_column(String(100))
    last_checkin_on: Mapped[date | None]
    # When /mydata last built this person's export: in the database, so the limit holds across processes.
    data_requested_at: Mapped[datetime | None]
    # Their own daily check-in reminder (/remindme): None, not chosen (reminded at the default time while
    # not green); "on", at remind_at whatever the colour; "off", never (nor the evening warning).
    remind_choice: Mapped[str | None] = mapped_column(String(8))
    remind_at: Mapped[time | None] = mapped_column(Time())
    # The last local day a reminder and an evening warning were queued for them: claimed in the same
    # transaction that stores the notice, so each is queued once a day however many processes look.
    reminded_on: Mapped[date | None]
    warned_on: Mapped[date | None]
    # A family member without a Telegram account of their own (a child, a grandparent; issue 16): the
    # account that manages them, whose chat gets everything meant for them. None: a Telegram account, whose
    # id is its chat. A member's id is negative, so it can never be a Telegram user's (always positive).
    # Deleting the account deletes its members (and, through them, all their rows).
    managed_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What the member is to that account: "child", "parent", "spouse" or "other" (bot.family.service).
    relation: Mapped[str | None] = mapped_column(String(16))


class Declaration(Base):
    __tablename__ = "declarations"
    # declared_at: the retention purge deletes by it.
    __table_args__ = (
        Index("ix_declarations_user_id_id", "user_id", "id"),
        Index("ix_declarations_declared_at", "declared_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]]
    declared_at: Mapped[datetime]


class CheckIn(Base):
    """A day's report of temperature and symptoms; a declaration is also its day's check-in.

    One per user and local day: a second report that day replaces the first.
    """

    __tablename__ = "checkins"
    # The purge deletes by reported_at, and each declaration it deletes sets declaration_id to NULL here:
    # without an index each one scans every check-in. Most check-ins have none, so only those are indexed.
    __table_args__ = (
        UniqueConstraint("user_id", "day"),
        Index("ix_checkins_reported_at", "reported_at"),
        partial_index("ix_checkins_declaration_id", "declaration_id", where="declaration_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    temperature_c: Mapped[float] = mapped_column(Float)
    symptoms: Mapped[list[str]]
    # Set when the report came with a new declaration (something changed, or the first registration).
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime]


class _DayCounts:
    """A day's check-ins by the colour people had when it was counted (no_code: none yet)."""

    green: Mapped[int] = mapped_column(Integer)
    yellow: Mapped[int] = mapped_column(Integer)
    red: Mapped[int] = mapped_column(Integer)
    no_code: Mapped[int] = mapped_column(Integer)


class OrganizationDay(_DayCounts, Base):
    """An organization's check-ins on a past day, by the colour each member had when they were counted.

    Written once a day is over, by the daily job just after midnight (after the night's re-evaluation) or,
    for a day it missed, by the first /report chart that needs it, and never changed: /report's 14-day
    chart reads 13 of these rows instead of a row per member per day. Counts only, nobody's own data.
    """

    __tablename__ = "organization_days"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day: Mapped[date] = mapped_column(primary_key=True)


class CityDay(_DayCounts, Base):
    """Everyone's check-ins on a past day by colour, as OrganizationDay is an organization's: for /stats' chart."""

    __tablename__ = "city_days"

    day: Mapped[date] = mapped_column(primary_key=True)


class Assessment(Base):
    """A change of a user's status (colour, reasons, the day the count started), newest last.

    A row is written only when the status changes, by a declaration, a check-in, or the passing of days.
    """

    __tablename__ = "assessments"
    # As for check-ins: the purge deletes by assessed_at and through declaration_id (NULL for daily changes).
    __table_args__ = (
        Index("ix_assessments_user_id_id", "user_id", "id"),
        Index("ix_assessments_assessed_at", "assessed_at"),
        partial_index("ix_assessments_declaration_id", "declaration_id", where="declaration_id IS NOT NULL"),
        # The telling side looks for changes nobody was told of, oldest first, every run: a handful of rows.
        partial_index("ix_assessments_untold", "id", where="notified_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Kept when retention deletes the declaration: the latest status must outlive its old basis.
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id", ondelete="SET NULL"))
    # What changed it: "declaration", "checkin" or "daily" (the days passed).
    cause: Mapped[str] = mapped_column(String(16))
    colour: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]]
    other_reasons: Mapped[list[str]]
    period_days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    next_step: Mapped[str] = mapped_column(String(64))
    clears_by_checkins: Mapped[bool]
    rules_version: Mapped[str] = mapped_column(String(64))
    assessed_at: Mapped[datetime]
    # When the user was told of the change; None: still to be told (set before sending, so at most once).
    notified_at: Mapped[datetime | None]


class Code(Base):
    """The code a user shows now: one row per user, replaced when it is renewed."""

    __tablename__ = "codes"
    # Each colour change the purge deletes takes its code with it (ON DELETE CASCADE) through this column.
    __table_args__ = (Index("ix_codes_assessment_id", "assessment_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    colour: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Telegram's id of the uploaded image: re-sending it costs no drawing and no upload.
    file_id: Mapped[str | None] = mapped_column(String(255))
    # What the image with that file_id was drawn from (bot.codes.presenter.image_key): a file_id is
    # re-sent only while the drawing would come out the same, so a new layout or label is drawn anew.
    image_key: Mapped[str | None] = mapped_column(String(64))
    # The way to green as it stood when the code was issued (bot.domain.status.Status.to_dict()); a
    # check-in or a new day renews the code, so it is never stale when shown.
    status: Mapped[dict[str, Any]]


class FsmState(Base):
    """Conversation state, so a user halfway through the questions keeps their place across restarts."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class Role(Base):
    """A role granted by an administrator; `admin` itself comes from ADMIN_IDS, never from this table.

    `user_id` is a Telegram id and needs no account: staff may be named before they first write.
    `organization_id` scopes an `hr` role (organizations come with the HR feature).
    """

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "organization_id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(String(16))
    # Indexed: deleting an organization deletes its roles through it.
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    granted_by: Mapped[int]
    granted_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what to whom, for grants, revokes, overrides and refused attempts. Ids only, no answers."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    at: Mapped[datetime]
    # Indexed for erasure, which drops the erased person's id from the entries by or about them.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict[str, Any]]


class HandledUpdate(Base):
    """A Telegram update this bot has handled, so a copy re-delivered after a restart is recognised.

    Kept for a day (Telegram keeps an unanswered update about that long); only used without Redis, which
    keeps these marks itself when several processes share a webhook.
    """

    __tablename__ = "handled_updates"
    __table_args__ = (Index("ix_handled_updates_handled_at", "handled_at"),)

    # The bot's own id too: update ids are counted per bot, and a new token starts its own count.
    bot_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime]


class Verification(Base):
    """A code checked at a checkpoint: by which staff member, when, the verdict; kept for accountability.

    The holder's link is cut (SET NULL) when they delete their data, so the record keeps nothing of them.
    """

    __tablename__ = "verifications"
    __table_args__ = (
        Index("ix_verifications_holder_id_at", "holder_id", "at"),
        # A staff member's checks today (the scanner's counter): today's rows only, not their whole history.
        Index("ix_verifications_staff_id_at", "staff_id", "at"),
        # The retention purge deletes by age.
        Index("ix_verifications_at", "at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    at: Mapped[datetime]
    staff_id: Mapped[int]
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The token's own times, to tell which image was shown; no token text is kept.
    token_issued_at: Mapped[datetime | None]
    valid: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(32))
    colour: Mapped[str | None] = mapped_column(String(8))
    # A temperature taken at the checkpoint, if staff recorded one.
    temperature_c: Mapped[float | None] = mapped_column(Float)
    # When it was recorded or last corrected: the staff member may change it for a few minutes after.
    temperature_at: Mapped[datetime | None]


class Override(Base):
    """An administrator's colour for a person (a health authority's decision), with the reason on record."""

    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    colour: Mapped[str] = mapped_column(String(8))
    # What was decided (bot.domain.status.OverrideCategory), told to the person in their language.
    category: Mapped[str] = mapped_column(String(24), server_default="other")
    # The administrator's own note, shown as the authority's words ("" when none).
    reason: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    # The first day without it; None: until another override.
    ends_on: Mapped[date | None]
    set_by: Mapped[int]
    set_at: Mapped[datetime]


class Broadcast(Base):
    """A reminder job: its text, its audience, and where its progress is shown; recipients are rows of their own."""

    __tablename__ = "broadcasts"
    # Every bot process looks for jobs still sending about once a second; done ones pile up until the
    # retention purge deletes them by the time they finished.
    __table_args__ = (Index("ix_broadcasts_status", "status"), Index("ix_broadcasts_finished_at", "finished_at"))

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    # Indexed: deleting an organization deletes its reminders (a daily one each day) through it.
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    # Who asked for it; None for a scheduled daily reminder.
    created_by: Mapped[int | None]
    created_at: Mapped[datetime]
    audience: Mapped[str] = mapped_column(String(16))
    # HR's own text, or None for the default text in each recipient's language.
    text: Mapped[str | None] = mapped_column(Text())
    # "sending" until every recipient is done, then "done".
    status: Mapped[str] = mapped_column(String(16))
    # The bot process working on it and until when its claim holds (a crashed process's claim runs out).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    # The message that shows its progress to whoever started it.
    progress_chat_id: Mapped[int | None]
    progress_message_id: Mapped[int | None]
    finished_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """One person of a reminder job.

    No foreign keys (migration 0012): checking two of them for each of a reminder's 60,000 rows took
    two thirds of the time to store it. What they guaranteed is done explicitly instead: erasing a person
    deletes their rows (PersonalDataRepository.delete_user), the retention purge deletes a job's rows
    before the job, and the sender drops a row whose person was erased while the job was being stored.
    The bot never deletes an organization; whoever does so by hand deletes its jobs' rows first.
    """

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        # Also how a job's rows are found when it is purged.
        Index("ix_broadcast_recipients_broadcast_id_state", "broadcast_id", "state"),
        # Deleting a person (/delete) deletes their rows here: one row per reminder they were sent, in a
        # table that grows with reminders x members.
        Index("ix_broadcast_recipients_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(AutoId)
    user_id: Mapped[int] = mapped_column(BigInteger)
    # "pending", "sending" (written before the request: after a crash it is sent again, so at most one
    # message per crash is doubled and nobody is skipped), "sent", "blocked" or "failed".
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class Notice(Base):
    """A message to one person that answers nothing they sent (their colour changed, a role, an override).

    The outbox: written with the change that causes it, sent by the broadcast engine's sender within
    Telegram's limits, and deleted once Telegram took it (or refused it for good). `user_id` is a chat id
    with no foreign key: staff may be named, and told, before they have an account.
    """

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    # What it tells ("colour", "role", "override"...): for the logs, which never carry the text.
    kind: Mapped[str] = mapped_column(String(16))
    # Rendered in the recipient's language when it was stored (HTML).
    text: Mapped[str] = mapped_column(Text())
    # Its inline keyboard (aiogram's InlineKeyboardMarkup as JSON), rendered with the text; None: none.
    buttons: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    # The process sending it and until when: a crashed process's notice is sent again once this passes.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    # A family member's notice, sent to the chat of the account managing them (`user_id`): the member it is
    # about, so taking it back finds it, and finds only it (not the parent's own, nor a sibling's).
    about_id: Mapped[int | None]


# Written as SQL text for the same reason as NOT_GREEN: the partial indexes below must match the queries.
APPEAL_OPEN = "state = 'open'"


class Appeal(Base):
    """A person contesting one reason for their colour, and the decision on it.

    Attachments are Telegram `file_id`s only: nothing is downloaded. Deleting the person deletes their
    appeals (ON DELETE CASCADE); the audit log keeps what was decided, without them.
    """

    __tablename__ = "appeals"
    __table_args__ = (
        # One open appeal per person, held by the database so two quick submissions cannot both land.
        Index(
            "ix_appeals_open_user_id",
            "user_id",
            unique=True,
            postgresql_where=text(APPEAL_OPEN),
            sqlite_where=text(APPEAL_OPEN),
        ),
        # The reviewers' queue (oldest first) and the deadline job read only the open ones: a handful of
        # rows however many appeals were ever decided.
        partial_index("ix_appeals_open_due_at", "due_at", "id", where=APPEAL_OPEN),
        Index("ix_appeals_user_id_id", "user_id", "id"),
        # The retention purge deletes decided appeals by age.
        Index("ix_appeals_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The reason contested, a code of the rules file (or "override" for an administrator's colour).
    reason: Mapped[str] = mapped_column(String(64))
    # The colour when the appeal was made.
    colour: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text())
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    # "open", "upheld", "granted" or "withdrawn".
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # Never shown to the person.
    decided_by: Mapped[int | None]
    # Why an appeal was upheld: a category (translated when shown) and the reviewer's own words.
    category: Mapped[str | None] = mapped_column(String(32))
    decision_text: Mapped[str | None] = mapped_column(Text())
    # A granted appeal's override ends on this day (the first day without it).
    grant_ends_on: Mapped[date | None]
    # When reviewers were reminded of it near its due time, and admins told it was overdue: claimed in
    # the database so each happens once, however many bot processes run the job.
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
