"""The e-mail channel's parsing layer: raw bytes in, a plain InboundMail out, never an error.

No database: `mailparse` is pure, so these tests build messages in memory (or read the small
.eml files in mail_samples/) and check exact values.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.service.mailparse import (
    Attachment,
    InboundMail,
    new_text,
    parse,
    ticket_reference,
)

SAMPLES = Path(__file__).parent / "mail_samples"


def _message(body: str = "Olá, tudo bem?\n", **headers: str) -> EmailMessage:
    """A plain message from Ana to the support address; keyword headers override or add."""
    msg = EmailMessage()
    base = {
        "From": "Ana Souza <Ana.Souza@Example.COM>",
        "To": "Suporte <suporte@acme.test>",
        "Subject": "Impressora parada",
        "Message-ID": "<m1@example.com>",
        "Date": "Mon, 07 Dec 2026 10:00:00 -0300",
    }
    for name, value in {**base, **{k.replace("_", "-"): v for k, v in headers.items()}}.items():
        msg[name] = value
    msg.set_content(body)
    return msg


def _raw(head: str, body: bytes) -> bytes:
    return head.replace("\n", "\r\n").encode("ascii") + b"\r\n" + body


# --- headers ---------------------------------------------------------------------------------


def test_plain_reply_reads_threading_headers_and_people() -> None:
    msg = _message(
        "Obrigada, funcionou.\n",
        Subject="Re: [#42] Impressora parada",
        In_Reply_To="<ticket-42-3@acme.test>",
        References="<ticket-42@acme.test>  <ticket-42-3@acme.test>",
        Reply_To="Ana (casa) <ana@home.example>",
        Cc="Bruno <BRUNO@example.com>, suporte@acme.test",
    )

    mail = parse(msg.as_bytes())

    assert mail == InboundMail(
        message_id="m1@example.com",
        in_reply_to=("ticket-42-3@acme.test",),
        references=("ticket-42@acme.test", "ticket-42-3@acme.test"),
        subject="Re: [#42] Impressora parada",
        from_address="ana.souza@example.com",
        from_name="Ana Souza",
        reply_to="ana@home.example",
        to=("suporte@acme.test", "bruno@example.com"),
        date=datetime(2026, 12, 7, 13, 0, tzinfo=UTC),
        text="Obrigada, funcionou.",
        attachments=(),
        auto="",
        defects=(),
    )


def test_recipients_come_from_every_delivery_header_once_each() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        "To: Suporte <SUPORTE@acme.test>\n"
        "Cc: bruno@example.com\n"
        "Delivered-To: ajuda@acme.test\n"
        "Delivered-To: suporte@acme.test\n"
        "X-Original-To: vendas@acme.test\n"
        "Subject: oi\n",
        b"oi\r\n",
    )

    mail = parse(raw)

    assert mail.to == (
        "suporte@acme.test",
        "bruno@example.com",
        "ajuda@acme.test",
        "vendas@acme.test",
    )


def test_subject_is_decoded_and_collapsed() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        "Subject: =?utf-8?Q?Relat=C3=B3rio?=\n =?utf-8?B?IGRlIG1hbnV0ZW7Dp8Ojbw==?=\t\t [#7]\n",
        b"x\r\n",
    )

    mail = parse(raw)

    assert mail.subject == "Relatório de manutenção [#7]"
    assert mail.defects == ()


def test_subject_is_cut_at_500_characters() -> None:
    mail = parse(_message(Subject="a" * 600).as_bytes())

    assert mail.subject == "a" * 500


def test_raw_latin1_subject_and_name_are_read_as_latin1_with_a_defect() -> None:
    raw = b"From: Jo\xe3o <joao@example.com>\r\nSubject: A\xe7\xe3o\r\n\r\nx\r\n"

    mail = parse(raw)

    assert (mail.subject, mail.from_name) == ("Ação", "João")
    assert mail.defects == (
        "Subject header: text is not valid utf-8; read as latin-1",
        "From header: text is not valid utf-8; read as latin-1",
    )


def test_raw_utf8_subject_is_accepted_without_defect() -> None:
    raw = "From: ana@example.com\r\nSubject: Ação\r\n\r\nx\r\n".encode()

    mail = parse(raw)

    assert (mail.subject, mail.defects) == ("Ação", ())


def test_subject_in_unknown_charset_falls_back() -> None:
    raw = _raw("From: ana@example.com\nSubject: =?x-unknown?Q?a=E7=E3o?=\n", b"x\r\n")

    mail = parse(raw)

    assert mail.subject == "ação"
    assert mail.defects == ("Subject header: unknown charset 'x-unknown'; read as latin-1",)


def test_unparseable_from_gives_empty_address() -> None:
    mail = parse(_raw("From: Ana sem endereco\nSubject: x\n", b"x\r\n"))

    assert (mail.from_address, mail.from_name) == ("", "")


def test_message_id_without_brackets_is_accepted() -> None:
    mail = parse(_raw("Message-ID: abc.123@example.com\nIn-Reply-To: x@y.z\n", b"x\r\n"))

    assert (mail.message_id, mail.in_reply_to) == ("abc.123@example.com", ("x@y.z",))


def test_missing_message_id_gives_a_stable_synthetic_id() -> None:
    raw = _raw("From: ana@example.com\nSubject: sem id\n", b"corpo\r\n")
    digest = hashlib.sha256(raw).hexdigest()[:32]

    first, second = parse(raw), parse(raw)
    other = parse(raw + b"outro\r\n")

    assert first.message_id == f"missing-{digest}@clientela.invalid"
    assert second.message_id == first.message_id
    assert other.message_id != first.message_id


def test_date_without_zone_is_taken_as_utc_and_bad_date_is_a_defect() -> None:
    undated = parse(_message(Date="Mon, 07 Dec 2026 10:00:00 -0000").as_bytes())
    bad = parse(_raw("From: ana@example.com\nDate: ontem de tarde\n", b"x\r\n"))

    assert undated.date == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert bad.date is None
    assert bad.defects == ("unreadable Date header 'ontem de tarde'",)


# --- bodies ----------------------------------------------------------------------------------


def test_html_only_body_is_converted_to_text() -> None:
    msg = _message()
    msg.set_content(
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<h1>Olá</h1><p>Preço: R$&nbsp;10 &amp; 5&gt;3</p>"
        "<ul><li>um</li><li>dois</li></ul><script>alert('x')</script>"
        "<p></p><p></p><div>fim<br>de   linha</div></body></html>",
        subtype="html",
    )

    mail = parse(msg.as_bytes())

    assert mail.text == "Olá\n\nPreço: R$ 10 & 5>3\n\num\n\ndois\n\nfim\nde linha"


def test_html_with_unclosed_head_keeps_the_body() -> None:
    msg = _message()
    msg.set_content("<head><title>x</title><body><p>Visível</p>", subtype="html")

    assert parse(msg.as_bytes()).text == "Visível"


def test_multipart_alternative_prefers_plain_text() -> None:
    msg = _message("Versão em texto.\n")
    msg.add_alternative("<p>Versão em <b>HTML</b>.</p>", subtype="html")

    mail = parse(msg.as_bytes())

    assert (mail.text, mail.attachments) == ("Versão em texto.", ())


def test_iso_8859_1_body() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        "Content-Type: text/plain; charset=ISO-8859-1\n"
        "Content-Transfer-Encoding: 8bit\n",
        "Pedimos ação imediata.\r\n".encode("iso-8859-1"),
    )

    mail = parse(raw)

    assert (mail.text, mail.defects) == ("Pedimos ação imediata.", ())


def test_windows_1252_quoted_printable_body() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        "Content-Type: text/plain; charset=windows-1252\n"
        "Content-Transfer-Encoding: quoted-printable\n",
        b"=93A=E7=E3o=94 =96 j=E1!\r\n",
    )

    mail = parse(raw)

    assert (mail.text, mail.defects) == ("\u201cAção\u201d \u2013 já!", ())


def test_unknown_charset_reads_latin1_bytes_as_latin1() -> None:
    raw = _raw(
        "From: ana@example.com\nContent-Type: text/plain; charset=x-unknown\n",
        "ação\r\n".encode("latin-1"),
    )

    mail = parse(raw)

    assert mail.text == "ação"
    assert mail.defects == ("message: unknown charset 'x-unknown'; read as latin-1",)


def test_bogus_charset_reads_utf8_bytes_as_utf8() -> None:
    raw = _raw(
        "From: ana@example.com\nContent-Type: text/plain; charset=utf-7-bogus\n",
        "ação\r\n".encode(),
    )

    mail = parse(raw)

    assert mail.text == "ação"
    assert mail.defects == ("message: unknown charset 'utf-7-bogus'; read as utf-8",)


def test_utf8_body_with_a_stray_byte_keeps_utf8() -> None:
    raw = _raw(
        "From: ana@example.com\nContent-Type: text/plain; charset=utf-8\n",
        "ação ".encode() + b"\xff fim\r\n",
    )

    mail = parse(raw)

    assert mail.text == "ação \ufffd fim"
    assert mail.defects == (
        "message: text is not valid utf-8; read as utf-8 with replacement characters",
    )


def test_body_control_characters_are_removed() -> None:
    raw = _raw("From: ana@example.com\n", b"a\x00b\x1bc\td\r\ne\r\n")

    assert parse(raw).text == "abc\td\ne"


def test_invalid_quoted_printable_is_a_defect() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n",
        b"desconto de 50=ZZ hoje\r\n",
    )

    mail = parse(raw)

    assert mail.text == "desconto de 50=ZZ hoje"
    assert mail.defects == ("message: invalid quoted-printable (kept as is)",)


def test_broken_base64_is_a_defect_and_the_rest_is_read() -> None:
    mail = parse((SAMPLES / "broken_base64.eml").read_bytes())

    assert mail.text == "Segue a foto."
    assert [a.filename for a in mail.attachments] == ["foto.png"]
    assert mail.defects == (
        "part 3 (image/png): invalid base64 (characters outside the alphabet skipped)",
        "part 3 (image/png): invalid base64 (bad padding)",
    )


def test_truncated_multipart_is_a_defect() -> None:
    mail = parse((SAMPLES / "truncated.eml").read_bytes())

    assert mail.text == "A mensagem parou no meio"
    assert mail.defects == ("message: closing MIME boundary missing (message probably truncated)",)


# --- attachments -----------------------------------------------------------------------------


def test_attachment_with_rfc2231_portuguese_filename() -> None:
    msg = _message("Segue o relatório.\n")
    msg.add_attachment(
        b"%PDF-1.4 fake",
        maintype="application",
        subtype="PDF",
        filename="relatório de manutenção.pdf",
    )
    assert "filename*=utf-8''relat%C3%B3rio" in msg.as_string()

    mail = parse(msg.as_bytes())

    assert mail.text == "Segue o relatório."
    assert mail.attachments == (
        Attachment(
            filename="relatório de manutenção.pdf",
            content_type="application/pdf",
            content=b"%PDF-1.4 fake",
            inline=False,
            content_id="",
        ),
    )


def test_rfc2047_filename_is_decoded() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        'Content-Type: multipart/mixed; boundary="b"\n'
        "\n--b\n"
        "Content-Type: text/plain\n"
        "\nCorpo\n"
        "--b\n"
        'Content-Type: application/pdf; name="=?UTF-8?B?b3LDp2FtZW50by5wZGY=?="\n'
        'Content-Disposition: attachment; filename="=?UTF-8?B?b3LDp2FtZW50by5wZGY=?="\n'
        "\nPDF\n--b--\n",
        b"",
    )

    mail = parse(raw)

    assert [(a.filename, a.content) for a in mail.attachments] == [("orçamento.pdf", b"PDF")]


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\nota.pdf", "nota.pdf"),
        ("\x00evil.html", "evil.html"),
        ("fatura\u202efdp.exe", "faturafdp.exe"),
        (" . .. ", "attachment-1.bin"),
        ("  relatório   final .pdf ", "relatório final .pdf"),
        ("a" * 200 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_attachment_filenames_are_sanitised(declared: str, expected: str) -> None:
    """RFC 2231 percent-encoding lets control characters reach the parser untouched."""
    head = (
        "From: ana@example.com\n"
        'Content-Type: multipart/mixed; boundary="b"\n'
        "\n--b\n"
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=utf-8''{name}\n"
        "\nx\n--b--\n"
    )
    quoted = "".join(f"%{b:02X}" for b in declared.encode())

    mail = parse(_raw(head.format(name=quoted), b""))

    assert [a.filename for a in mail.attachments] == [expected]


def test_nameless_attachment_gets_a_name_from_its_type() -> None:
    msg = _message()
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png")

    mail = parse(msg.as_bytes())

    assert [a.filename for a in mail.attachments] == ["attachment-1.png"]


def test_related_image_with_content_id_and_no_disposition_is_inline() -> None:
    raw = _raw(
        "From: ana@example.com\n"
        'Content-Type: multipart/related; boundary="r"\n'
        "\n--r\n"
        "Content-Type: text/html; charset=utf-8\n"
        '\n<p>Logo: <img src="cid:logo@x"></p>\n'
        "--r\n"
        "Content-Type: image/gif\n"
        "Content-ID: <logo@x>\n"
        "\nGIF89a\n--r--\n",
        b"",
    )

    mail = parse(raw)

    assert mail.text == "Logo:"
    assert mail.attachments == (
        Attachment("attachment-1.gif", "image/gif", b"GIF89a", inline=True, content_id="logo@x"),
    )


def test_inline_image_with_content_id() -> None:
    msg = _message("Veja a foto.\n")
    msg.add_alternative('<p>Veja:</p><img src="cid:foto1@acme">', subtype="html")
    msg.get_payload()[1].add_related(
        b"\x89PNG",
        maintype="image",
        subtype="png",
        cid="<foto1@acme>",
        filename="foto.png",
        disposition="inline",
    )

    mail = parse(msg.as_bytes())

    assert mail.text == "Veja a foto."
    assert mail.attachments == (
        Attachment(
            filename="foto.png",
            content_type="image/png",
            content=b"\x89PNG",
            inline=True,
            content_id="foto1@acme",
        ),
    )


def test_forwarded_message_becomes_an_eml_attachment() -> None:
    inner = _message("Texto original.\n", Subject="Pedido 12/2026", Message_ID="<in@x>")
    msg = _message("Encaminho abaixo.\n")
    msg.add_attachment(inner)

    mail = parse(msg.as_bytes())

    (attachment,) = mail.attachments
    assert (attachment.filename, attachment.content_type) == (
        "Pedido 12-2026.eml",
        "message/rfc822",
    )
    assert parse(attachment.content).subject == "Pedido 12/2026"
    assert parse(attachment.content).text == "Texto original."
    assert mail.text == "Encaminho abaixo."


def test_forwarded_message_without_subject_is_message_eml() -> None:
    inner = EmailMessage()
    inner.set_content("sem assunto\n")
    msg = _message()
    msg.add_attachment(inner)

    assert [a.filename for a in parse(msg.as_bytes()).attachments] == ["message.eml"]


def test_oversized_attachment_is_dropped_with_a_defect() -> None:
    msg = _message()
    msg.add_attachment(b"0123456789", maintype="application", subtype="zip", filename="ok.zip")
    msg.add_attachment(b"0123456789A", maintype="application", subtype="zip", filename="big.zip")

    mail = parse(msg.as_bytes(), max_attachment_bytes=10)

    assert [a.filename for a in mail.attachments] == ["ok.zip"]
    assert mail.defects == ("attachment 'big.zip' (11 bytes) dropped: over the 10-byte limit",)


def test_too_many_parts_stops_the_walk() -> None:
    msg = _message("corpo\n")
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        msg.add_attachment(name, filename=name)

    mail = parse(msg.as_bytes(), max_parts=4)

    assert mail.text == "corpo"
    assert [a.filename for a in mail.attachments] == ["a.txt", "b.txt"]
    assert mail.defects == ("too many MIME parts (more than 4); the rest were not read",)


# --- auto-replies, bounces, lists and loops ---------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, ""),
        ({"Auto-Submitted": "no"}, ""),
        ({"Auto-Submitted": "auto-replied"}, "auto-reply"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y.z"}, "auto-reply"),
        ({"X-Autoreply": "yes"}, "auto-reply"),
        ({"X-Autorespond": "Férias"}, "auto-reply"),
        ({"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"}, "auto-reply"),
        ({"X-Auto-Response-Suppress": "All"}, "auto-reply"),
        ({"X-Auto-Response-Suppress": "RN"}, ""),
        ({"Precedence": "bulk"}, "auto-reply"),
        ({"Precedence": "junk"}, "auto-reply"),
        ({"Precedence": "auto_reply"}, "auto-reply"),
        ({"Precedence": "list"}, "list"),
        ({"List-Id": "Clientes <clientes.lists.example.com>"}, "list"),
        ({"List-Unsubscribe": "<mailto:sair@example.com>"}, "list"),
        ({"Return-Path": "<>"}, "bounce"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "bounce"),
        ({"From": "Postmaster <postmaster@example.com>"}, "bounce"),
        ({"From": "Suporte <SUPORTE@acme.test>"}, "loop"),
        ({"X-Clientela-Loop": "acme"}, "loop"),
        ({"X-Clientela-Loop": "acme", "Return-Path": "<>"}, "loop"),
        ({"Return-Path": "<>", "Auto-Submitted": "auto-replied"}, "bounce"),
        ({"Auto-Submitted": "auto-replied", "List-Id": "<l.example.com>"}, "auto-reply"),
    ],
)
def test_auto_detection(headers: dict[str, str], expected: str) -> None:
    msg = _message()
    for name, value in headers.items():
        del msg[name]
        msg[name] = value

    mail = parse(msg.as_bytes(), own_addresses=["suporte@acme.test", "ajuda@acme.test"])

    assert mail.auto == expected


def test_delivery_status_report_is_a_bounce() -> None:
    mail = parse((SAMPLES / "bounce.eml").read_bytes())

    assert mail.auto == "bounce"
    assert mail.text == "Your message to nobody@example.org could not be delivered."
    assert [a.filename for a in mail.attachments] == ["attachment-1.txt"]
    assert b"Status: 5.1.1" in mail.attachments[0].content


# --- bad input -------------------------------------------------------------------------------


def test_empty_bytes() -> None:
    mail = parse(b"")

    digest = hashlib.sha256(b"").hexdigest()[:32]
    assert mail == InboundMail(
        message_id=f"missing-{digest}@clientela.invalid",
        in_reply_to=(),
        references=(),
        subject="",
        from_address="",
        from_name="",
        reply_to="",
        to=(),
        date=None,
        text="",
        attachments=(),
        auto="",
        defects=("message has no headers",),
    )


def test_message_without_headers() -> None:
    mail = parse("\r\nsó o corpo\r\n".encode())

    assert (mail.text, mail.defects) == ("só o corpo", ("message has no headers",))


def test_garbage_bytes() -> None:
    mail = parse(bytes(range(256)) * 4)

    assert isinstance(mail, InboundMail)
    assert "message has no headers" in mail.defects
    assert "\x00" not in mail.text


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(3000)
    )
    raw = _raw("From: ana@example.com\n" + head + "Content-Type: text/plain\n", b"fundo\r\n")

    mail = parse(raw, max_parts=10_000)

    assert (mail.from_address, mail.text) == ("ana@example.com", "")
    assert mail.defects == ("MIME structure unreadable (RecursionError); headers only",)


def test_nesting_deeper_than_fifty_levels_is_not_read() -> None:
    head = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(60))
    raw = _raw("From: ana@example.com\n" + head + "Content-Type: text/plain\n", b"fundo\r\n")

    mail = parse(raw)

    assert mail.text == ""
    assert mail.defects == (
        "message: closing MIME boundary missing (message probably truncated)",
        "part 50 (multipart/mixed): MIME nesting deeper than 50; not read",
    )


_PREFIXES = [
    b"",
    b"From: a@b.c\r\nSubject: =?utf-8?B?",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p",
    b"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/report; boundary=",
]


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from(_PREFIXES), tail=st.binary(max_size=2000))
def test_parse_never_raises_on_random_bytes(prefix: bytes, tail: bytes) -> None:
    mail = parse(prefix + tail)

    assert isinstance(mail, InboundMail)
    assert mail.message_id
    assert len(mail.text) <= 1_000_000


# --- subjects and replies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[#123] Impressora parada", 123),
        ("Re: RES: Impressora parada [#123]", 123),
        ("Re: [ACME] [#0042] x", 42),
        ("Ticket #123", None),
        ("[# 123]", None),
        ("[#abc]", None),
        ("", None),
    ],
)
def test_ticket_reference(subject: str, expected: int | None) -> None:
    assert ticket_reference(subject) == expected


def test_new_text_cuts_english_attribution() -> None:
    text = "Thanks, it works now.\n\nOn Mon, 7 Dec 2026, Ana <a@b> wrote:\n> Did you restart it?\n"

    assert new_text(text) == "Thanks, it works now."


def test_new_text_cuts_wrapped_english_attribution() -> None:
    text = (
        "Done.\n\nOn Mon, 7 Dec 2026 at 10:00, Ana Souza from the support team\n<a@b> wrote:\n> x"
    )

    assert new_text(text) == "Done."


def test_new_text_cuts_portuguese_attribution() -> None:
    text = (
        "Obrigada!\r\n\r\n"
        "Em seg., 7 de dez. de 2026 às 10:00, Ana <a@b> escreveu:\r\n"
        "> Já reiniciou?\r\n"
    )

    assert new_text(text) == "Obrigada!"


def test_new_text_cuts_original_message_separators() -> None:
    assert new_text("Ok.\n-----Original Message-----\nFrom: x") == "Ok."
    assert new_text("Certo.\n\n-----Mensagem original-----\nDe: x") == "Certo."


def test_new_text_cuts_outlook_header_block() -> None:
    text = (
        "Segue em anexo.\n\n"
        "________________________________\n"
        "From: Suporte <suporte@acme.test>\n"
        "Sent: Monday, December 7, 2026 10:00 AM\n"
        "To: Ana <a@b>\n"
        "Subject: [#42] Impressora\n\n"
        "Texto antigo"
    )

    assert new_text(text) == "Segue em anexo."


def test_new_text_cuts_portuguese_outlook_header_block() -> None:
    text = "Resolvido.\n\nDe: Suporte <suporte@acme.test>\nEnviado: segunda-feira\nPara: Ana\n"

    assert new_text(text) == "Resolvido."


def test_new_text_keeps_a_from_line_in_prose() -> None:
    text = "Oi.\n\nFrom: our side everything is fine.\nBest, Ana"

    assert new_text(text) == text


def test_new_text_drops_trailing_quotes_but_keeps_interleaved_ones() -> None:
    text = "> Did it work?\nYes.\n> And the printer?\nAlso.\n\n> old\n> older\n"

    assert new_text(text) == "> Did it work?\nYes.\n> And the printer?\nAlso."


def test_new_text_keeps_everything_when_the_cut_leaves_nothing() -> None:
    text = "On Mon, 7 Dec 2026, Ana <a@b> wrote:\n> only history\n"

    assert new_text(text) == "On Mon, 7 Dec 2026, Ana <a@b> wrote:\n> only history"


def test_html_drops_an_unclosed_comment_or_script_with_a_defect() -> None:
    msg = _message()
    msg.set_content("<p>Visível</p><script>roubar(", subtype="html")

    mail = parse(msg.as_bytes())

    assert mail.text == "Visível"
    assert mail.defects == ("HTML body ends in an unclosed tag or comment; the rest was dropped",)


def test_html_pre_keeps_its_line_breaks() -> None:
    msg = _message()
    msg.set_content("<pre>linha 1\n  linha 2</pre><p>fim   aqui</p>", subtype="html")

    assert parse(msg.as_bytes()).text == "linha 1\nlinha 2\n\nfim aqui"


def test_hostile_long_headers_are_read_in_linear_time() -> None:
    """On CPython 3.12.1 the header registry needs minutes for these (quadratic parsing)."""
    quotes = '"' * 100_000
    raw = _raw(
        f"From: {quotes}\nTo: {quotes}\nContent-Type: multipart/mixed; {';' * 100_000}\n",
        b"corpo\r\n",
    )

    mail = parse(raw)

    assert (mail.from_address, mail.to, mail.text) == ("", (), "corpo")
