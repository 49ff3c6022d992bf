"""Helpers that start private copies of real services (Dovecot, PostgreSQL) for the tests."""
