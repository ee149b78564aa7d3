"""The national outcome measures report as a page over plain HTTP, with its drill-down links."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from tests.web.conftest import RecordSite
from tests.web.test_lead_pages import signed_in

DRILL = re.compile(r'href="(/reports/national_proms/drill/[^"]+)"')


def test_the_page_and_its_drill_downs_open(record_site: RecordSite) -> None:
    start, end = date.today() - timedelta(days=365), date.today()
    with signed_in(record_site, "demo.teamlead") as lead:
        page = lead.get("/reports/national_proms", params={"from": start.isoformat(), "to": end.isoformat()})
        assert page.status_code == 200, page.text
        assert "National outcome measures" in page.text
        assert "Measured twice" in page.text
        links = [html.unescape(link) for link in DRILL.findall(page.text)]
        assert any("dimension=month" in link for link in links)
        assert any("dimension=team" in link for link in links)
        for link in [links[0], next(x for x in links if "dimension=month" in x)]:
            drill = lead.get(link)
            assert drill.status_code == 200, (link, drill.text[:500])
