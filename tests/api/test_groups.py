"""group POST, GET, PUT, DELETE and members, against the reference and RULINGS."""

import json

import pytest

from tests.concurrency import at_once, atomic_dynamodb  # noqa: F401 (fixture)
from tests.examples import assert_matches_example, error_codes, xml

JOHN = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john@example.com",
    "phoneNumber": "3035551212",
    "phoneType": "2",
}
JANE = {
    "firstName": "Jane",
    "lastName": "Roe",
    "email": "jane@example.com",
    "phoneNumber": "7205551212",
    "phoneType": "2",
}


def new_user(api, person=JOHN, **changes) -> int:
    response = api.post("/user", {**person, **changes})
    assert response.status_code == 200, response.body
    return int(xml(response.body).findtext("userId"))


@pytest.fixture
def user(api) -> int:
    return new_user(api)


def new_group(api, user_id, name="Family Members") -> int:
    response = api.post("/group", {"userId": user_id, "groupName": name})
    assert response.status_code == 201, response.body
    return int(xml(response.body).findtext("groupid"))


def members(api, user_id, group_id) -> list[tuple[str, str]]:
    response = api.get(f"/group/{group_id}?userId={user_id}")
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.body
    return [(m.findtext("type"), m.findtext("id")) for m in xml(response.body).iter("member")]


# --- groups ----------------------------------------------------------------------------


def test_post_creates_a_group_with_the_reference_body(api, user):
    response = api.post("/group", {"userId": user, "groupName": "Family Members"})
    assert response.status_code == 201
    assert_matches_example(response.body, "group-POST-create.xml", ignore=("groupid",))
    assert int(xml(response.body).findtext("groupid")) >= 1


def test_get_lists_the_users_groups_with_the_reference_body(api, user):
    coworkers, family = new_group(api, user, "Coworkers"), new_group(api, user, "Family Members")
    new_group(api, new_user(api, JANE), "Not John's")
    response = api.get(f"/group?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "group-GET-groups.xml", ignore=("id",))
    assert [int(e.text) for e in xml(response.body).iter("id")] == [coworkers, family]


def test_get_lists_groups_in_json(api, user):
    group_id = new_group(api, user, "Coworkers")
    body = json.loads(api.get(f"/group?userId={user}&output=json").body)
    assert body == {"group": [{"id": group_id, "name": "Coworkers"}]}


def test_a_user_without_groups_gets_204(api, user):
    response = api.get(f"/group?userId={user}")
    assert (response.status_code, response.body) == (204, b"")


def test_put_renames_with_the_reference_body(api, user):
    group_id = new_group(api, user, "Family")
    response = api.put(f"/group/{group_id}", {"userId": user, "groupName": "<b>Kin</b>"})
    assert response.status_code == 200
    assert_matches_example(response.body, "group-PUT.xml")
    assert xml(api.get(f"/group?userId={user}").body).findtext("group/name") == "Kin"


def test_delete_removes_the_group_only(api, user):
    friend = new_user(api, JANE)
    group_id = new_group(api, user)
    api.post(f"/group/{group_id}/member/1:{friend}", {"userId": user})
    response = api.delete(f"/group/{group_id}?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "group-DELETE.xml")
    assert error_codes(api.get(f"/group/{group_id}?userId={user}").body) == [115]
    assert api.get(f"/group?userId={user}").status_code == 204
    assert api.get(f"/user/{friend}").status_code == 200


def test_delete_takes_the_group_id_as_a_variable_too(api, user):
    group_id = new_group(api, user)
    assert api.delete(f"/group?userId={user}&groupId={group_id}").status_code == 200
    assert api.get(f"/group?userId={user}").status_code == 204


# --- members ---------------------------------------------------------------------------


def test_members_are_added_and_listed_with_the_reference_bodies(api, user):
    friend = new_user(api, JANE)
    group_id = new_group(api, user)
    quiet = api.post(f"/group/{group_id}/member/1:{friend}", {"userId": user})
    assert (quiet.status_code, quiet.body) == (201, b"")
    loud = api.post(f"/group/{group_id}/member/3:3039844345?verbose=1", {"userId": user})
    assert loud.status_code == 201
    assert_matches_example(loud.body, "group-POST-member-verbose.xml")
    response = api.get(f"/group/{group_id}?userId={user}")
    assert response.status_code == 200
    assert_matches_example(response.body, "group-GET-members.xml", ignore=("id",))
    assert members(api, user, group_id) == [("1", str(friend)), ("3", "3039844345")]


def test_members_in_json(api, user):
    group_id = new_group(api, user)
    api.post(f"/group/{group_id}/member/1:{user},3:44 20 77994044", {"userId": user})
    body = json.loads(api.get(f"/group/{group_id}?userId={user}&output=json").body)
    assert body == {"member": [{"type": 1, "id": user}, {"type": 3, "id": "44 20 77994044"}]}


def test_several_members_at_once_in_the_path_or_as_a_variable(api, user):
    group_id = new_group(api, user)
    api.post(f"/group/{group_id}/member/2:John@Example.com,3:1 3035551213", {"userId": user})
    api.post(f"/group/{group_id}", {"userId": user, "destination": "3:3035551214,3:3035551213"})
    assert members(api, user, group_id) == [
        ("2", "john@example.com"),
        ("3", "3035551213"),
        ("3", "3035551214"),
    ]


def test_members_named_in_the_path_are_removed(api, user):
    group_id = new_group(api, user)
    api.post(
        f"/group/{group_id}/member/2:john@example.com,3:3035551213,3:3035551214", {"userId": user}
    )
    response = api.delete(
        f"/group/{group_id}/member/2:JOHN@example.com,3:1 3035551213?userId={user}"
    )
    assert response.status_code == 200
    assert_matches_example(response.body, "group-DELETE.xml")
    assert members(api, user, group_id) == [("3", "3035551214")]
    # a destination that is not a member is ignored; removing the last one leaves it empty
    api.delete(f"/group/{group_id}?userId={user}&destination=3:3035551214,3:3035559999")
    response = api.get(f"/group/{group_id}?userId={user}")
    assert (response.status_code, response.body) == (204, b"")


def test_a_member_naming_a_deleted_user_can_be_removed(api, user):
    friend = new_user(api, JANE)
    group_id = new_group(api, user)
    api.post(f"/group/{group_id}/member/1:{friend}", {"userId": user})
    api.delete(f"/user/{friend}")
    assert members(api, user, group_id) == [("1", str(friend))]
    assert api.delete(f"/group/{group_id}/member/1:{friend}?userId={user}").status_code == 200
    assert members(api, user, group_id) == []


def test_members_must_be_valid_destinations(api, user):
    group_id = new_group(api, user)
    response = api.post(
        f"/group/{group_id}/member/5:x,3:4420 77994044,2:not-an-email,1:abc", {"userId": user}
    )
    assert response.status_code == 400
    assert error_codes(response.body) == [902, 920, 915, 922]
    response = api.delete(f"/group/{group_id}/member/11:alice@netcom.com?userId={user}")
    assert error_codes(response.body) == [902]


def test_user_members_must_be_visible_users(api, user, other_enterprise):
    # Given an exclusive user of enterprise 2
    hidden = new_user(other_enterprise, JANE, exclusive="1")
    group_id = new_group(api, user)
    # When enterprise 1 adds it, an unknown userId and an unknown email
    response = api.post(
        f"/group/{group_id}/member/2:nobody@example.com,1:{hidden},1:9999,2:jane@example.com",
        {"userId": user},
    )
    # Then each is 922, in the order given, and nothing is added
    assert response.status_code == 400
    assert error_codes(response.body) == [922, 922, 922, 922]
    assert "nobody@example.com" in xml(response.body).findtext("errors/error/message")
    assert members(api, user, group_id) == []


# --- errors ----------------------------------------------------------------------------


def test_another_users_group_is_112(api, user):
    theirs = new_group(api, new_user(api, JANE))
    for response in (
        api.delete(f"/group/{theirs}?userId={user}"),
        api.delete(f"/group/{theirs}/member/3:3035551212?userId={user}"),
        api.post(f"/group/{theirs}/member/3:3035551212", {"userId": user}),
        api.get(f"/group/{theirs}?userId={user}"),
        api.put(f"/group/{theirs}", {"userId": user, "groupName": "Mine"}),
    ):
        assert (response.status_code, error_codes(response.body)) == (403, [112])


def test_an_unknown_group_is_115(api, user):
    for response in (
        api.post("/group/999/member/3:3035551212", {"userId": user}),
        api.delete(f"/group/999?userId={user}"),
        api.delete(f"/group/999/member/3:3035551212?userId={user}"),
        api.get(f"/group/999?userId={user}"),
        api.put("/group/999", {"userId": user, "groupName": "x"}),
    ):
        assert (response.status_code, error_codes(response.body)) == (404, [115])


def test_an_unknown_user_is_106(api, user):
    group_id = new_group(api, user)
    for response in (
        api.post("/group", {"userId": 999, "groupName": "x"}),
        api.get("/group?userId=999"),
        api.get(f"/group/{group_id}?userId=999"),
        api.post(f"/group/{group_id}/member/3:3035551212", {"userId": 999}),
        api.put(f"/group/{group_id}", {"userId": 999, "groupName": "x"}),
        api.delete(f"/group/{group_id}?userId=999"),
    ):
        assert (response.status_code, error_codes(response.body)) == (404, [106])


def test_an_exclusive_users_groups_are_invisible_to_other_enterprises(api, other_enterprise):
    owner = new_user(api, exclusive="1")
    group_id = new_group(api, owner)
    api.post(f"/group/{group_id}/member/3:3035551212", {"userId": owner})
    assert members(api, owner, group_id) == [("3", "3035551212")]
    for response in (
        other_enterprise.post("/group", {"userId": owner, "groupName": "x"}),
        other_enterprise.get(f"/group?userId={owner}"),
        other_enterprise.get(f"/group/{group_id}?userId={owner}"),
        other_enterprise.post(f"/group/{group_id}/member/3:3035551213", {"userId": owner}),
        other_enterprise.put(f"/group/{group_id}", {"userId": owner, "groupName": "x"}),
        other_enterprise.delete(f"/group/{group_id}?userId={owner}"),
    ):
        assert (response.status_code, error_codes(response.body)) == (404, [106])
    assert members(api, owner, group_id) == [("3", "3035551212")]


def test_a_shared_users_groups_are_seen_by_every_enterprise(api, user, other_enterprise):
    group_id = new_group(other_enterprise, user, "Made by two")
    assert xml(api.get(f"/group?userId={user}").body).findtext("group/id") == str(group_id)


def test_bad_variables_are_all_reported(api, user):
    response = api.post("/group", {"userId": "x"})
    assert (response.status_code, error_codes(response.body)) == (400, [900, 900])
    response = api.post("/group", {"userId": user, "groupName": "x" * 101})
    assert error_codes(response.body) == [903]
    response = api.put("/group/0", {"userId": "0"})
    assert error_codes(response.body) == [922, 923, 900]
    response = api.post("/group/1", {"userId": user})
    assert error_codes(response.body) == [900]  # no destination to add
    response = api.delete("/group")
    assert error_codes(response.body) == [900, 900]


def test_internal_failures_are_105(api, user, monkeypatch):
    from chalicelib.store import groups

    group_id = new_group(api, user)

    def broken(*args, **kwargs):
        raise RuntimeError("the table is gone")

    for name in (
        "create",
        "list_for",
        "members",
        "rename",
        "add_members",
        "remove_members",
        "delete",
    ):
        monkeypatch.setattr(groups, name, broken)
    for response in (
        api.post("/group", {"userId": user, "groupName": "x"}),
        api.get(f"/group?userId={user}"),
        api.get(f"/group/{group_id}?userId={user}"),
        api.put(f"/group/{group_id}", {"userId": user, "groupName": "x"}),
        api.post(f"/group/{group_id}/member/3:3035551212", {"userId": user}),
        api.delete(f"/group/{group_id}/member/3:3035551212?userId={user}"),
        api.delete(f"/group/{group_id}?userId={user}"),
    ):
        assert (response.status_code, error_codes(response.body)) == (500, [105])
        assert b"table is gone" not in response.body


# --- user DELETE -----------------------------------------------------------------------


def test_user_delete_removes_the_users_groups(api, user):
    from chalicelib.store.models import Group

    for name in ("a", "b"):
        new_group(api, user, name)
    assert api.delete(f"/user/{user}").status_code == 200
    assert list(Group.query(user)) == []
    assert error_codes(api.get(f"/group?userId={user}").body) == [106]


# --- integrity under concurrency -------------------------------------------------------


def test_concurrent_member_changes_are_never_lost(api, user, atomic_dynamodb):
    # Given a group with 10 members
    group_id = new_group(api, user)
    old = [f"3:30355501{n:02}" for n in range(10)]
    api.post(f"/group/{group_id}/member/{','.join(old)}", {"userId": user})
    # When 40 new members are added one by one while the old ones are removed, all at once
    new = [f"3:30355502{n:02}" for n in range(40)]
    adds = [lambda d=d: api.post(f"/group/{group_id}/member/{d}", {"userId": user}) for d in new]
    removals = [lambda d=d: api.delete(f"/group/{group_id}/member/{d}?userId={user}") for d in old]
    responses = at_once(adds[:10] + removals + adds[10:])
    # Then the group holds exactly the new ones
    assert {r.status_code for r in responses} == {200, 201}
    assert members(api, user, group_id) == [("3", d[2:]) for d in new]
