"""English and pt-BR from day one: a complete, compiled catalogue and per-locale formats."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po
from django.template import Context, Template
from django.utils import formats, translation

from clientela.platform.formatting import format_money

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _extract_fresh(tmp_path: Path) -> Path:
    """Run makemessages on a copy of the sources, so the repository is never touched."""
    copy = tmp_path / "clientela"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    django_admin = [sys.executable, "-m", "django", "makemessages"]
    subprocess.run(
        [
            *django_admin,
            "-l",
            "pt_BR",
            "--no-obsolete",
            "--ignore",
            "tests/*",
            "--ignore",
            "*/tests/*",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return copy / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"


def _ids(catalog) -> set:
    return {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in catalog if m.id}


def test_every_message_in_the_sources_has_a_pt_br_translation(tmp_path):
    fresh = _read(_extract_fresh(tmp_path))
    committed = _read(PO)
    missing = sorted(str(i) for i in _ids(fresh) - _ids(committed))
    assert not missing, f"run makemessages and translate: {missing[:20]}"
    untranslated = [
        m.id
        for m in fresh
        if m.id and (not all(m.string) if isinstance(m.string, tuple) else not m.string)
    ]
    fuzzy = [m.id for m in fresh if m.id and m.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_catalogue_has_no_obsolete_messages(tmp_path):
    stale = _ids(_read(PO)) - _ids(_read(_extract_fresh(tmp_path)))
    assert not stale, f"messages no longer in the sources: {sorted(map(str, stale))[:20]}"


def test_compiled_catalogue_is_up_to_date():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _read(PO):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            assert compiled.ngettext(singular, plural, 1) == message.string[0], singular
            assert compiled.ngettext(singular, plural, 5) == message.string[1], singular
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == message.string
        else:
            assert compiled.gettext(message.id) == message.string, message.id


def test_placeholders_survive_translation():
    for message in _read(PO):
        if not message.id or isinstance(message.id, tuple):
            continue
        for token in ("%(", "{{", "<code>"):
            assert message.id.count(token) == message.string.count(token), message.id


def test_interface_strings_switch_language():
    with translation.override("pt-br"):
        rendered = Template('{% load i18n %}{% translate "Settings" %}').render(Context())
    assert rendered == "Configurações"


def test_numbers_dates_and_money_follow_the_locale():
    moment = datetime(2026, 11, 23, 15, 4, tzinfo=ZoneInfo("America/Sao_Paulo"))
    with translation.override("pt-br"):
        assert formats.number_format(Decimal("1234.5"), 2, force_grouping=True) == "1.234,50"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "23/11/2026"
        assert format_money(Decimal("1234.5"), "BRL") == "R$\xa01.234,50"
    with translation.override("en"):
        assert formats.number_format(Decimal("1234.5"), 2, force_grouping=True) == "1,234.50"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "11/23/2026"
        assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"


def test_money_filter_in_templates():
    template = Template('{% load clientela %}{{ amount|money:"BRL" }}|{{ none|money }}')
    with translation.override("pt-br"):
        assert template.render(Context({"amount": "99.9", "none": None})) == "R$\xa099,90|—"


def test_user_language_and_time_zone_apply_to_pages(make_user, logged_in):
    user = make_user(language="pt-br", time_zone="Asia/Tokyo")
    response = logged_in(user).get("/settings/")
    assert response["Content-Language"] == "pt-br"
    assert '<html lang="pt-br">' in response.content.decode()
