"""ttspreview and audioupload: DynamoDB, Polly and S3 requests per route."""

from bench.harness import Scenario
from bench.scenarios_users import a_user


def _previewed(api) -> int:
    user_id = a_user(api)
    api.post("/ttspreview", {"userId": user_id, "text": "Your meeting starts in five minutes"})
    return user_id


SCENARIOS = [
    Scenario(
        "POST /ttspreview (new text)",
        lambda api, uid: api.post("/ttspreview", {"userId": uid, "text": "Hello there"}),
        a_user,
        goal=2,
        notes="user read, usage's characters; s3 HEAD miss, polly, s3 PUT",
    ),
    Scenario(
        "POST /ttspreview (same text again)",
        lambda api, uid: api.post(
            "/ttspreview", {"userId": uid, "text": "Your meeting starts in five minutes"}
        ),
        _previewed,
        goal=1,
        notes="user read; s3 HEAD hit, no polly",
    ),
    Scenario(
        "POST /audioupload",
        lambda api, _: api.post("/audioupload", {"filename": "a.mp3"}),
        goal=0,
        notes="presigning is local: no AWS request",
    ),
]
