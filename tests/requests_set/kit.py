"""Building blocks for the mails of the requests set (used by `build.py` only).

Raw RFC 5322 / MIME is assembled with the standard library: headers in the order a receiving
desk sees them (the desk MX's Authentication-Results first), Outlook, Gmail and Thunderbird
habits (Thread-Index, quoted headers, '>' quoting), HTML-only Word markup, and attachments:
text PDFs written by hand (one page, Helvetica, WinAnsi), image-only PDFs around a JPEG scan,
and DOCX forms. Nothing here decides anything: the labels are written by hand in `build.py`.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = ZoneInfo("UTC")
DESK_MX = "mx.contracts.example.com"
SUPPORT = "support@contracts.example.com"


def at(y: int, mo: int, d: int, h: int, mi: int, s: int = 17, *, utc: bool = False) -> datetime:
    """A wall-clock moment in Brussels (or in UTC with `utc=True`)."""
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC if utc else BRUSSELS)


def _h(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- sender proof ------------------------------------------------------------------------------


def auth_header(kind: str | None, domain: str) -> tuple[str, str | None]:
    """(sender_proof status a careful desk derives, Authentication-Results value or None).

    kinds: "pass" (desk MX, dmarc=pass), "dkim" (desk MX, dmarc=none but dkim=pass signed by
    the From domain itself), "esp" (desk MX, dkim=pass by an unrelated mailing service, dmarc
    none), "fail" (desk MX, dmarc=fail), "foreign" (the sender's own server claims dmarc=pass;
    no header from the desk MX), None (no header at all)."""
    if kind == "pass":
        return "proven", (
            f"{DESK_MX}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
            f"dmarc=pass header.from={domain}"
        )
    if kind == "dkim":
        return "proven", (
            f"{DESK_MX}; spf=softfail smtp.mailfrom=bounce.mailrelay.example.net; "
            f"dkim=pass header.d={domain} header.s=sel1; dmarc=none header.from={domain}"
        )
    if kind == "esp":
        return "unproven", (
            f"{DESK_MX}; spf=pass smtp.mailfrom=bounces.esp-mailing.example.net; "
            f"dkim=pass header.d=esp-mailing.example.net header.s=k1; "
            f"dmarc=none header.from={domain}"
        )
    if kind == "fail":
        return "failed", (
            f"{DESK_MX}; spf=fail smtp.mailfrom=bulk-relay.example.net; dkim=none; "
            f"dmarc=fail (p=QUARANTINE) header.from={domain}"
        )
    if kind == "foreign":
        return "unproven", (
            f"mail.{domain}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain}; "
            f"dmarc=pass header.from={domain}"
        )
    if kind is None:
        return "unproven", None
    raise ValueError(kind)


# --- text helpers ------------------------------------------------------------------------------


def quote(text: str) -> str:
    """'>'-quote every line (Gmail/Thunderbird style)."""
    return "\n".join(("> " + line) if line else ">" for line in text.strip("\n").split("\n"))


OUTLOOK_QUOTE_LABELS = {
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp"),
    "fr": ("De", "Envoyé", "À", "Objet"),
    "en": ("From", "Sent", "To", "Subject"),
}


def outlook_quote(lang: str, frm: str, sent: str, to: str, subject: str, body: str) -> str:
    """The block Outlook puts under a reply or forward (no '>' quoting)."""
    f, s, t, o = OUTLOOK_QUOTE_LABELS[lang]
    sep = " :" if lang == "fr" else ":"
    return (
        "________________________________\n"
        f"{f}{sep} {frm}\n{s}{sep} {sent}\n{t}{sep} {to}\n{o}{sep} {subject}\n\n{body.strip()}\n"
    )


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def outlook_html(paragraphs: list[str], lang: str = "NL-BE") -> str:
    """HTML-only mail as Outlook for Windows writes it. Each paragraph is HTML already
    (use `esc` on plain text); an empty string gives an empty line."""
    body = "\n".join(
        f"<p class=MsoNormal>{p or '&nbsp;'}<o:p></o:p></p>" if not p.startswith("<table") else p
        for p in paragraphs
    )
    return (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        "<style><!--\n"
        "@font-face {font-family:Calibri; panose-1:2 15 5 2 2 2 4 3 2 4;}\n"
        "p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; "
        'font-family:"Calibri",sans-serif;}\n'
        "span.EmailStyle17 {mso-style-type:personal-compose;}\n"
        "@page WordSection1 {size:612.0pt 792.0pt; margin:70.85pt 70.85pt 70.85pt 70.85pt;}\n"
        "div.WordSection1 {page:WordSection1;}\n"
        "--></style>\n</head>\n"
        f'<body lang={lang} link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
        f"<div class=WordSection1>\n{body}\n</div>\n</body>\n</html>\n"
    )


def table(rows: list[tuple[str, ...]], *, border: bool = True) -> str:
    """An Outlook table; cells are HTML already."""
    style = "border:solid #A6A6A6 1.0pt;padding:0cm 5.4pt 0cm 5.4pt" if border else ""
    out = [
        "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 "
        'style="border-collapse:collapse;border:none">'
    ]
    for row in rows:
        out.append("<tr>")
        for cell in row:
            out.append(
                f'<td width=240 valign=top style="width:180.0pt;{style}">'
                f"<p class=MsoNormal>{cell}<o:p></o:p></p></td>"
            )
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


# --- attachments -------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_text(lines: list[str], producer: str = "Microsoft: Print To PDF") -> bytes:
    """A one-page A4 PDF whose text a PDF reader extracts line by line."""
    ops = [b"BT /F1 11 Tf 56 780 Td 15 TL"]
    for line in lines:
        if line.startswith("# "):
            ops.append(b"/F2 14 Tf " + _pdf_string(line[2:]) + b" Tj T* T* /F1 11 Tf")
        else:
            ops.append(_pdf_string(line) + b" Tj T*")
    ops.append(b"ET")
    stream = b"\n".join(ops)
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
            b"/Encoding /WinAnsiEncoding >>",
            f"<< /Producer ({producer}) >>".encode(),
        ]
    )


def pdf_scan(jpeg: bytes, width: int, height: int) -> bytes:
    """An image-only PDF (what a copier's scan-to-mail makes): no text to extract."""
    stream = b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q"
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R "
            b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode "
            f"/Length {len(jpeg)} >>\nstream\n".encode()
            + jpeg
            + b"\nendstream",
            b"<< /Producer (KONICA MINOLTA bizhub C300i) >>",
        ]
    )


def docx_form(title: str, intro: str, rows: list[tuple[str, str]], footer: str) -> bytes:
    """A Word form (title, a paragraph, a two-column table of fields, a closing line)."""
    import docx  # python-docx, a project dependency

    document = docx.Document()
    props = document.core_properties
    props.author = "Contract Support"
    props.created = datetime(2024, 1, 8, 9, 0)
    props.modified = datetime(2024, 1, 8, 9, 0)
    document.add_heading(title, level=1)
    document.add_paragraph(intro)
    grid = document.add_table(rows=0, cols=2)
    for left, right in rows:
        cells = grid.add_row().cells
        cells[0].text = left
        cells[1].text = right
    document.add_paragraph(footer)
    saved = io.BytesIO()
    document.save(saved)
    out = io.BytesIO()  # the same zip with fixed entry times: the same bytes on every build
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=(2024, 1, 8, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(item.filename))
    return out.getvalue()


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # "application/pdf"
    inline: bool = False


# --- scanned images (drawn once with Pillow, kept in assets/) -----------------------------------


def draw_assets(folder: Path) -> None:  # pragma: no cover - needs Pillow, run by hand
    """Draws the scanned images of the set into `folder` (needs Pillow)."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font_dir = Path("/usr/share/fonts/truetype")
    regular = next(font_dir.rglob("DejaVuSans.ttf"))
    bold = next(font_dir.rglob("DejaVuSans-Bold.ttf"))
    rng = random.Random(7)
    folder.mkdir(exist_ok=True)

    def page(lines: list[str], size: tuple[int, int], shade: int) -> Image.Image:
        img = Image.new("L", size, shade)
        draw = ImageDraw.Draw(img)
        y = 140
        for line in lines:
            big = line.startswith("# ")
            font = ImageFont.truetype(str(bold if big else regular), 44 if big else 30)
            draw.text((110, y), line[2:] if big else line, fill=25, font=font)
            y += 80 if big else 50
        # a signature: a few strokes under the last line
        pts = [(160 + i * 14, y + 40 + int(18 * rng.random())) for i in range(22)]
        draw.line(pts, fill=30, width=3)
        return img

    nl = page(
        [
            "# VERNIETIGINGSATTEST",
            "Klant: Tandartsenpraktijk De Smet",
            "Groenplaats 4, 8400 Oostende",
            "Contract: ML/2024/0099 (maandelijkse licentie)",
            "",
            "Hierbij bevestigen wij dat alle kopieën van de",
            "software vernietigd werden, ook de back-ups.",
            "",
            "Datum: 06/05/2026",
            "Naam: Dr. Eva De Smet",
            "Handtekening:",
        ],
        (1240, 1754),
        244,
    ).rotate(0.6, fillcolor=244, expand=False)
    nl.save(folder / "scan-attest-nl.jpg", quality=70)

    en = page(
        [
            "# CERTIFICATE OF DESTRUCTION",
            "Licence NX-2210-ML - Nexora Consulting BV",
            "",
            "We certify that all copies of the software,",
            "including backups, have been destroyed.",
            "",
            "Date: 11/06/2026",
            "Signed: Karen Janssen, CFO",
        ],
        (1240, 1400),
        225,
    ).rotate(-1.8, fillcolor=120, expand=True)
    en = en.filter(ImageFilter.GaussianBlur(0.8))
    en.save(folder / "photo-certificate-en.jpg", quality=60)

    fr = page(
        [
            "# ATTESTATION DE DESTRUCTION",
            "Client : Transports Wauters SA",
            "Licence : LOG-ML-5561",
            "Nous attestons que toutes les copies ont été détruites.",
            "Signature :",
        ],
        (1240, 1754),
        150,
    )
    fr = fr.resize((90, 127)).resize((620, 877)).filter(ImageFilter.GaussianBlur(5))
    fr = fr.point(lambda v: 60 + v // 4)
    fr.save(folder / "scan-illisible.jpg", quality=25)


# --- the mail ----------------------------------------------------------------------------------


@dataclass
class Mail:
    name: str
    frm: str  # 'Name <addr>'
    subject: str
    when: datetime
    text: str | None = None
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    auth: str | None = "pass"
    to: str = SUPPORT
    cc: str | None = None
    client: str = "outlook"  # outlook | gmail | thunderbird | apple | webmail
    in_reply_to: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    return_path: str | None = None
    raw: bytes | None = None  # a mail built by hand (bounces)
    label: dict[str, object] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.frm.split("<")[-1].rstrip(">").strip().lower()

    @property
    def domain(self) -> str:
        return self.address.split("@", 1)[1]

    @property
    def received(self) -> date:
        return self.when.astimezone(BRUSSELS).date()

    @property
    def proof(self) -> str:
        return auth_header(self.auth, self.domain)[0]

    def message_id(self) -> str:
        h = _h(self.name, "mid").upper()
        if self.client == "outlook":
            region = int(h[30], 16) % 8 + 1
            host = f"AM9PR{h[:2]}MB{h[2:6]}.eurprd0{region}.prod.outlook.example.com"
            return f"<AM9PR{h[:2]}MB{h[2:6]}{h[6:30]}@{host}>"
        if self.client == "gmail":
            return f"<CA{_h(self.name, 'g')[:40]}+{h[:6]}@mail.gmail.example.com>"
        return f"<{h[:8].lower()}-{h[8:12].lower()}-{h[12:16].lower()}@{self.domain}>"

    def build(self) -> bytes:
        if self.raw is not None:
            return self.raw
        msg = EmailMessage(policy=default)
        _, auth = auth_header(self.auth, self.domain)
        if auth:
            msg["Authentication-Results"] = auth
        msg["Return-Path"] = self.return_path or f"<{self.address}>"
        relay = {
            "outlook": f"{self.domain.replace('.', '-')}.mail.protection.outlook.example.com",
            "gmail": "mail-sor-f41.google.example.com",
        }.get(self.client, f"mail.{self.domain}")
        h = _h(self.name, "rcv")
        ip = f"198.51.100.{int(h[:2], 16) % 250 + 2}"
        stamp = format_datetime(self.when.astimezone(BRUSSELS) + timedelta(seconds=3))
        msg["Received"] = (
            f"from {relay} ({relay} [{ip}]) by mx1.contracts.example.com (Postfix) with ESMTPS "
            f"id {h[2:12].upper()} for <{SUPPORT}>; {stamp}"
        )
        msg["From"] = self.frm
        msg["To"] = self.to
        if self.cc:
            msg["Cc"] = self.cc
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(self.when)
        msg["Message-ID"] = self.message_id()
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
            msg["References"] = self.in_reply_to
        if self.client == "outlook":
            msg["Thread-Topic"] = self.subject.split(": ", 1)[-1]
            msg["Thread-Index"] = "AQH" + _h(self.name, "ti")[:24] + "=="
            msg["Accept-Language"] = "nl-BE, fr-BE, en-US"
            msg["X-MS-Has-Attach"] = "yes" if self.attachments else ""
            msg["X-MS-TNEF-Correlator"] = ""
        elif self.client == "thunderbird":
            msg["User-Agent"] = "Mozilla Thunderbird"
        elif self.client == "apple":
            msg["X-Mailer"] = "iPhone Mail (21F90)"
        for key, value in self.extra:
            msg[key] = value
        if self.text is not None and self.html is not None:
            msg.set_content(self.text, cte="quoted-printable")
            msg.add_alternative(self.html, subtype="html", cte="quoted-printable")
        elif self.html is not None:
            msg.set_content(self.html, subtype="html", cte="quoted-printable")
        else:
            msg.set_content(self.text or "", cte="quoted-printable")
        for att in self.attachments:
            maintype, subtype = att.mime.split("/", 1)
            msg.add_attachment(
                att.data,
                maintype=maintype,
                subtype=subtype,
                filename=att.filename,
                disposition="inline" if att.inline else "attachment",
            )
        for index, part in enumerate(msg.walk()):
            if part.is_multipart():  # fixed boundaries: the same bytes on every build
                part.set_boundary(f"----=_NextPart_{_h(self.name, str(index))[:28]}")
        policy = SMTP if self.client == "outlook" else default
        return msg.as_bytes(policy=policy)


# --- DOMAIN.md section 4, written independently of the product, to check hand labels ---------


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def policy_of(
    kind: str,
    start: date,
    received: date,
    requested: date | None,
    *,
    destroyed: bool,
    out_of_use: bool,
    registered: bool,
    proven: bool,
    breach: bool = False,
) -> tuple[str, date | None, date | None]:
    """Steps 3-5 of section 4 with the proof step of 4a (steps 1-2 are labelled by hand)."""
    if not registered:
        return "sender_unverified", None, None
    if breach:
        return "manual_review", None, None
    accepted = "accepted" if proven else "awaiting_sender_confirmation"
    if kind == "passport_advantage":
        return "pa_no_cancellation_needed", None, None
    if kind == "maintenance_addendum":
        return "manual_review", None, None
    if kind == "monthly_license":
        if not destroyed:
            return "needs_destruction_confirmation", None, None
        floor = received if out_of_use else received + timedelta(days=30)
        eff = max(floor, requested) if requested else floor
        return accepted, (eff if proven else None), None
    if kind == "maintenance":
        earliest = add_months(start, 6)
        if received < earliest:
            return "not_yet_eligible", None, earliest
        floor = add_months(received, 1)
        eff = max(floor, requested) if requested else floor
        return accepted, (eff if proven else None), None
    raise ValueError(kind)
