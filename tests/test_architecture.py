"""The layers of docs/architecture.md, checked: a module that imports upward fails here.

Imports are read with `ast` from the source (nothing is imported), including those inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The wiring: the one place that may import every feature's handlers (to include their routers).
WIRING = {"bot.app"}
# What only handlers (and the presenters and keyboards they use) may import: Telegram and its helpers.
FOR_HANDLERS = ("aiogram", "bot.menu", "bot.messages", "bot.filters", "bot.middlewares", "bot.errors")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path, project: Path) -> str:
    parts = path.relative_to(project).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """Every module a source imports, with `from a import b` giving both `a` and `a.b` (b may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            yield origin, node.lineno
            for alias in node.names:
                yield f"{origin}.{alias.name}", node.lineno


def all_imports(project: Path = ROOT) -> list[Import]:
    found = []
    for path in sorted((project / "bot").rglob("*.py")):
        module = module_name(path, project)
        for imported, line in imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            found.append(Import(module, imported, line))
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def feature_of(name: str) -> str | None:
    """`bot.codes.handlers` -> `bot.codes`; a top-level module such as `bot.app` is in no feature folder."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) >= 3 and parts[0] == "bot" else None


def role_module(name: str, roles: tuple[str, ...]) -> str | None:
    """`bot.codes.handlers.x` -> `bot.codes.handlers` when "handlers" is in `roles`; a feature split into seams
    has its modules one folder down (`bot.organizations.report.handlers`)."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "bot":
        return None
    for depth in (2, 3):
        if len(parts) > depth and parts[depth] in roles:
            return ".".join(parts[: depth + 1])
    return None


def handlers_module(name: str) -> str | None:
    return role_module(name, ("handlers",))


def domain_violations(imports: list[Import]) -> list[str]:
    """The domain is plain Python: no aiogram, no SQLAlchemy, no other part of the bot."""
    return [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in imports
        if within(i.importer, "bot.domain")
        and (
            within(i.imported, "aiogram")
            or within(i.imported, "sqlalchemy")
            or (within(i.imported, "bot") and not within(i.imported, "bot.domain"))
        )
    ]


def repository_violations(imports: list[Import]) -> list[str]:
    """Repositories sit below the features: no aiogram, no handlers, no feature's code at all."""
    return [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in imports
        if within(i.importer, "bot.db.repositories")
        and (
            within(i.imported, "aiogram")
            or handlers_module(i.imported) is not None
            or (within(i.imported, "bot") and not (within(i.imported, "bot.db") or within(i.imported, "bot.domain")))
        )
    ]


def is_service(name: str) -> bool:
    return role_module(name, ("service",)) == name


def is_ui(name: str) -> bool:
    """Text and buttons: a presenter, keyboards or handlers of any feature, or Telegram itself."""
    in_feature_ui = role_module(name, ("presenter", "keyboards", "handlers")) is not None
    return in_feature_ui or any(within(name, package) for package in FOR_HANDLERS)


def service_violations(imports: list[Import]) -> set[tuple[str, str]]:
    """(service, what it imports) for each use case reaching up to text, buttons or Telegram."""
    return {(i.importer, i.imported) for i in imports if is_service(i.importer) and is_ui(i.imported)}


def handlers_crossings(imports: list[Import]) -> set[tuple[str, str]]:
    """(importer, handlers module) for each module importing the handlers of a feature not its own."""
    crossings = set()
    for i in imports:
        target = handlers_module(i.imported)
        if target is None or i.importer in WIRING or feature_of(i.importer) == feature_of(target):
            continue
        crossings.add((i.importer, target))
    return crossings


def transaction_calls(project: Path = ROOT) -> list[str]:
    """`x.commit()` / `x.rollback()` in a handlers module or a repository: the use case (layer 2) owns the
    transaction, so a handler that only called a service cannot leave half of it stored or end it early."""
    found = []
    for path in sorted((project / "bot").rglob("*.py")):
        module = module_name(path, project)
        if handlers_module(module) is None and not within(module, "bot.db.repositories"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                found.append(f"{module}:{node.lineno} calls .{node.func.attr}()")
    return found


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def test_the_domain_imports_neither_aiogram_nor_sqlalchemy_nor_the_rest_of_the_bot(imports: list[Import]) -> None:
    assert domain_violations(imports) == []


def test_repositories_import_no_aiogram_handlers_or_features(imports: list[Import]) -> None:
    assert repository_violations(imports) == []


def test_no_module_but_the_wiring_imports_another_features_handlers(imports: list[Import]) -> None:
    crossings = sorted(handlers_crossings(imports))
    assert crossings == [], "import a service or a public module of the feature instead (docs/architecture.md)"


def test_no_service_imports_text_buttons_or_telegram(imports: list[Import]) -> None:
    violations = sorted(service_violations(imports))
    assert violations == [], (
        "return data from the service; words and buttons belong in presenters (docs/architecture.md)"
    )


def test_neither_handlers_nor_repositories_commit_or_roll_back() -> None:
    assert transaction_calls() == [], "commit once at the end of the use case in the service (docs/architecture.md)"


# The checks themselves must be able to fail: each is fed a made-up tree with one upward import.


def write(root: Path, module: str, source: str) -> None:
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in [path.parent, *path.parent.parents]:
        if folder == root:
            break
        (folder / "__init__.py").touch()
    path.write_text(source, encoding="utf-8")


def made_up(tmp_path: Path, module: str, source: str) -> list[Import]:
    write(tmp_path, module, source)
    return all_imports(tmp_path)


@pytest.mark.parametrize(
    "source",
    [
        "from aiogram.types import Message\n",
        "import sqlalchemy\n",
        "from bot.db.repositories import users\n",
        "def later() -> None:\n    from bot.codes import service\n",
        "from .. import clock\n",
    ],
)
def test_an_upward_import_in_the_domain_is_caught(tmp_path: Path, source: str) -> None:
    assert domain_violations(made_up(tmp_path, "bot.domain.status", source)) != []


def test_the_domain_importing_itself_passes(tmp_path: Path) -> None:
    assert domain_violations(made_up(tmp_path, "bot.domain.status", "from bot.domain import dates\n")) == []


@pytest.mark.parametrize(
    "source",
    ["from aiogram import Bot\n", "from bot.codes.handlers import send_code\n", "from bot.codes import service\n"],
)
def test_an_upward_import_in_a_repository_is_caught(tmp_path: Path, source: str) -> None:
    assert repository_violations(made_up(tmp_path, "bot.db.repositories.users", source)) != []


@pytest.mark.parametrize(
    ("module", "source", "crossing"),
    [
        ("bot.history.handlers", "from bot.codes.handlers import send_code\n", True),
        ("bot.history.service", "from bot.codes import handlers\n", True),
        ("bot.history.handlers", "from ..codes import handlers as codes\n", True),
        ("bot.history.handlers", "from bot.codes import service\n", False),
        ("bot.history.keyboards", "from bot.history import handlers\n", False),
        ("bot.app", "from bot.codes import handlers\n", False),
        ("bot.history.handlers", "from bot.organizations.report.handlers import process_report\n", True),
        ("bot.organizations.handlers", "from bot.organizations.report import handlers\n", False),
    ],
)
def test_importing_another_features_handlers_is_caught(
    tmp_path: Path, module: str, source: str, crossing: bool
) -> None:
    assert bool(handlers_crossings(made_up(tmp_path, module, source))) is crossing


@pytest.mark.parametrize(
    ("module", "source", "violation"),
    [
        ("bot.history.service", "from aiogram.utils.i18n import gettext as _\n", True),
        ("bot.history.service", "from aiogram.fsm.context import FSMContext\n", True),
        ("bot.history.service", "from bot.history.presenter import line\n", True),
        ("bot.history.service", "from bot.codes import keyboards\n", True),
        ("bot.history.service", "def later() -> None:\n    from .presenter import line\n", True),
        ("bot.history.service", "from bot.menu import CHECK_IN\n", True),
        ("bot.organizations.report.service", "from bot.organizations.report.presenter import line\n", True),
        ("bot.organizations.report.service", "from bot.organizations import presenter\n", True),
        ("bot.organizations.report.service", "from bot.organizations import service\n", False),
        ("bot.history.service", "from bot.codes.service import current_code\n", False),
        ("bot.history.service", "from bot.db.repositories.users import UserRepository\n", False),
        ("bot.history.presenter", "from aiogram.utils.i18n import gettext as _\n", False),
        ("bot.history.handlers", "from bot.history.presenter import line\n", False),
    ],
)
def test_a_service_importing_text_buttons_or_telegram_is_caught(
    tmp_path: Path, module: str, source: str, violation: bool
) -> None:
    assert bool(service_violations(made_up(tmp_path, module, source))) is violation


@pytest.mark.parametrize(
    "module",
    ["bot.checkin.handlers", "bot.organizations.invites.handlers", "bot.db.repositories.users"],
)
@pytest.mark.parametrize("call", ["await session.commit()", "await self._session.rollback()"])
def test_a_commit_in_a_handler_or_a_repository_is_caught(tmp_path: Path, module: str, call: str) -> None:
    write(tmp_path, module, f"async def handle(session, self):\n    {call}\n")
    assert transaction_calls(tmp_path) != []


def test_a_commit_in_a_service_passes(tmp_path: Path) -> None:
    write(tmp_path, "bot.checkin.service", "async def record(session):\n    await session.commit()\n")
    assert transaction_calls(tmp_path) == []
