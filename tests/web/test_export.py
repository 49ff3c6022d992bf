"""CSV export: what a person filtered is what they get, and no cell runs as a spreadsheet
formula."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from postkamer.web.sanitize import csv_cell
from tests.web import factory
from tests.web.conftest import login


def test_cells_that_start_a_formula_are_neutralized() -> None:
    for dangerous in ["=1+1", "+32 3 123", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell("Printer") == "Printer"
    assert csv_cell(None) == ""
    assert csv_cell("a=b") == "a=b"


def test_export_of_a_filtered_queue(client: TestClient, web_engine: Engine) -> None:
    factory.add_user(web_engine, "els@postkamer.be", "owner", ("hardware",))
    factory.add_ticket(
        web_engine,
        subject='=HYPERLINK("http://evil.example","klik")',
        requester_name="@Jan",
        contract_numbers=["MA1234567"],
    )
    factory.add_ticket(web_engine, subject="Andere vraag", status="closed")
    login(client, "els@postkamer.be")
    r = client.get("/queues/hardware/export.csv?status=new")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["subject"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert rows[0]["requester_name"] == "'@Jan"
    assert rows[0]["contract_numbers"] == "MA1234567"
    assert rows[0]["status"] == "new"
