"""The reply language of mail whose text does not tell (Japanese, Russian, a few words with
no function word): the registry language of the sender's contracts, then the mailbox's
`language` setting, then the routing config's default. Text that does tell still decides."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from intake.model import RawMail
from intake.sources.base import Batch, Checkpoint
from postkamer.cli import main
from postkamer.processing import ProcessingContext, Processor
from postkamer.service import drain
from postkamer.settings import MailboxSettings, Settings
from routing.config import DEFAULT_CONFIG_PATH, load_routing_config
from routing.decide import route_bytes
from routing.registry import Registry
from storage.blobs import BlobStore
from storage.contracts import import_contracts
from storage.db import session_scope
from storage.models import OutboxRow, Ticket
from tests.hostile.conftest import SQLITE_ONLY
from tests.hostile.mails import NOW, plain
from tests.intake.helpers import SAMPLES
from tests.support.mail import settings_dict, write_config

JAPANESE = "お世話になっております。\n保守契約の解約をお願いいたします。\n\n山田\n"
RUSSIAN = "Здравствуйте,\n\nпрошу прислать копию нашего договора обслуживания.\n\nИван\n"
FEW_WORDS = "Contract MC/2024/00871 stopzetten.\n"
FRENCH_CONTACT = "Pierre Meunier <p.meunier@meunier-transports.example.be>"  # MC/2024/00871, fr
ENGLISH_CONTACT = "Mark Janssens <mark.janssens@vdm-logistics.example.com>"  # AD-33-0912, en
STRANGER = "Ivan <ivan@example.org>"


def language(data: bytes, default_language: str | None = None) -> tuple[str, tuple[str, ...]]:
    decision = route_bytes(
        data,
        registry=Registry.from_csv(SAMPLES / "contracts.csv"),
        config=load_routing_config(DEFAULT_CONFIG_PATH),
        default_language=default_language,
    )
    return decision.language, decision.explanation


@pytest.mark.parametrize("body", [JAPANESE, RUSSIAN, FEW_WORDS], ids=["ja", "ru", "few-words"])
def test_the_senders_registry_language_answers_what_the_text_does_not_tell(body: str) -> None:
    lang, why = language(plain(body, sender=FRENCH_CONTACT, subject="MC/2024/00871"))
    assert lang == "fr"
    assert any("registry language (MC/2024/00871)" in line for line in why), why
    assert language(plain(body, sender=ENGLISH_CONTACT, subject="AD-33-0912"))[0] == "en"


def test_the_mailbox_default_comes_next_and_the_config_default_last() -> None:
    mail = plain(RUSSIAN, sender=STRANGER, subject="Договор")
    assert language(mail, default_language="en")[0] == "en"
    assert language(mail)[0] == "nl"


def test_text_that_tells_still_decides() -> None:
    english = "Hello,\n\nCould you send me a copy of the contract, please?\n\nThanks\n"
    assert language(plain(english, sender=FRENCH_CONTACT), default_language="nl")[0] == "en"


def test_route_cli_takes_the_language_of_the_mailbox_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_dict("sqlite:///unused.db", tmp_path, host="imap.example", username="u")
    settings["mailboxes"][0]["language"] = "fr"
    config = write_config(tmp_path / "postkamer.toml", settings)
    mail = tmp_path / "ru.eml"
    mail.write_bytes(plain(RUSSIAN, sender=STRANGER, subject="Договор"))
    common = ["route", "--json", str(mail), "--registry", str(SAMPLES / "contracts.csv")]
    assert main(["--config", str(config), *common, "--mailbox", "support"]) == 0
    assert main(["--config", str(config), *common, "--mailbox", "other"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["language"] for line in lines] == ["fr", "nl"]


class _Mailbox:
    """Mail as one configured mailbox would deliver it, without a server: one batch."""

    def __init__(self, name: str, mails: dict[str, bytes]) -> None:
        self._name = name
        self._mails = [RawMail(data, name, ref) for ref, data in mails.items()]

    @property
    def name(self) -> str:
        return self._name

    @property
    def folder(self) -> str:
        return "INBOX"

    def fetch_batch(self, checkpoint: Checkpoint | None = None) -> Batch:
        mails, self._mails = self._mails, []
        return Batch(mails=mails)

    def acknowledge(self, batch: Batch) -> None:
        pass

    def wait_for_new(self, timeout: float, stop: threading.Event | None = None) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def support_settings(hostile_settings: Settings) -> Iterator[Settings]:
    box = MailboxSettings(name="support", host="imap.example", username="u", language="fr")
    yield hostile_settings.model_copy(update={"mailboxes": [box]})


@SQLITE_ONLY
def test_processing_answers_in_the_registry_then_the_mailbox_language(
    support_settings: Settings, engine: Engine, sample_registry: Registry
) -> None:
    with session_scope(engine) as session:
        import_contracts(session, sample_registry.values())
    mails = {
        "ru-stranger": plain(RUSSIAN, sender=STRANGER, subject="Договор"),
        "ja-contact": plain(JAPANESE, sender=ENGLISH_CONTACT, subject="AD-33-0912"),
        "en-stranger": plain("Hello, could you send me a copy of my contract?\n", sender=STRANGER),
    }
    processor = Processor(ProcessingContext.from_settings(support_settings), now=NOW)
    drain(
        engine,
        BlobStore(support_settings.storage.blobs),
        _Mailbox("support", mails),
        processor,
        checkpointed=False,
    )
    with Session(engine) as session:
        replies = {
            message_from_bytes(row.raw, policy=policy.default)["Subject"]: (
                row.to_address,
                message_from_bytes(row.raw, policy=policy.default)["Content-Language"],
            )
            for row in session.exec(select(OutboxRow))
        }
        tickets = {t.subject: t.language for t in session.exec(select(Ticket))}
    assert len(replies) == 3, replies
    by_subject = {subject.split(" [", 1)[0]: sent for subject, sent in replies.items()}
    assert by_subject["Re: AD-33-0912"] == ("mark.janssens@vdm-logistics.example.com", "en")
    assert by_subject["Re: Договор"] == ("ivan@example.org", "fr")  # the mailbox's language
    assert by_subject["Re: Vraag"] == ("ivan@example.org", "en")  # the text's
    assert tickets == {"AD-33-0912": "en", "Договор": "fr", "Vraag": "en"}


def test_mailbox_language_is_read_from_the_example_and_checked(tmp_path: Path) -> None:
    from postkamer.settings import SettingsError, load_settings

    example = load_settings(Path(__file__).resolve().parents[2] / "config/postkamer.example.toml")
    assert example.mailboxes[0].language == "nl"
    path = tmp_path / "s.toml"
    path.write_text('[[mailboxes]]\nname = "a"\nhost = "h"\nusername = "u"\nlanguage = "de"\n')
    with pytest.raises(SettingsError, match=r"mailboxes\.0\.language"):
        load_settings(path)
