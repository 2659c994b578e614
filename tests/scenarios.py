"""Stories several tests share: a person registering on the green path, and the calls it causes."""

from __future__ import annotations

from bot.sandbox.emulator import FakeTelegram, RecordedCall
from tests.people import Person, message_text


def photos(fake: FakeTelegram, after: int) -> list[RecordedCall]:
    return [call for call in fake.calls[after:] if call.method == "sendPhoto"]


def file_id(photo: RecordedCall) -> str:
    return photo.result["photo"][-1]["file_id"]


async def onboard(person: Person) -> None:
    await person.say("/start", expect="Choose your language")
    await person.press("English", expect="Privacy notice")
    await person.press("I agree", expect="What is your full name")


async def answer_identity(person: Person, name: str) -> None:
    await person.say(name, expect="nationality")
    await person.say("United Kingdom", expect="ID document")
    await person.press("Passport", expect="number of that document")
    await person.say("E12345678", expect="mobile number")
    await person.say("+8613800138000", expect="which district")
    await person.press("Yinzhou", expect="address there")
    await person.say("199 Taikang East Road, building 3", expect="in Ningbo now")


async def answer_health(person: Person) -> None:
    """From the places question to the summary, with nothing that makes the code other than green."""
    await person.press("None of these", expect="close contact")
    await person.press("None of these", expect="told you that you are")
    await person.press("None of these", expect="symptoms now")
    await person.press("No symptoms", expect="body temperature")
    await person.say("36.6", expect="Please check your answers")


async def register(fake: FakeTelegram, person: Person, name: str = "Jane Doe") -> RecordedCall:
    """The whole form in English on a green path; returns the sendPhoto of the first code."""
    await onboard(person)
    await answer_identity(person, name)
    await person.press("Yes, I am in Ningbo", expect="stayed in any of these")
    await answer_health(person)
    mark = fake.mark()
    await person.press("Submit", expect=lambda message: "photo" in message and "GREEN CODE" in message_text(message))
    [photo] = photos(fake, mark)
    assert photo.files, "the first code is drawn and uploaded"
    return photo


async def back_from_abroad(person: Person, name: str = "Anna Schmidt") -> None:
    """Registers on their own phone (driven through the emulator, as another device would): red, for a stay abroad."""
    await onboard(person)
    await answer_identity(person, name)
    await person.press("Yes, I am in Ningbo", expect="stayed in any of these")
    await person.press("Abroad")
    await person.press("Done", expect="close contact")
    await person.press("None of these", expect="told you that you are")
    await person.press("None of these", expect="symptoms now")
    await person.press("No symptoms", expect="body temperature")
    await person.say("36.6", expect="Please check your answers")
    await person.press("Submit", expect=lambda message: "photo" in message and "RED CODE" in message.get("caption", ""))
