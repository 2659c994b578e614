"""The types of numbers a button carries.

Button data comes back from the client and can be forged to anything. Every number in a CallbackData
is a database id, a Telegram user id (positive), a page, a revision or a flag: none negative, and all
fit the BIGINT columns they are compared with. Bounding them here means a forged
`hrcsv:99999999999999999999` does not parse, so it never reaches a query and is answered like any
button of an earlier message (by the fallback router).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ButtonNumber = Annotated[int, Field(ge=0, lt=2**63)]

# A family member's id (bot.family.service.new_member_id): negative, so never a Telegram user's; bounded
# like the others, and still only an id to look up among the presser's own members.
MemberNumber = Annotated[int, Field(ge=-(2**62), le=-1)]

# A holder's id in a cursor (HR's list pages): a Telegram id or a family member's; 0 for none.
HolderNumber = Annotated[int, Field(ge=-(2**62), lt=2**63)]
