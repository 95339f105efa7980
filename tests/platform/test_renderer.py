import datetime as dt
import json
from decimal import Decimal

from rest_framework.renderers import JSONRenderer

from roombooking.renderers import FastJSONRenderer

SAMPLE = {
    "id": 7,
    "roomName": "회의실 101",
    "useStartDtm": dt.datetime(2030, 9, 2, 13, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))),
    "price": Decimal("1.50"),
    "tags": ["projector", None, True],
    "nested": {"count": 0, "results": []},
}


def test_the_fast_renderer_says_the_same_as_drfs():
    fast = json.loads(FastJSONRenderer().render(SAMPLE))
    drf = json.loads(JSONRenderer().render(SAMPLE))
    assert fast == drf


def test_the_browsable_apis_indented_view_still_works():
    rendered = (
        FastJSONRenderer().render(SAMPLE, "application/json; indent=4", {"indent": 4}).decode()
    )
    assert "\n    " in rendered and json.loads(rendered)["roomName"] == "회의실 101"
