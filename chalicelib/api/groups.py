"""group POST, GET, PUT, DELETE: contact groups and their members (destinations).

groupId and the destinations may come in the path, as the reference prints the URLs,
or as variables (the reference lists `destination` as a request variable):
`/group/141/member/3:3035551212` and `POST /group/141` with `destination=3:3035551212`
are the same request.
"""

from chalice import Blueprint

from chalicelib.domain import limits
from chalicelib.protocol.params import USER_ID, Destinations, Id, Text
from chalicelib.protocol.render import NO_CONTENT, Reply, status_ok
from chalicelib.protocol.routes import Request, route
from chalicelib.store import groups

bp = Blueprint(__name__)

GROUP_ID = Id("groupId", code=923)
GROUP_NAME = Text("groupName", required=True, max_len=100)
MEMBERS = Destinations("destination", required=True, max_items=limits.GROUP_MEMBERS)


@route(bp, "/group", ["POST"], idempotent=True)
@route(bp, "/group/{groupId}", ["POST"], idempotent=True)
@route(bp, "/group/{groupId}/member/{destination}", ["POST"], idempotent=True)
def create_group_or_add_members(req: Request) -> Reply:
    if not req.variables.has("groupId"):
        v = req.read(USER_ID, GROUP_NAME)
        return Reply({"groupid": groups.create(req.eid, v["userId"], v["groupName"])}, 201)
    v = req.read(USER_ID, GROUP_ID, MEMBERS)
    groups.add_members(req.eid, v["userId"], v["groupId"], [d.wire() for d in v["destination"]])
    return status_ok(201)


@route(bp, "/group", ["GET"])
@route(bp, "/group/{groupId}", ["GET"])
def get_groups_or_members(req: Request) -> Reply:
    v = req.read(USER_ID, Id("groupId", required=False, code=923))
    if v["groupId"] is None:
        found = groups.list_for(req.eid, v["userId"])
        body = {"group": [{"id": g.group_id, "name": g.name} for g in found]}
    else:
        members = groups.members(req.eid, v["userId"], v["groupId"])
        body = {"member": [{"type": kind, "id": value} for kind, value in members]}
    return Reply(body) if next(iter(body.values())) else NO_CONTENT


@route(bp, "/group/{groupId}", ["PUT"], idempotent=True)
def rename_group(req: Request) -> Reply:
    v = req.read(USER_ID, GROUP_ID, GROUP_NAME)
    groups.rename(req.eid, v["userId"], v["groupId"], v["groupName"])
    return status_ok(200, verbose_only=False)


@route(bp, "/group", ["DELETE"])
@route(bp, "/group/{groupId}", ["DELETE"])
@route(bp, "/group/{groupId}/member/{destination}", ["DELETE"])
def delete_group_or_members(req: Request) -> Reply:
    if not req.variables.has("destination"):
        v = req.read(USER_ID, GROUP_ID)
        groups.delete(req.eid, v["userId"], v["groupId"])
    else:
        v = req.read(USER_ID, GROUP_ID, MEMBERS)
        groups.remove_members(
            req.eid, v["userId"], v["groupId"], [d.wire() for d in v["destination"]]
        )
    return status_ok(200, verbose_only=False)
