"""group POST, GET, PUT, DELETE: contact groups and their members (destinations).

groupId and the destinations may come in the path, as the reference prints the URLs,
or as variables (the reference lists `destination` as a request variable):
`/group/141/member/3:3035551212` and `POST /group/141` with `destination=3:3035551212`
are the same request.
"""

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.domain import limits
from chalicelib.errors import Code
from chalicelib.imports import on_first_use
from chalicelib.protocol.params import USER_ID, Destinations, Id, Text, not_sent, sent
from chalicelib.protocol.render import NO_CONTENT, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.protocol.shapes import INT, NONE_FOUND, TEXT, Leaf, Many, Returns, ok

bp = Blueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.store import groups
else:
    groups = on_first_use("chalicelib.store.groups")  # with PynamoDB: not at cold start

GROUP_ID = Id("groupId", code=Code.INVALID_GROUP)
GROUP_NAME = Text("groupName", required=True, max_len=100)
MEMBERS = Destinations(
    "destination",
    required=True,
    doc="Members: `type:value` pairs, comma-separated: 1 userId, 2 email, 3 phone.",
    max_items=limits.GROUP_MEMBERS,
)
# A group names its owner: another user's group is 112, an unknown one 115; 106 no user.
GROUP_ERRORS = (Code.NO_SUCH_USER, Code.GROUP_NOT_OWNED, Code.NO_SUCH_GROUP)
# Adding members: 117 past limits.GROUP_MEMBERS.
ADD_ERRORS = (*GROUP_ERRORS, Code.FULL)
# POST /group creates a group; naming a groupId (in the path or as a variable) adds members.
POST_VARIABLES = (
    USER_ID,
    GROUP_NAME.but(when=not_sent("groupId"), doc="Creates a group (when no groupId is sent)."),
    GROUP_ID.but(when=sent("groupId"), doc="Adds `destination` to this group."),
    MEMBERS.but(when=sent("groupId")),
)


@route(
    bp,
    "/group",
    ["POST"],
    variables=POST_VARIABLES,
    errors=ADD_ERRORS,
    returns=(Returns(201, {"groupid": INT}, "A group created."), ok(201)),
    summary="Create a group, or add members to one",
    idempotent=True,
)
@route(
    bp,
    "/group/{groupId}",
    ["POST"],
    variables=(USER_ID, GROUP_ID, MEMBERS),
    errors=ADD_ERRORS,
    returns=(ok(201),),
    summary="Add members to a group",
    idempotent=True,
)
@route(
    bp,
    "/group/{groupId}/member/{destination}",
    ["POST"],
    variables=(USER_ID, GROUP_ID, MEMBERS),
    errors=ADD_ERRORS,
    returns=(ok(201),),
    summary="Add members to a group (named in the path)",
    idempotent=True,
)
def create_group_or_add_members(req: Request) -> Reply:
    v = req.values
    if not req.variables.has("groupId"):
        return Reply({"groupid": groups.create(req.eid, v["userId"], v["groupName"])}, 201)
    groups.add_members(req.eid, v["userId"], v["groupId"], [d.wire() for d in v["destination"]])
    return status_ok(201)


GROUPS = Returns(200, {"group": Many({"id": INT, "name": TEXT})}, "Without a groupId.")
MEMBER = {
    "type": Leaf(INT, "1 userId, 2 email, 3 phone."),
    "id": Leaf((INT, TEXT), "The userId, email or phone number."),
}
MEMBERS_FOUND = Returns(200, {"member": Many(MEMBER)}, "With a groupId: its members.")


@route(
    bp,
    "/group",
    ["GET"],
    variables=(USER_ID, GROUP_ID.but(required=False, doc="Lists this group's members.")),
    errors=GROUP_ERRORS,
    returns=(GROUPS, MEMBERS_FOUND, NONE_FOUND),
    summary="A user's groups, or a group's members",
)
@route(
    bp,
    "/group/{groupId}",
    ["GET"],
    variables=(USER_ID, GROUP_ID),
    errors=GROUP_ERRORS,
    returns=(MEMBERS_FOUND, NONE_FOUND),
    summary="A group's members",
)
def get_groups_or_members(req: Request) -> Reply:
    v = req.values
    if v["groupId"] is None:
        found = groups.list_for(req.eid, v["userId"])
        body = {"group": [{"id": g.group_id, "name": g.name} for g in found]}
    else:
        members = groups.members(req.eid, v["userId"], v["groupId"])
        body = {"member": [{"type": kind, "id": value} for kind, value in members]}
    return Reply(body) if next(iter(body.values())) else NO_CONTENT


@route(
    bp,
    "/group/{groupId}",
    ["PUT"],
    variables=(USER_ID, GROUP_ID, GROUP_NAME),
    errors=GROUP_ERRORS,
    returns=(ok(200, verbose_only=False),),
    summary="Rename a group",
    idempotent=True,
)
def rename_group(req: Request) -> Reply:
    v = req.values
    groups.rename(req.eid, v["userId"], v["groupId"], v["groupName"])
    return status_ok(200, verbose_only=False)


# DELETE removes the group, or with `destination` only those members.
DELETE_VARIABLES = (
    USER_ID,
    GROUP_ID,
    MEMBERS.but(when=sent("destination"), doc="Removes only these members (`type:value` pairs)."),
)


@route(
    bp,
    ("/group/{groupId}", "/group"),
    ["DELETE"],
    variables=DELETE_VARIABLES,
    errors=GROUP_ERRORS,
    returns=(ok(200, verbose_only=False),),
    summary="Delete a group, or members of it",
)
@route(
    bp,
    "/group/{groupId}/member/{destination}",
    ["DELETE"],
    variables=(USER_ID, GROUP_ID, MEMBERS),
    errors=GROUP_ERRORS,
    returns=(ok(200, verbose_only=False),),
    summary="Remove members from a group (named in the path)",
)
def delete_group_or_members(req: Request) -> Reply:
    v = req.values
    if not req.variables.has("destination"):
        groups.delete(req.eid, v["userId"], v["groupId"])
    else:
        groups.remove_members(
            req.eid, v["userId"], v["groupId"], [d.wire() for d in v["destination"]]
        )
    return status_ok(200, verbose_only=False)
