"""``clientela createuser`` and ``clientela migrate --check`` from the command line."""

from __future__ import annotations

import re

import pytest

from clientela import cli
from clientela.platform.models import AuditEntry, Team, User


def test_createuser_makes_an_administrator_with_a_printed_password(db, capsys):
    code = cli.main(
        [
            "createuser",
            "owner",
            "--email",
            "owner@example.com",
            "--generate-password",
            "--team",
            "Matriz",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    password = re.search(r"password: (\S+)", out).group(1)
    user = User.objects.get(username="owner")
    assert user.check_password(password) and user.is_administrator
    assert list(user.teams.values_list("name", flat=True)) == ["Matriz"]
    entry = AuditEntry.objects.get(object_type="platform.user")
    assert entry.channel == "system" and entry.actor_label == "system"


def test_createuser_with_a_given_password_does_not_print_it(db, capsys):
    assert (
        cli.main(
            [
                "createuser",
                "rep",
                "--email",
                "rep@example.com",
                "--role",
                "sales-rep",
                "--password",
                "Uma-senha-boa-42",
            ]
        )
        == 0
    )
    assert "Uma-senha-boa-42" not in capsys.readouterr().out
    assert User.objects.get(username="rep").role.slug == "sales-rep"


@pytest.mark.parametrize(
    "args,code",
    [
        (
            [
                "x",
                "--email",
                "x@example.com",
                "--role",
                "emperor",
                "--password",
                "Uma-senha-boa-42",
            ],
            2,
        ),
        (["x", "--email", "not-mail", "--password", "Uma-senha-boa-42"], 1),
        (["x", "--email", "x@example.com", "--password", "123"], 1),
    ],
)
def test_createuser_refuses_bad_input(db, capsys, args, code):
    assert cli.main(["createuser", *args]) == code
    assert "error" in capsys.readouterr().err
    assert not User.objects.exists() and not Team.objects.exists()


def test_createuser_refuses_a_duplicate(db, capsys):
    args = ["createuser", "dup", "--email", "dup@example.com", "--password", "Uma-senha-boa-42"]
    assert cli.main(args) == 0
    assert cli.main(args) == 1
    assert User.objects.filter(username="dup").count() == 1


def test_migrate_check_reports_no_pending_migrations(db):
    assert cli.main(["migrate", "--check"]) == 0


def test_every_verb_has_help(capsys):
    for verb in cli.VERBS:
        with pytest.raises(SystemExit) as exit_info:
            cli.build_parser().parse_args([verb, "--help"])
        assert exit_info.value.code == 0
        assert verb in capsys.readouterr().out
