import stat

from talkpage.lib.secret_key import load_or_create_secret_key


def test_it_creates_a_long_random_key(tmp_path):
    key = load_or_create_secret_key(tmp_path / "data")

    assert len(key) >= 50
    assert (tmp_path / "data" / "secret_key").read_text().strip() == key
    assert load_or_create_secret_key(tmp_path / "other") != key


def test_only_the_owner_can_read_it(tmp_path):
    load_or_create_secret_key(tmp_path)

    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode & 0o077 == 0


def test_it_reuses_the_key_it_made(tmp_path):
    first = load_or_create_secret_key(tmp_path)

    assert load_or_create_secret_key(tmp_path) == first
    assert load_or_create_secret_key(tmp_path) == first


def test_it_reads_a_key_someone_put_there(tmp_path):
    (tmp_path / "secret_key").write_text("  an operator's own key\n")

    assert load_or_create_secret_key(tmp_path) == "an operator's own key"


def test_it_leaves_no_temporary_files(tmp_path):
    load_or_create_secret_key(tmp_path)
    load_or_create_secret_key(tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_workers_starting_together_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret_key(tmp_path), range(32)))

    assert len(keys) == 1
