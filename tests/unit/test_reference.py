"""The reference page and the base URL the description names (no IO)."""

from chalicelib.protocol.params import Variables
from chalicelib.protocol.routes import PublicRequest
from chalicelib.reference import page


def request(headers, context):
    return PublicRequest(Variables(), headers, {}, context)


def test_the_base_url_is_the_one_the_request_came_in_on():
    deployed = request(
        {"host": "abc.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"},
        {"path": "/api/openapi.json", "resourcePath": "/openapi.json"},
    )
    assert deployed.base_url == "https://abc.execute-api.us-east-1.amazonaws.com/api"
    local = request({"host": "127.0.0.1:8000"}, {"path": "/docs", "resourcePath": "/docs"})
    assert local.base_url == "http://127.0.0.1:8000"


def test_the_page_embeds_the_description_safely():
    document = {"info": {"title": "OCP <API>", "version": "1.1"}, "x": "</script><b>"}
    html = page.html(document, redoc_src="redoc.js")
    assert "<title>OCP &lt;API&gt; 1.1</title>" in html
    assert "</script><b>" not in html
    assert '<script src="redoc.js"></script>' in html
    assert html.count("</script>") == 2
