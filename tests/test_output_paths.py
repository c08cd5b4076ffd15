"""Output paths are refused before anything is written; a profile path that is a folder is named as one."""

from __future__ import annotations

import pytest

import healthcov as hc
from healthcov._io_atomic import atomic_path, check_output_path


def test_an_existing_folder_is_refused_and_nothing_is_written(tmp_path):
    target = tmp_path / "out.csv"
    target.mkdir()
    with (
        pytest.raises(hc.InputError, match=r"out\.csv.*existing folder.*out\.csv/result\.csv"),
        atomic_path(target) as tmp,
    ):
        tmp.write_text("never")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert list(target.iterdir()) == []


def test_a_parent_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(hc.InputError, match=r"a\.txt' is a file, not a folder"):
        check_output_path(tmp_path / "a.txt" / "b" / "map.html", "map")


def test_a_good_path_is_written_atomically_and_missing_folders_are_created(tmp_path):
    target = tmp_path / "new" / "r.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("a,b\n1,2\n")
        assert not target.exists()
    assert target.read_text() == "a,b\n1,2\n"
    assert [p.name for p in target.parent.iterdir()] == ["r.csv"]


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_load_profile_of_a_folder_lists_its_profiles(tmp_path):
    (tmp_path / "mine.toml").write_text("schema = 1\n", encoding="utf-8")
    with pytest.raises(hc.ProfileError, match=r"is a folder, not a profile file \(it holds mine\.toml\)"):
        hc.load_profile(tmp_path)
