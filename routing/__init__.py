"""Routing: from what intake understood to a decision.

`classify` scores the queues, `rules` apply the supervisor's ordered rules, `policy` applies the
desk's contract rules, `decide` puts them together into a `RoutingDecision` with its explanation.
Next stop: storage (ticket + decision + outbox row in one transaction), then `outbound`.
"""
