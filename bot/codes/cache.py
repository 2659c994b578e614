"""The current code of recent holders, kept in this process so an unchanged /code needs no statement.

What `CodeRepository.current` reads for a holder (their latest assessment, their code, whether they manage
family members) changes only through a write to `assessments`, `codes` or `users`. Rather than trusting
every writer of colour (the daily job, a check-in, a declaration, an override, a checkpoint fever, an
appeal, a family change, a deletion, the retention purge) to remember a call, the cache watches the engine
itself: every statement on it passes `_before_execute`, which finds the holders a write touches (the
`user_id` of its rows or of its WHERE) and drops their entries, or drops every entry when it cannot tell.

Dropping at the statement is not enough: until its transaction commits, a reader still sees the old rows
and could store them. So each writing connection also holds its holders "in flight" until the pool takes
it back (after its commit or rollback), and a read is stored only if none of its holder's writes was in
flight or made while it ran. Language, day, expiry and the signing key are checked on every hit by
`needs_renewal`, as on a read.

Only correct while this is the only process writing: several bot processes share Redis, and there the
bot runs without this cache (as without the accounts cache).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement, Delete, Insert, Update, operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, TextClause
from sqlalchemy.sql.selectable import Select

from bot.db.models import Assessment, Code

# The tables `CodeRepository.current` reads; `declarations` because deleting one changes an assessment
# (its declaration_id is set to NULL).
_ROWS_OF_HOLDER = frozenset({"assessments", "codes"})
_WATCHED = frozenset({"assessments", "codes", "users", "declarations"})
_IN_FLIGHT = "code_cache_writes"
EVERYONE = -1  # a write whose holders could not be told
_IMAGE_COLUMNS = frozenset({"file_id", "image_key"})


@dataclass(frozen=True, slots=True)
class Cached:
    assessment: Assessment
    code: Code
    has_family: bool


class CodeCache:
    # About 5.6 kB an entry (its two ORM rows; measured with tracemalloc): 10,000 holders are some 56 MB.
    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: OrderedDict[int, Cached] = OrderedDict()
        # Every drop gets the next stamp; a read stores only if no drop of its holder came after its ticket.
        self._stamp = 0
        self._dropped_at: OrderedDict[int, int] = OrderedDict()
        self._forgotten_up_to = 0  # the newest stamp pushed out of `_dropped_at`
        self._everyone_dropped_at = 0
        self._in_flight: Counter[int] = Counter()

    def watch(self, engine: AsyncEngine) -> CodeCache:
        """Every statement on `engine` is seen; writers need not know about the cache."""
        event.listen(engine.sync_engine, "before_execute", self._before_execute)
        # SQL handed to the driver as it is (`exec_driver_sql`) skips before_execute.
        event.listen(engine.sync_engine, "before_cursor_execute", self._before_cursor_execute)
        event.listen(engine.sync_engine, "checkin", self._checkin)
        return self

    def get(self, user_id: int) -> Cached | None:
        entry = self._entries.get(user_id)
        if entry is not None:
            self._entries.move_to_end(user_id)
        return entry

    def ticket(self) -> int:
        """Taken before the read that `store` may keep."""
        return self._stamp

    def store(self, user_id: int, ticket: int, assessment: Assessment, code: Code, has_family: bool) -> None:
        if self._in_flight[user_id] or self._in_flight[EVERYONE]:
            return
        dropped = max(self._dropped_at.get(user_id, self._forgotten_up_to), self._everyone_dropped_at)
        if dropped > ticket:
            return
        self._entries[user_id] = Cached(assessment, code, has_family)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drawn(self, user_id: int, token: str, file_id: str, image_key: str) -> None:
        """The image of the kept code was just sent and its Telegram id stored (`remember_file_id`)."""
        entry = self._entries.get(user_id)
        if entry is None or entry.code.token != token:
            return
        values = {column.key: getattr(entry.code, column.key) for column in Code.__table__.columns}
        code = Code(**{**values, "file_id": file_id, "image_key": image_key})
        self._entries[user_id] = Cached(entry.assessment, code, entry.has_family)

    def drop(self, holders: Iterable[int]) -> None:
        for user_id in holders:
            self._stamp += 1
            if user_id == EVERYONE:
                self._entries.clear()
                self._everyone_dropped_at = self._stamp
                continue
            self._entries.pop(user_id, None)
            self._dropped_at[user_id] = self._stamp
            self._dropped_at.move_to_end(user_id)
            # Only drops newer than every read still running matter; a read outlives a few thousand at most.
            while len(self._dropped_at) > 4 * self._size:
                _, self._forgotten_up_to = self._dropped_at.popitem(last=False)

    def _before_execute(
        self, conn: Connection, clauseelement: Any, multiparams: Any, params: Any, execution_options: Any
    ) -> None:
        holders = written_holders(clauseelement, _parameter_rows(multiparams, params))
        if not holders:
            return
        writing: set[int] = conn.info.setdefault(_IN_FLIGHT, set())
        for user_id in holders - writing:
            self._in_flight[user_id] += 1
        writing |= holders
        self.drop(holders)

    def _before_cursor_execute(
        self, conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if context is not None and getattr(context, "compiled", None) is not None:
            return  # a construct or text(): before_execute has seen it
        self._before_execute(conn, statement, (), {}, None)

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        writing: set[int] | None = record.info.pop(_IN_FLIGHT, None) if record is not None else None
        if not writing:
            return
        # Committed or rolled back by now: drop again what a read may have stored meanwhile, then let reads store.
        self.drop(writing)
        for user_id in writing:
            self._in_flight[user_id] -= 1
            if self._in_flight[user_id] <= 0:
                del self._in_flight[user_id]


def written_holders(statement: Any, rows: Sequence[Mapping[str, Any]]) -> set[int]:
    """The holders whose current code a statement may change: empty for a read or a write elsewhere,
    {EVERYONE} when a write to the watched tables names nobody this can find."""
    if isinstance(statement, Select):
        return set()
    if isinstance(statement, str | TextClause):
        text = str(statement).lstrip().lower()
        return set() if text.startswith(("select", "pragma", "show")) else {EVERYONE}
    if not isinstance(statement, Insert | Update | Delete):
        return set() if isinstance(statement, ClauseElement) and getattr(statement, "is_select", False) else {EVERYONE}
    table = getattr(statement.table, "name", None)
    if table not in _WATCHED:
        return set()
    if table == "declarations":
        return set() if isinstance(statement, Insert | Update) else _holders_of(statement, rows, "user_id")
    if table == "codes" and isinstance(statement, Update) and _set_columns(statement, rows) <= _IMAGE_COLUMNS:
        # Telegram's id of a drawn image is sent only while its image_key matches what the code would draw now
        # (presenter.cached_file_id), so it cannot show another colour; `CodeCache.drawn` updates the entry.
        return set()
    if table == "users":
        if isinstance(statement, Delete):
            return {EVERYONE}  # a holder, or a family member whose holder is not in the statement
        if isinstance(statement, Update):
            return {EVERYONE} if "managed_by" in _set_columns(statement, rows) else set()
        # A new account holds nothing yet; a new family member changes their holder's "has family".
        managed_by = _values(statement, rows, "managed_by")
        if managed_by is None:
            return {EVERYONE}
        return {int(holder) for holder in managed_by if holder is not None}
    if table in _ROWS_OF_HOLDER:
        return _holders_of(statement, rows, "user_id")
    return {EVERYONE}


def _holders_of(statement: Insert | Update | Delete, rows: Sequence[Mapping[str, Any]], column: str) -> set[int]:
    found = (
        _values(statement, rows, column)
        if isinstance(statement, Insert)
        else _where_values(statement.whereclause, rows, column)
    )
    if not found or None in found:
        return {EVERYONE}
    return {int(value) for value in found}


def _parameter_rows(multiparams: Any, params: Any) -> list[Mapping[str, Any]]:
    rows: list[Mapping[str, Any]] = []
    for item in multiparams or ():
        if isinstance(item, Mapping):
            rows.append(item)
        elif isinstance(item, list | tuple):
            rows.extend(row for row in item if isinstance(row, Mapping))
    if isinstance(params, Mapping) and params:
        rows.append(params)
    return rows


def _values(statement: Insert, rows: Sequence[Mapping[str, Any]], column: str) -> set[Any] | None:
    """The values an INSERT gives `column` (None among them where it gives none), or None when they cannot
    be read (INSERT … SELECT, a computed parameter)."""
    if statement.select is not None:
        return None
    groups: list[Mapping[Any, Any]] = []
    own = getattr(statement, "_values", None)
    if own:
        groups.append(own)
    for group in getattr(statement, "_multi_values", None) or ():
        for values in group:
            if not isinstance(values, Mapping):
                return None
            groups.append(values)
    if not groups:
        return {row.get(column) for row in rows} if rows else None
    found: set[Any] = set()
    for values in groups:
        given = [value for key, value in values.items() if getattr(key, "key", key) == column]
        if not given:
            found.add(None)
            continue
        bound = _bound_values(given[0], rows)
        if bound is None:
            return None
        found |= bound
    return found


def _bound_values(value: Any, rows: Sequence[Mapping[str, Any]]) -> set[Any] | None:
    if isinstance(value, BindParameter):
        if rows and all(value.key in row for row in rows):
            return {row[value.key] for row in rows}
        if value.callable is not None:
            return None
        return {value.value}
    return {value} if value is None or isinstance(value, int) else None


def _where_values(where: Any, rows: Sequence[Mapping[str, Any]], column: str) -> set[Any] | None:
    """Values of `column` that a WHERE pins down (`column = x` or `column IN (…)`, under AND), or None."""
    if isinstance(where, BinaryExpression):
        left, right = where.left, where.right
        if getattr(left, "key", None) != column or getattr(left, "table", None) is None:
            return None
        if not isinstance(right, BindParameter):
            return None
        if where.operator is operators.eq:
            return _bound_values(right, rows)
        if where.operator is operators.in_op:
            lists = _bound_values(right, rows) if not right.expanding else {tuple(right.value or ())}
            if lists is None or len(lists) != 1:
                return None
            (values,) = lists
            return set(values) if isinstance(values, tuple | list) and values else None
        return None
    if isinstance(where, BooleanClauseList) and where.operator is operators.and_:
        for clause in where.clauses:
            found = _where_values(clause, rows, column)
            if found is not None:
                return found
    return None


def _set_columns(statement: Update, rows: Sequence[Mapping[str, Any]]) -> set[str]:
    own = getattr(statement, "_values", None) or {}
    columns = {str(getattr(key, "key", key)) for key in own}
    ordered = getattr(statement, "_ordered_values", None) or ()
    columns |= {str(getattr(key, "key", key)) for key, _ in ordered}
    if not own and not ordered:
        # An ORM flush or an executemany: the SET columns are among the parameters (all taken, to be safe).
        columns |= {key for row in rows for key in row}
        if not rows:
            columns.add("managed_by")
    return columns
