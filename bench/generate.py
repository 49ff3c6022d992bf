"""Seeded generator of realistic contract-support mail for the benchmarks (issue 8).

`Corpus(seed)` invents a customer base (companies with Dutch, French or English contacts,
domains under example.be / example.com, and their contracts: maintenance, monthly licences,
Passport Advantage, addenda) and then `corpus.mail(i)` writes mail number `i`: hardware and
software questions, copy requests, cancellations (with and without contract number or
destruction confirmation, unknown numbers, senders who are not contacts), general questions,
replies with quoted history, out-of-office auto-replies, bounces (multipart/report) and
newsletters. 1-20 KB each; plain text, multipart/alternative or HTML only; about 10 % carry a
PDF or DOCX attachment with real extractable text. Mail `i` depends only on (seed, i), so any
subset or stream (the IDLE latency run) is reproducible.

`write_corpus(dir, count, seed)` writes `mails/NNNNN.eml`, `contracts.csv` (the registry,
DOMAIN.md section 5 columns) and `manifest.json` (kind, language, shape, attachment and
Message-ID per file). Next: `bench.run` puts the files into a Dovecot maildir and measures.

    python -m bench.generate --count 10000 --seed 8 --out bench/out/corpus
"""

from __future__ import annotations

import argparse
import base64
import csv
import functools
import io
import json
import quopri
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import docs
from bench import phrases as P

BRUSSELS = ZoneInfo("Europe/Brussels")
SUPPORT = "support@contracts.example.com"
OUR_DOMAIN = "contracts.example.com"

# kind -> weight (sums to 1)
KINDS: tuple[tuple[str, float], ...] = (
    ("hardware", 0.17),
    ("software", 0.14),
    ("copy", 0.12),
    ("cancel_monthly", 0.09),
    ("cancel_maintenance", 0.10),
    ("cancel_pa", 0.03),
    ("general", 0.10),
    ("auto_reply", 0.10),
    ("bounce", 0.05),
    ("newsletter", 0.10),
)
CUSTOMER_KINDS = frozenset(k for k, _ in KINDS if k not in {"auto_reply", "bounce", "newsletter"})
CONTRACT_KIND_FOR = {
    "cancel_monthly": "monthly_license",
    "cancel_maintenance": "maintenance",
    "cancel_pa": "passport_advantage",
}
ATTACHMENT_SHARE = 0.10
LANG_WEIGHTS = (("nl", 0.45), ("fr", 0.38), ("en", 0.17))
MIN_SIZE = 1024
MAX_SIZE = 20 * 1024


@dataclass(frozen=True, slots=True)
class Contract:
    number: str
    kind: str
    scope: str
    customer: str
    contacts: tuple[str, ...]
    start_date: date
    language: str


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    language: str
    city: str
    people: tuple[tuple[str, str], ...]  # (display name, address); the first ones are contacts
    contacts: int  # how many of `people` are registered contacts
    vat: str


@dataclass(frozen=True, slots=True)
class Mail:
    index: int
    name: str
    kind: str
    language: str
    shape: str  # plain | alternative | html
    attachment: str | None
    message_id: str
    data: bytes


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _slug(text: str) -> str:
    table = str.maketrans("éèêëàâäôöûüùçîïÉ", "eeeeaaaoouuuciiE")
    out = "".join(c if c.isalnum() else "-" for c in text.translate(table).lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def _number(rng: random.Random, kind: str) -> str:
    """A contract number in one of the house styles the registry holds."""
    d = rng.randint
    if kind == "passport_advantage":
        return f"{d(1000000, 9999999)}"
    if kind == "monthly_license":
        return rng.choice(
            [f"ML {d(100, 999)}-{d(100, 999)}", f"LIC-{d(10, 99)}-{d(1000, 9999)}",
             f"K{d(1, 9)}-{d(10, 99)}.{d(100, 999)}", f"FL-ML-{d(1000, 9999)}"]
        )
    if kind == "maintenance_addendum":
        return f"AD-{d(10, 99)}-{d(1000, 9999)}"
    return rng.choice(
        [f"HW-{d(1000, 9999)}-{d(1000, 9999)}", f"MC/{d(2018, 2025)}/{d(10000, 99999)}",
         f"SWM.{d(10000, 99999)}.{rng.choice('ABCDE')}", f"LJ {d(1000, 9999)}-A{d(10, 99)}",
         f"{d(10, 99)}-{d(1000, 9999)}-{d(10, 99)}"]
    )


class Corpus:
    """A customer base and the mails they send; everything follows from the seed."""

    def __init__(self, seed: int = 8, companies: int = 300) -> None:
        self.seed = seed
        rng = random.Random(f"bench-customers-{seed}")
        self.companies: list[Company] = []
        self.contracts: list[Contract] = []
        self.by_company: dict[str, list[Contract]] = {}
        seen: set[str] = set()
        for c in range(companies):
            lang = _pick(rng, LANG_WEIGHTS)
            surname = rng.choice(P.LAST_NAMES[lang])
            form = rng.choice(P.LEGAL_FORMS[lang])
            name = f"{rng.choice(P.COMPANY_KINDS[lang])} {surname} {form}"
            tld = "be" if lang != "en" or rng.random() < 0.5 else "com"
            domain = f"{_slug(name.rsplit(' ', 1)[0])}{c}.example.{tld}"
            people = []
            for _ in range(rng.randint(2, 4)):
                first, last = rng.choice(P.FIRST_NAMES[lang]), rng.choice(P.LAST_NAMES[lang])
                local = f"{_slug(first)}.{_slug(last)}".replace("-", "")
                people.append((f"{first} {last}", f"{local}@{domain}"))
            company = Company(
                name=name,
                domain=domain,
                language=lang,
                city=rng.choice(P.CITIES[lang]),
                people=tuple(people),
                contacts=max(1, len(people) - 1),
                vat=f"BE0{rng.randint(100, 999)}.{rng.randint(100, 999)}.{rng.randint(100, 999)}",
            )
            self.companies.append(company)
            own: list[Contract] = []
            for _ in range(rng.randint(1, 3)):
                kind = rng.choices(
                    ["maintenance", "monthly_license", "passport_advantage",
                     "maintenance_addendum"],
                    weights=[0.45, 0.3, 0.18, 0.07],
                )[0]
                number = _number(rng, kind)
                norm = "".join(ch for ch in number.upper() if ch.isalnum())
                if norm in seen:
                    continue
                seen.add(norm)
                scope = "hardware" if kind.startswith("maintenance") else "software"
                if kind == "maintenance" and rng.random() < 0.25:
                    scope = "software"
                start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 7 * 365))
                contacts = tuple(addr for _, addr in people[: company.contacts])
                own.append(Contract(number, kind, scope, name, contacts, start, lang))
            self.by_company[name] = own
            self.contracts.extend(own)
        self.holders: dict[str, list[Company]] = {}
        for company in self.companies:
            for kind in {c.kind for c in self.by_company[company.name]}:
                self.holders.setdefault(kind, []).append(company)

    # --- registry -----------------------------------------------------------------------------

    def registry_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["contract_number", "kind", "scope", "customer", "contacts", "start_date", "language"]
        )
        for c in self.contracts:
            writer.writerow(
                [c.number, c.kind, c.scope, c.customer, ";".join(c.contacts),
                 c.start_date.isoformat(), c.language]
            )
        return out.getvalue()

    # --- one mail -----------------------------------------------------------------------------

    def mail(self, index: int, when: datetime | None = None) -> Mail:
        """Mail number `index`. `when` overrides the generated Date (the latency stream)."""
        rng = random.Random(f"bench-mail-{self.seed}-{index}")
        kind = _pick(rng, KINDS)
        sent = when or _date(rng)
        target = int(min(MAX_SIZE, max(MIN_SIZE, 1024 * rng.lognormvariate(1.25, 0.65))))
        if kind == "auto_reply":
            return self._auto_reply(rng, index, sent)
        if kind == "bounce":
            return self._bounce(rng, index, sent, target)
        if kind == "newsletter":
            return self._newsletter(rng, index, sent, target)
        return self._customer(rng, index, kind, sent, target)

    def mails(self, count: int, start: int = 0) -> Iterator[Mail]:
        for i in range(start, start + count):
            yield self.mail(i)

    def _customer(
        self, rng: random.Random, index: int, kind: str, sent: datetime, target: int
    ) -> Mail:
        company = rng.choice(self.companies)
        wanted = CONTRACT_KIND_FOR.get(kind)
        if wanted and rng.random() < 0.85 and self.holders.get(wanted):
            company = rng.choice(self.holders[wanted])  # usually a customer who has one
        lang = company.language if rng.random() < 0.88 else rng.choice(P.LANGS)
        person = company.people[
            rng.randrange(company.contacts) if rng.random() < 0.9 else len(company.people) - 1
        ]
        contract = self._contract_for(rng, company, kind)
        number: str | None = contract.number if contract else None
        roll = rng.random()
        if roll < 0.05:
            number = _number(rng, CONTRACT_KIND_FOR.get(kind, "maintenance"))  # unknown
        elif roll < 0.12 and kind not in ("copy",):
            number = None
        if number is not None and rng.random() < 0.15:
            number = number.lower()
        slots = _slots(rng, lang, company, number)
        templates = P.REQUESTS[kind][lang]
        if number is None:
            templates = [t for t in templates if "{number}" not in t] or templates
            slots["number"] = ""
        request = rng.choice(templates).format(**slots)
        subject_t = rng.choice(P.SUBJECTS[kind][lang])
        if number is None and "{number}" in subject_t:
            subject_t = P.SUBJECTS[kind][lang][-1]
        subject = subject_t.format(**slots).replace("  ", " ").strip()
        attachment = None
        wants_attachment = rng.random() < ATTACHMENT_SHARE / 0.76  # customer share of all mail
        if wants_attachment:
            attachment = "destruction" if kind == "cancel_monthly" else "other"
        reply = rng.random() < 0.22
        if reply:
            subject = rng.choice({"nl": ["Re: ", "RE: ", "Antw: "], "fr": ["RE : ", "Re: "],
                                  "en": ["Re: ", "RE: "]}[lang]) + subject
        greeting = rng.choice(P.GREETINGS[lang])
        closing = rng.choice(P.CLOSINGS[lang])
        signature = _signature(rng, person[0], company, lang)
        paragraphs = [greeting, request]
        if rng.random() < 0.4:
            paragraphs.append(rng.choice(P.HISTORY[lang]))
        paragraphs.append(closing + "\n\n" + signature)
        if rng.random() < 0.5:
            paragraphs.append(P.DISCLAIMERS[lang])
        shape = rng.choices(["plain", "alternative", "html"], weights=[0.55, 0.33, 0.12])[0]
        host = f"mail.{company.domain}"
        msgid = f"<{sent:%Y%m%d%H%M%S}.{index:05d}.{rng.getrandbits(40):010x}@{host}>"
        headers = _envelope_headers(rng, person, company, sent, msgid, subject, lang)
        if reply:
            parent = f"<{rng.getrandbits(64):016x}@{host}>"
            headers += [("In-Reply-To", parent), ("References", parent)]
        attach_part: tuple[str, str, bytes] | None = None
        if attachment is not None:
            attach_part = _attachment(rng, attachment, lang, slots)
        bare = "\n\n".join(paragraphs)
        data = _assemble(rng, headers, bare, shape, attach_part)
        base_len = len(data)
        if base_len < target:
            history = _history(rng, lang, MAX_SIZE, sent, company)
            factor = {"plain": 1.05, "alternative": 2.8, "html": 1.8}[shape]
            room = int((target - base_len) / factor)
            for _ in range(4):  # more or less quoted history until the size fits
                data = _assemble(rng, headers, bare + "\n\n" + history[:room], shape, attach_part)
                if abs(len(data) - target) < 256 and len(data) <= MAX_SIZE:
                    break
                factor = max(1.0, (len(data) - base_len) / max(room, 1))
                room = max(0, int((target - base_len) / factor))
            while len(data) > MAX_SIZE and room > 0:
                room = int(room * 0.9)
                data = _assemble(rng, headers, bare + "\n\n" + history[:room], shape, attach_part)
        return Mail(
            index, f"{index:05d}.eml", kind, lang, shape,
            attach_part[0] if attach_part else None, msgid, data,
        )

    def _contract_for(self, rng: random.Random, company: Company, kind: str) -> Contract | None:
        own = self.by_company.get(company.name, [])
        wanted = CONTRACT_KIND_FOR.get(kind)
        if kind == "hardware":
            match = [c for c in own if c.scope == "hardware"]
        elif kind == "software":
            match = [c for c in own if c.scope == "software"]
        elif wanted:
            match = [c for c in own if c.kind == wanted]
        else:
            match = list(own)
        if match:
            return rng.choice(match)
        if wanted:  # someone else's contract of that kind: the sender is no contact of it
            others = [c for c in self.contracts if c.kind == wanted]
            return rng.choice(others) if others else None
        return rng.choice(own) if own else None

    def _auto_reply(self, rng: random.Random, index: int, sent: datetime) -> Mail:
        company = rng.choice(self.companies)
        lang = company.language
        person = rng.choice(company.people)
        subjects, body = P.AUTO_REPLY[lang]
        back = sent.date() + timedelta(days=rng.randint(2, 21))
        colleague = company.people[0]
        subject = rng.choice(subjects).format(subject=P.ACK_SUBJECTS[lang])
        text = "\n\n".join(
            [
                rng.choice(P.GREETINGS[lang]),
                body.format(
                    date=_long_date(back, lang), colleague=f"{colleague[0]} ({colleague[1]})"
                ),
                rng.choice(P.CLOSINGS[lang]) + "\n" + person[0],
                P.DISCLAIMERS[lang],
            ]
        )
        host = f"mail.{company.domain}"
        msgid = f"<{sent:%Y%m%d%H%M%S}.{index:05d}.{rng.getrandbits(40):010x}@{host}>"
        headers = _envelope_headers(rng, person, company, sent, msgid, subject, lang)
        ours = f"<ack-{rng.getrandbits(48):012x}@{OUR_DOMAIN}>"
        headers.append(("In-Reply-To", ours))
        style = rng.random()
        if style < 0.6:
            headers.append(("Auto-Submitted", "auto-replied"))
        if style > 0.3:
            headers.append(("X-Auto-Response-Suppress", "All"))
        if style > 0.85:
            headers.append(("Precedence", "auto_reply"))
        shape = "plain" if rng.random() < 0.7 else "alternative"
        data = _assemble(rng, headers, text, shape, None)
        return Mail(index, f"{index:05d}.eml", "auto_reply", lang, shape, None, msgid, data)

    def _bounce(self, rng: random.Random, index: int, sent: datetime, target: int) -> Mail:
        company = rng.choice(self.companies)
        gone = f"{_slug(rng.choice(P.FIRST_NAMES[company.language]))}.old@{company.domain}"
        qid = f"{rng.getrandbits(40):010X}"
        msgid = f"<{sent:%Y%m%d%H%M%S}.{qid}@mx1.{OUR_DOMAIN}>"
        ours = f"<ack-{rng.getrandbits(48):012x}@{OUR_DOMAIN}>"
        boundary = f"----=_Part_{rng.getrandbits(32)}_{index}"
        date = format_datetime(sent)
        notice = (
            f"This is the mail system at host mx1.{OUR_DOMAIN}.\r\n\r\n"
            "I'm sorry to have to inform you that your message could not\r\n"
            "be delivered to one or more recipients. It's attached below.\r\n\r\n"
            f"<{gone}>: host mx.{company.domain}[203.0.113.{rng.randint(1, 254)}] said:\r\n"
            f"    550 5.1.1 <{gone}>: Recipient address rejected: User unknown\r\n"
        )
        status = (
            f"Reporting-MTA: dns; mx1.{OUR_DOMAIN}\r\nX-Postfix-Queue-ID: {qid}\r\n"
            f"Arrival-Date: {date}\r\n\r\nFinal-Recipient: rfc822; {gone}\r\n"
            f"Original-Recipient: rfc822;{gone}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            f"Remote-MTA: dns; mx.{company.domain}\r\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{gone}>: Recipient address rejected\r\n"
        )
        lang = company.language
        # the returned mail is one of our replies, which go out 7-bit (quoted-printable)
        original_body = _qp(rng.choice(P.HISTORY[lang]) + "\n\n" + P.DISCLAIMERS[lang])
        returned = (
            f"Return-Path: <{SUPPORT}>\r\nFrom: Contract Support <{SUPPORT}>\r\nTo: {gone}\r\n"
            f"Subject: {_hdr(P.ACK_SUBJECTS[lang])}\r\nDate: {date}\r\nMessage-ID: {ours}\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
        )
        full_return = rng.random() < 0.5
        last_type = "message/rfc822" if full_return else "text/rfc822-headers"
        last = returned + ("\r\n" + original_body + "\r\n" if full_return else "")
        while full_return and len(last) < target - 2000:
            last += _qp(rng.choice(P.HISTORY[lang])) + "\r\n"
        head = (
            "Return-Path: <>\r\n"
            f"Received: by mx1.{OUR_DOMAIN} (Postfix) id {qid}; {date}\r\n"
            f"From: Mail Delivery System <MAILER-DAEMON@mx1.{OUR_DOMAIN}>\r\n"
            f"To: {SUPPORT}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {date}\r\nMessage-ID: {msgid}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type="delivery-status";\r\n'
            f' boundary="{boundary}"\r\n\r\n'
        )
        body = (
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Description: Notification\r\n\r\n{notice}\r\n"
            f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n{status}\r\n"
            f"--{boundary}\r\nContent-Type: {last_type}\r\n\r\n{last}\r\n--{boundary}--\r\n"
        )
        data = (head + body).encode("utf-8")
        return Mail(index, f"{index:05d}.eml", "bounce", "en", "report", None, msgid, data)

    def _newsletter(self, rng: random.Random, index: int, sent: datetime, target: int) -> Mail:
        lang = _pick(rng, LANG_WEIGHTS)
        vendor = rng.choice(["printservice", "machinehandel", "softwarehuis", "office-supply"])
        domain = f"news.{vendor}.example.com"
        subjects, teaser = P.NEWSLETTER[lang]
        slots = {
            "month": P.MONTHS[lang][sent.month - 1],
            "city": rng.choice(P.CITIES[lang]),
            "machine": rng.choice(P.MACHINES),
        }
        subject = rng.choice(subjects).format(**slots)
        paragraphs = [teaser.format(**slots)]
        while sum(len(p) for p in paragraphs) * 2.6 < target - 1500:
            paragraphs.append(rng.choice(P.HISTORY[lang]) + " " + teaser.format(**slots))
        text = "\n\n".join(paragraphs)
        msgid = f"<nl.{sent:%Y%m%d}.{index:05d}.{rng.getrandbits(32):08x}@{domain}>"
        headers = [
            ("Return-Path", f"<bounce-{rng.getrandbits(32):08x}@{domain}>"),
            ("From", f"{vendor.title()} <newsletter@{domain}>"),
            ("To", SUPPORT),
            ("Subject", _hdr(subject)),
            ("Date", format_datetime(sent)),
            ("Message-ID", msgid),
            ("List-Id", f"<news.{vendor}.example.com>"),
            ("List-Unsubscribe", f"<https://{domain}/u/{rng.getrandbits(40):x}>"),
            ("Precedence", "bulk") if rng.random() < 0.6 else ("X-Mailer", "BulkSender 4.2"),
            ("MIME-Version", "1.0"),
        ]
        attach_part = None
        if rng.random() < 0.05:
            attach_part = (
                "brochure.pdf", "application/pdf", docs.pdf(teaser.format(**slots))
            )
        shape = "alternative" if rng.random() < 0.8 else "html"
        data = _assemble(rng, headers, text, shape, attach_part)
        return Mail(
            index, f"{index:05d}.eml", "newsletter", lang, shape,
            attach_part[0] if attach_part else None, msgid, data,
        )


# --- pieces -----------------------------------------------------------------------------------


def _date(rng: random.Random) -> datetime:
    day = date(2026, 1, 5) + timedelta(days=rng.randint(0, 320))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(
        day.year, day.month, day.day, rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59),
        tzinfo=BRUSSELS,
    )


def _long_date(day: date, lang: str) -> str:
    return f"{day.day} {P.MONTHS[lang][day.month - 1]} {day.year}"


def _slots(
    rng: random.Random, lang: str, company: Company, number: str | None
) -> dict[str, str]:
    end = date(2026, rng.randint(1, 12), 1) + timedelta(days=rng.randint(0, 27))
    style = rng.random()
    if style < 0.4:
        when = end.strftime("%d/%m/%Y")
    elif style < 0.7:
        when = _long_date(end, lang)
    elif style < 0.85:
        when = end.isoformat()
    else:
        when = end.strftime("%d-%m-%Y")
    return {
        "number": number or "",
        "machine": rng.choice(P.MACHINES),
        "product": rng.choice(P.PRODUCTS),
        "date": when,
        "city": company.city,
        "company": company.name,
        "year": str(rng.randint(2018, 2024)),
        "destroyed": rng.choice(P.DESTROYED[lang]),
    }


def _signature(rng: random.Random, name: str, company: Company, lang: str) -> str:
    title = {
        "nl": ["Zaakvoerder", "Office manager", "Boekhouding", "Technisch verantwoordelijke"],
        "fr": ["Gérant", "Responsable administratif", "Comptabilité", "Responsable technique"],
        "en": ["Operations manager", "IT manager", "Finance", "Office manager"],
    }[lang]
    street = rng.choice(["Kerkstraat", "Rue de la Gare", "Industrielaan", "Avenue Louise",
                         "Stationsstraat", "Chaussée de Namur"])
    phone = f"+32 {rng.randint(2, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} " \
            f"{rng.randint(10, 99)}"
    return (
        f"{name}\n{rng.choice(title)}\n{company.name}\n{street} {rng.randint(1, 220)}, "
        f"{rng.randint(1000, 9990)} {company.city}\nT {phone}\nBTW/TVA {company.vat}"
    )


def _history(
    rng: random.Random, lang: str, room: int, sent: datetime, company: Company
) -> str:
    """Quoted earlier turns of the thread, about `room` characters."""
    out: list[str] = []
    size = 0
    depth = 1
    when = sent
    for _ in range(60):
        if size >= room:
            break
        when -= timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 5))
        who = rng.choice(company.people)
        header = P.QUOTE_HEADERS[lang].format(
            date=format_datetime(when), name=who[0], email=who[1]
        )
        turn = [header] + [
            ">" * depth + " " + line
            for para in rng.sample(P.HISTORY[lang], k=min(3, len(P.HISTORY[lang])))
            for line in (*_wrap_cached(para, 72), "")
        ]
        block = "\n".join(turn)
        out.append(block)
        size += len(block)
        depth = min(depth + 1, 4)
    return "\n\n".join(out)[: max(room, 0)]


@functools.lru_cache(maxsize=4096)
def _wrap_cached(text: str, width: int) -> tuple[str, ...]:
    return tuple(_wrap(text, width))


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _hdr(value: str) -> str:
    """A header value, RFC 2047-encoded when it is not ASCII."""
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return Header(value, "utf-8").encode(maxlinelen=76, linesep="\r\n")


def _address(name: str, addr: str) -> str:
    try:
        name.encode("ascii")
        return f'"{name}" <{addr}>' if "," in name else f"{name} <{addr}>"
    except UnicodeEncodeError:
        return f"{Header(name, 'utf-8').encode()} <{addr}>"


def _envelope_headers(
    rng: random.Random,
    person: tuple[str, str],
    company: Company,
    sent: datetime,
    msgid: str,
    subject: str,
    lang: str,
) -> list[tuple[str, str]]:
    received = sent + timedelta(seconds=rng.randint(1, 9))
    headers = [
        ("Return-Path", f"<{person[1]}>"),
        (
            "Received",
            f"from mail.{company.domain} (mail.{company.domain} [192.0.2."
            f"{rng.randint(1, 254)}])\r\n by mx1.{OUR_DOMAIN} (Postfix) with ESMTPS id "
            f"{rng.getrandbits(40):010X}\r\n for <{SUPPORT}>; {format_datetime(received)}",
        ),
        ("From", _address(*person)),
        ("To", SUPPORT),
        ("Subject", _hdr(subject)),
        ("Date", format_datetime(sent)),
        ("Message-ID", msgid),
        ("MIME-Version", "1.0"),
    ]
    if rng.random() < 0.4:
        headers.append(("Content-Language", {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}[lang]))
    if rng.random() < 0.15:
        colleague = rng.choice(company.people)
        headers.insert(4, ("Cc", _address(*colleague)))
    return headers


def _attachment(
    rng: random.Random, what: str, lang: str, slots: dict[str, str]
) -> tuple[str, str, bytes]:
    name = rng.choice(P.ATTACHMENT_NAMES[what][lang])
    text = P.ATTACHMENT_TEXT[what][lang].format(**slots)
    if what == "other" and rng.random() < 0.4:
        name = "scan_001.pdf" if name.endswith(".pdf") else name  # neutral name, text inside
    if name.endswith(".pdf"):
        return name, "application/pdf", docs.pdf(text)
    return (
        name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docs.docx(text),
    )


def _html(text: str) -> str:
    blocks = []
    for para in text.split("\n\n"):
        inner = "<br>\n".join(escape(line) for line in para.split("\n"))
        if para.startswith(">") or "\n>" in para:
            blocks.append(f'<blockquote style="border-left:2px solid #ccc">{inner}</blockquote>')
        else:
            blocks.append(f'<p class="MsoNormal">{inner}<o:p></o:p></p>')
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<style><!-- p.MsoNormal {margin:0cm;font-size:11.0pt;font-family:Calibri,sans-serif;}"
        " --></style></head><body><div class=\"WordSection1\">\n"
        + "\n".join(blocks)
        + "\n</div></body></html>"
    )


def _qp(text: str) -> str:
    raw = text.encode("utf-8").replace(b"\n", b"\r\n")
    return quopri.encodestring(raw).decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")


def _text_part(subtype: str, text: str, rng: random.Random) -> str:
    charset = "utf-8"
    if subtype == "plain" and rng.random() < 0.15:
        try:
            raw = text.encode("iso-8859-1")
            charset = "iso-8859-1"
        except UnicodeEncodeError:
            raw = text.encode("utf-8")
    else:
        raw = text.encode("utf-8")
    raw = raw.replace(b"\n", b"\r\n")
    if rng.random() < 0.15:
        body = base64.encodebytes(raw).decode("ascii").replace("\n", "\r\n")
        cte = "base64"
    else:
        body = quopri.encodestring(raw).decode("ascii").replace("\r\r\n", "\r\n")
        body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        cte = "quoted-printable"
    return (
        f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {cte}\r\n\r\n{body}"
    )


def _assemble(
    rng: random.Random,
    headers: list[tuple[str, str]],
    text: str,
    shape: str,
    attachment: tuple[str, str, bytes] | None,
) -> bytes:
    tag = f"{rng.getrandbits(64):016X}"
    if shape == "plain":
        body = _text_part("plain", text, rng)
    elif shape == "html":
        body = _text_part("html", _html(text), rng)
    else:
        alt = f"_000_{tag}_"
        body = (
            f'Content-Type: multipart/alternative;\r\n boundary="{alt}"\r\n\r\n'
            f"--{alt}\r\n{_text_part('plain', text, rng)}\r\n"
            f"--{alt}\r\n{_text_part('html', _html(text), rng)}\r\n--{alt}--\r\n"
        )
    if attachment is not None:
        name, ctype, payload = attachment
        mixed = f"_004_{tag}_"
        encoded = base64.encodebytes(payload).decode("ascii").replace("\n", "\r\n")
        body = (
            f'Content-Type: multipart/mixed;\r\n boundary="{mixed}"\r\n\r\n'
            f"--{mixed}\r\n{body}\r\n"
            f'--{mixed}\r\nContent-Type: {ctype}; name="{name}"\r\n'
            f'Content-Description: {name}\r\nContent-Disposition: attachment; filename="{name}";'
            f" size={len(payload)}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            f"{encoded}\r\n--{mixed}--\r\n"
        )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return (head + body).encode("ascii", "strict")


# --- files ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    count: int
    seed: int
    kinds: dict[str, int]
    languages: dict[str, int]
    shapes: dict[str, int]
    attachments: int
    bytes_total: int
    bytes_min: int
    bytes_max: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def summarize(mails: list[Mail], seed: int) -> Manifest:
    sizes = [len(m.data) for m in mails]
    return Manifest(
        count=len(mails),
        seed=seed,
        kinds=dict(Counter(m.kind for m in mails).most_common()),
        languages=dict(Counter(m.language for m in mails).most_common()),
        shapes=dict(Counter(m.shape for m in mails).most_common()),
        attachments=sum(1 for m in mails if m.attachment),
        bytes_total=sum(sizes),
        bytes_min=min(sizes, default=0),
        bytes_max=max(sizes, default=0),
    )


def fingerprint(count: int, seed: int) -> str:
    """What a written corpus depends on: size, seed and the generator's own source."""
    import hashlib

    digest = hashlib.sha256(f"{count}:{seed}".encode())
    for name in ("generate.py", "phrases.py", "docs.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_corpus(out: Path, count: int, seed: int = 8) -> bool:
    """Write the corpus unless `out` already holds exactly this one; True if written."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        if data.get("fingerprint") == fingerprint(count, seed) and len(
            list((out / "mails").glob("*.eml"))
        ) == count:
            return False
    except (OSError, ValueError):
        pass
    write_corpus(out, count, seed)
    return True


def write_corpus(out: Path, count: int, seed: int = 8) -> Manifest:
    """Write `count` mails, the registry and a manifest under `out` (replacing a previous set)."""
    corpus = Corpus(seed)
    mails_dir = out / "mails"
    mails_dir.mkdir(parents=True, exist_ok=True)
    for old in mails_dir.glob("*.eml"):
        old.unlink()
    mails = list(corpus.mails(count))
    for mail in mails:
        (mails_dir / mail.name).write_bytes(mail.data)
    (out / "contracts.csv").write_text(corpus.registry_csv(), encoding="utf-8")
    manifest = summarize(mails, seed)
    files = [
        {"file": m.name, "kind": m.kind, "language": m.language, "shape": m.shape,
         "attachment": m.attachment, "message_id": m.message_id, "size": len(m.data)}
        for m in mails
    ]
    (out / "manifest.json").write_text(
        json.dumps(
            {"fingerprint": fingerprint(count, seed), "summary": manifest.to_json(),
             "files": files},
            indent=1,
        ),
        encoding="utf-8",
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/out/corpus"))
    args = parser.parse_args(argv)
    manifest = write_corpus(args.out, args.count, args.seed)
    print(json.dumps(manifest.to_json(), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
