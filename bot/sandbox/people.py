"""The simulated people of the sandbox: one of each kind of user the bot serves."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .emulator import FakeUser


class SandboxRole(StrEnum):
    REGISTRANT = "registrant"
    STAFF = "staff"
    HR = "hr"
    REVIEWER = "reviewer"
    ADMIN = "admin"


ROLE_LABELS = {
    SandboxRole.REGISTRANT: "Registrant",
    SandboxRole.STAFF: "Checkpoint staff",
    SandboxRole.HR: "HR office",
    SandboxRole.REVIEWER: "Appeals reviewer",
    SandboxRole.ADMIN: "Administrator",
}


@dataclass(frozen=True, slots=True)
class SandboxPerson:
    user: FakeUser
    role: SandboxRole
    phone: str  # what "Share my phone number" sends

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.user.first_name, self.user.last_name) if part)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "language": self.user.language_code,
            "role": self.role.value,
            "role_label": ROLE_LABELS[self.role],
            "phone": self.phone,
        }


PEOPLE: tuple[SandboxPerson, ...] = (
    SandboxPerson(FakeUser(700000001, "李伟", None, "liwei", "zh"), SandboxRole.REGISTRANT, "+8613800138001"),
    SandboxPerson(FakeUser(700000002, "Anna", "Schmidt", "anna_s", "en"), SandboxRole.REGISTRANT, "+4915112345678"),
    SandboxPerson(FakeUser(700000003, "王芳", None, "wangfang", "zh"), SandboxRole.STAFF, "+8613900139003"),
    SandboxPerson(FakeUser(700000004, "Maria", "Garcia", "maria_hr", "en"), SandboxRole.HR, "+34612345678"),
    # Decides appeals (/appeals) for everyone, so a red code can be contested and granted without the admin.
    SandboxPerson(FakeUser(700000006, "David", "Chen", "david_reviews", "en"), SandboxRole.REVIEWER, "+85291234567"),
    SandboxPerson(FakeUser(700000005, "Sam", "Okafor", "sam_admin", "en"), SandboxRole.ADMIN, "+2348031234567"),
)


def person(person_id: int) -> SandboxPerson | None:
    return next((candidate for candidate in PEOPLE if candidate.id == person_id), None)


def with_role(role: SandboxRole) -> SandboxPerson:
    return next(candidate for candidate in PEOPLE if candidate.role is role)
