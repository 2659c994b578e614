"""The layers of docs/architecture.md, checked: a module that imports upward fails here.

Imports are read with `ast` from the source (nothing is imported), including those inside functions.
Known crossings of today's code are listed in KNOWN with why; a new one fails, and a listed one that is gone
fails too, so the list only shrinks.
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

# (importer, imported handlers module) -> why it is still there. Issue 13 item 4 moves the form into a public
# `registration/form.py` and the shared sending into services; each fix removes its line here.
KNOWN: dict[tuple[str, str], str] = {
    (
        "bot.checkin.handlers",
        "bot.registration.handlers",
    ): "the check-in reuses the form: Form, start_form, resume_form",
    ("bot.onboarding.handlers", "bot.registration.handlers"): "consent starts or resumes the form",
    (
        "bot.organizations.invites.handlers",
        "bot.registration.handlers",
    ): "joining with no declaration starts the form",
    ("bot.registration.handlers", "bot.codes.handlers"): "a submitted form answers with the code: send_code",
    ("bot.reminders.handlers", "bot.checkin.handlers"): "a reminder's Check in button runs process_checkin",
}


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


def handlers_module(name: str) -> str | None:
    """`bot.codes.handlers.x` -> `bot.codes.handlers`; a feature split into seams has them one folder down
    (`bot.organizations.report.handlers`)."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "bot":
        return None
    for depth in (2, 3):
        if len(parts) > depth and parts[depth] == "handlers":
            return ".".join(parts[: depth + 1])
    return None


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


def handlers_crossings(imports: list[Import]) -> set[tuple[str, str]]:
    """(importer, handlers module) for each module importing the handlers of a feature not its own."""
    crossings = set()
    for i in imports:
        target = handlers_module(i.imported)
        if target is None or i.importer in WIRING or feature_of(i.importer) == feature_of(target):
            continue
        crossings.add((i.importer, target))
    return crossings


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return all_imports()


def test_the_domain_imports_neither_aiogram_nor_sqlalchemy_nor_the_rest_of_the_bot(imports: list[Import]) -> None:
    assert domain_violations(imports) == []


def test_repositories_import_no_aiogram_handlers_or_features(imports: list[Import]) -> None:
    assert repository_violations(imports) == []


def test_no_new_module_imports_another_features_handlers(imports: list[Import]) -> None:
    new = sorted(handlers_crossings(imports) - KNOWN.keys())
    assert new == [], "import a service or a public module of the feature instead (docs/architecture.md)"


def test_every_known_crossing_is_still_there_so_the_list_only_shrinks(imports: list[Import]) -> None:
    gone = sorted(KNOWN.keys() - handlers_crossings(imports))
    assert gone == [], "fixed: remove these lines from KNOWN"


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
