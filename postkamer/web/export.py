"""CSV export of a ticket list. Every cell goes through `csv_cell`, so a subject such as
`=HYPERLINK(...)` arrives in a spreadsheet as text, not as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from postkamer.web.sanitize import csv_cell
from storage.models import Ticket

COLUMNS = (
    "ref",
    "created_at",
    "queue",
    "status",
    "priority",
    "requester_email",
    "requester_name",
    "subject",
    "contract_numbers",
    "assignee",
    "tags",
)


def tickets_csv(tickets: Iterable[Ticket]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for t in tickets:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    t.ref,
                    t.created_at.isoformat(),
                    t.queue,
                    t.status,
                    t.priority,
                    t.requester_email,
                    t.requester_name,
                    t.subject,
                    " ".join(t.contract_numbers or []),
                    t.assignee or "",
                    ", ".join(t.tags or []),
                )
            ]
        )
    return out.getvalue()
