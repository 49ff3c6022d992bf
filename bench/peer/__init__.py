"""The django-helpdesk peer of the intake benchmark: Django settings for one IMAP queue on
SQLite (`bench.peer.settings`), used inside bench/.peer-venv, never by Postkamer itself."""
