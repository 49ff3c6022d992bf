"""Values routing produces: the policy result and the routing decision with its explanation.

`routing.decide` builds a `RoutingDecision`; storage keeps it with the message, `outbound`
renders `reply_template`, and `route --json` prints `to_json()` (DOMAIN.md section 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from intake.model import UNPROVEN, Evidence, SenderProof, evidence_to_json


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Outcome of the cancellation policy (DOMAIN.md section 4)."""

    outcome: str  # accepted | needs_destruction_confirmation | ... (see routing.policy)
    effective_date: date | None = None
    earliest_notice_date: date | None = None
    contract_number: str | None = None
    steps: tuple[str, ...] = ()  # the computation, in words
    # awaiting_sender_confirmation: the date the termination would take effect if confirmed
    # now; not the outcome's effective date (the confirmation's arrival decides that), so only
    # the confirmation request names it
    proposed_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "earliest_notice_date": (
                self.earliest_notice_date.isoformat() if self.earliest_notice_date else None
            ),
        }


NO_POLICY: dict[str, Any] = {"outcome": None, "effective_date": None, "earliest_notice_date": None}


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Everything decided about one mail, and why."""

    disposition: str
    queue: str | None
    language: str
    contract_numbers: tuple[str, ...]
    destruction_confirmation: bool
    machine_out_of_use: bool
    requested_end_date: date | None
    policy: PolicyResult | None
    reply_template: str | None  # e.g. "cancellation/accepted"; None = no automatic reply
    explanation: tuple[str, ...]
    priority: str = "normal"
    tags: tuple[str, ...] = ()
    status: str = "new"  # ticket status the decision asks for
    flags: tuple[str, ...] = ()  # e.g. "sender_unverified"
    rule_hits: tuple[str, ...] = field(default=())
    rule_misses: tuple[str, ...] = field(default=())
    sender_proof: SenderProof = UNPROVEN  # DOMAIN.md 4a
    evidence: tuple[Evidence, ...] = field(default=())  # where each fact was found

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The machine-readable decision of DOMAIN.md section 6."""
        out: dict[str, Any] = {}
        if file is not None:
            out["file"] = file
        out.update(
            {
                "disposition": self.disposition,
                "queue": self.queue,
                "language": self.language,
                "contract_numbers": list(self.contract_numbers),
                "destruction_confirmation": self.destruction_confirmation,
                "machine_out_of_use": self.machine_out_of_use,
                "requested_end_date": (
                    self.requested_end_date.isoformat() if self.requested_end_date else None
                ),
                "policy": self.policy.to_json() if self.policy else dict(NO_POLICY),
                "reply_template": self.reply_template,
                "sender_proof": self.sender_proof.to_json(),
                "evidence": evidence_to_json(self.evidence),
                "explanation": list(self.explanation),
                "priority": self.priority,
                "tags": list(self.tags),
                "flags": list(self.flags),
            }
        )
        return out
