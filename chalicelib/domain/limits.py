"""How much one user, group or conference may hold (docs/limits.md).

Sized to DynamoDB. The whole find-me/follow-me profile is one Users item (400 KB at
most), and a profile change, like user DELETE, is one transaction of that item and the
Uniques row of every address and number it claims or releases (100 items at most):
PHONES + SMS_PHONES + EMAILS + 1 stays within it. A group's members are one set in its
item, a conference's legs one set in its. tests/unit/test_limits.py builds the largest
items these allow and measures them.
"""

from __future__ import annotations

PHONES = 50  # voice numbers of a user (phonenumber, huntorder, calltimeexception)
SMS_PHONES = 20  # SMS numbers of a user (smsphone)
EMAILS = 20  # addresses of a user (email)
EXCEPTIONS = 100  # call-time exception windows of a user (overlaps split windows)
DND_WINDOWS = 50  # DND windows of a user
BLACKLIST = 200  # blacklist entries of a user
GROUP_MEMBERS = 1000  # members of a group (an email member is at most 256 bytes)
CONFERENCE_LEGS = 100  # participants of a conference, the moderator's leg included
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size
# The longest text a blastsms sends (End User Messaging's MessageBody; Twilio's is 1,600
# characters): 1,600 bytes in UTF-8, so also at most 1,600 characters.
SMS_TEXT_BYTES = 1600
