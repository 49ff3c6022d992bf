"""Fault tests (RELIABILITY.md items 20-30): real servers, faults injected for real."""
