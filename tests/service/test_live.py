"""`run` while it idles: a mail appended to the folder is stored within 2 seconds (IMAP IDLE),
and a stop request ends the loop after the current batch. Large mails stay within memory
bounds in a child process: a 25 MB attachment is ingested with a peak RSS under 200 MB, and
a 60 MB mail is quarantined as oversize without being fetched whole."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from postkamer.service import BasicProcessor, run_forever
from storage.db import make_engine
from storage.models import Message
from tests.service.test_crash_recovery import CHILD, REPO
from tests.support.dovecot import Account
from tests.support.mail import big_mail, make_mail, make_settings, settings_dict, write_config


def _messages(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(Message)).scalar_one())


def test_mail_appended_while_idling_is_stored_within_two_seconds(
    imap_account: Account, engine: Engine, tmp_path: Path
) -> None:
    imap_account.deliver([make_mail(0, tag="idle")])
    settings = make_settings(
        "unused://",
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
        poll_seconds=600,
    )
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever, args=(settings, BasicProcessor(), stop), kwargs={"engine": engine}
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while _messages(engine) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _messages(engine) == 1
        time.sleep(0.5)  # now it idles
        for n in (2, 3):
            start = time.monotonic()
            imap_account.append([make_mail(n, tag="idle")])
            while _messages(engine) < n and time.monotonic() - start < 5:
                time.sleep(0.02)
            elapsed = time.monotonic() - start
            assert _messages(engine) == n and elapsed < 2.0, f"stored after {elapsed:.2f}s"
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert imap_account.count("Processed") == 3


def _child_peak_rss_mb(config: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a child; its peak RSS from /proc (VmHWM) read just before it exits is
    not available after wait(), so the child reports it itself at exit."""
    code = (
        "import atexit, os\n"
        "def _hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM'):\n"
        "            os.write(2, ('PEAK_RSS_KB ' + line.split()[1] + '\\n').encode())\n"
        "atexit.register(_hwm)\n"
        + CHILD.replace("sys.exit(", "rc = (").replace(
            "sys.argv[1:]))", "sys.argv[1:])); _hwm(); sys.exit(rc)"
        )
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "--config", str(config), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    peaks = [
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB")
    ]
    return proc, (max(peaks) / 1024 if peaks else float("nan"))


def test_large_mails_stay_within_memory_bounds(
    imap_account: Account, migrated_db_url: str, tmp_path: Path
) -> None:
    mail_25 = big_mail(25 * 1000 * 1000, tag="att25")  # base64: about 34 MB on the wire
    mail_60 = big_mail(60 * 1000 * 1000, tag="mail60")
    imap_account.deliver([mail_25, mail_60, make_mail(1, tag="small")])
    data = settings_dict(
        migrated_db_url,
        tmp_path,
        host=imap_account.host,
        port=imap_account.port,
        username=imap_account.user,
        password=imap_account.password,
    )
    data["limits"] = {"max_message_bytes": 48 * 1024 * 1024}
    config = write_config(tmp_path / "postkamer.toml", data)
    del mail_60
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc, peak_mb = _child_peak_rss_mb(config, "run", "--once", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    intake = {k: summary[k] for k in ("read", "stored", "duplicates", "quarantined")}
    assert intake == {"read": 3, "stored": 2, "duplicates": 0, "quarantined": 1}
    assert summary["replies_sent"] == 2  # both stored mails are answered before exit
    assert peak_mb < 200, f"peak RSS {peak_mb:.0f} MB"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= before
    engine = make_engine(migrated_db_url)
    try:
        from storage import ledger
        from storage.db import session_scope

        with session_scope(engine) as s:
            [entry] = ledger.list_quarantined(s)
            assert entry.reason and entry.reason.startswith("oversize")
            assert entry.size > 60 * 1000 * 1000
            assert entry.source_ref.startswith("INBOX/")
    finally:
        engine.dispose()
    assert len(list((tmp_path / "blobs").rglob("*"))) > 0
    blob_sizes = sorted(p.stat().st_size for p in (tmp_path / "blobs").rglob("*") if p.is_file())
    assert blob_sizes[-1] == len(mail_25)  # stored byte for byte; the 60 MB one only as headers
    assert blob_sizes[0] < 2048
    print(f"peak RSS of run --once with a 34 MB mail and a 60 MB oversize mail: {peak_mb:.0f} MB")
