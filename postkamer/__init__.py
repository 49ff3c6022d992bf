"""Postkamer: CLI, settings, service wiring (the order of the stages), scheduler and web app."""
