"""The installation as an operator meets it: the command, the data
directory, and the production settings. These run the real `talkpage`
command in a subprocess with its own environment."""

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

TALKPAGE = str(Path(sys.executable).parent / "talkpage")


def run_talkpage(*args: str, env: dict[str, str], timeout: int = 120):
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TALKPAGE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    return subprocess.run(
        [TALKPAGE, *args],
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_check_deploy_passes_with_documented_production_settings(tmp_path):
    result = run_talkpage(
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "TALKPAGE_DATA_DIR": str(tmp_path),
            "TALKPAGE_BASE_URL": "https://talk.example",
            "TALKPAGE_SECRET_KEY": secrets.token_urlsafe(50),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_everything_lives_in_the_data_dir_and_the_key_survives_restarts(tmp_path):
    env = {"TALKPAGE_DATA_DIR": str(tmp_path)}
    assert run_talkpage("manage", "migrate", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert run_talkpage("manage", "check", env=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key

    database = sqlite3.connect(tmp_path / "talkpage.sqlite3")
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_connections_use_foreign_keys_busy_timeout_and_full_sync(tmp_path):
    script = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "print([c.execute(f'PRAGMA {p}').fetchone()[0] for p in "
        "('foreign_keys', 'busy_timeout', 'synchronous', 'journal_mode')])"
    )
    result = run_talkpage(
        "manage", "shell", "-c", script, env={"TALKPAGE_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[1, 20000, 2, 'wal']"


def test_a_bad_setting_stops_the_start_with_a_clear_message(tmp_path):
    result = run_talkpage(
        "manage",
        "check",
        env={"TALKPAGE_DATA_DIR": str(tmp_path), "TALKPAGE_DEBUG": "maybe"},
    )
    assert result.returncode != 0
    assert "TALKPAGE_DEBUG must be true or false" in result.stderr


def test_import_articles_command_is_idempotent(tmp_path):
    env = {"TALKPAGE_DATA_DIR": str(tmp_path)}
    demo = Path(__file__).parent.parent / "talkpage" / "articles" / "demo"
    run_talkpage("manage", "migrate", env=env)
    first = run_talkpage("import-articles", str(demo), env=env)
    second = run_talkpage("import-articles", str(demo), env=env)
    assert first.returncode == second.returncode == 0
    assert "3 created" in first.stdout
    assert "0 created, 0 updated, 3 unchanged" in second.stdout
