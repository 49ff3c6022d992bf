"""Storage: the database (SQLModel), the content-addressed blob store and migrations.

Intake writes raw bytes to the blob store and a ledger row before anything else; the service
then writes message, ticket, decision and outbox row in one transaction per batch.
"""
