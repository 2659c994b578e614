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
    # Registered, with a child registered as a family member (issue 16): the child has no phone of their own.
    PARENT = "parent"


ROLE_LABELS = {
    SandboxRole.REGISTRANT: "Registrant",
    SandboxRole.STAFF: "Checkpoint staff",
    SandboxRole.HR: "HR office",
    SandboxRole.REVIEWER: "Appeals reviewer",
    SandboxRole.ADMIN: "Administrator",
    SandboxRole.PARENT: "Parent, child registered",
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
    SandboxPerson(FakeUser(700000007, "Tom", "Müller", "tom_family", "en"), SandboxRole.PARENT, "+4917612345678"),
)

# The parent's own answers and their child's, as the form would store them: seeded, so a family is there
# to try from the first minute (the child's code at a checkpoint, "All codes", a check-in for everyone).
_HOME: dict[str, object] = {"district": "yinzhou", "address": "199 Taikang East Road, building 3", "in_ningbo": True}
_WELL: dict[str, object] = {
    "arrival_date": None,
    "places": [],
    "contacts": [],
    "own_status": "none",
    "symptoms": [],
    "temperature_c": 36.6,
}
PARENT_ANSWERS: dict[str, object] = {
    "full_name": "Tom Müller",
    "nationality": "DE",
    "id_type": "passport",
    "id_number": "C4RX7M2K9",
    "phone": "+4917612345678",
    **_HOME,
    **_WELL,
}
CHILD_NAME = "Lena Müller"
CHILD_ANSWERS: dict[str, object] = {
    **PARENT_ANSWERS,
    "full_name": CHILD_NAME,
    "id_number": "C01X00T47",
}


def person(person_id: int) -> SandboxPerson | None:
    return next((candidate for candidate in PEOPLE if candidate.id == person_id), None)


def with_role(role: SandboxRole) -> SandboxPerson:
    return next(candidate for candidate in PEOPLE if candidate.role is role)
