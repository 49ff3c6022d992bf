"""Outbound: everything between a routing decision and a reply in the customer's mailbox.

`templates` renders the reply text in the customer's language, `compose` turns it into a
threaded `EmailMessage`, `limits` stops mail loops, `outbox` keeps the composed message in the
database in the same transaction as the ticket change, and `sender` delivers due rows through a
`transport` (SMTP, or .eml files for the demo).
"""
