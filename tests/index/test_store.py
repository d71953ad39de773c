"""Persistence: incremental re-ingest, the atomic switch, half-written builds, one writer at a time (kill -9 in
the middle of an ingest: tests/ops/test_reliability.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.config import Settings
from app.service import SearchService, ingest_directory
from index.errors import IndexNotBuilt
from index.store import IndexStore

pytestmark = pytest.mark.slow  # index rebuilds


def current_target(index_dir: Path) -> str:
    return os.readlink(index_dir / "current")


class TestIncrementalIngest:
    def test_only_new_and_changed_documents_are_embedded(self, corpus_copy: Path, tmp_path: Path) -> None:
        settings = Settings(index_dir=tmp_path / "index")
        first = ingest_directory(settings, corpus_copy, progress=False).build
        assert first is not None and first.embedded == first.chunks and len(first.added) == 5

        baotou = next(corpus_copy.glob("002_*.txt"))
        baotou.write_text(baotou.read_text("utf-8").replace("储备300个岗位", "储备350个岗位"), "utf-8")
        next(corpus_copy.glob("004_*.txt")).unlink()
        (corpus_copy / "new_notice.md").write_text(
            "---\ntitle: 乌拉特前旗招生通知\nregion: 内蒙古自治区巴彦淖尔市乌拉特前旗\n---\n"
            "一、报名时间\n小学一年级报名时间为每年6月1日至6月10日。\n",
            "utf-8",
        )
        second = ingest_directory(settings, corpus_copy, progress=False).build
        assert second is not None
        assert second.added == ["new_notice"]
        assert second.changed == ["002_d717998ecc91e6e8"]
        assert second.removed == ["004_d6cde3a42d9d44eb"]
        assert second.unchanged == 3
        # the unchanged documents' passages were reused; only the edit and the new file were embedded
        assert 0 < second.embedded <= 3
        assert second.reused == second.chunks - second.embedded

        service = SearchService(settings)
        service.warm_up()
        assert "004_d6cde3a42d9d44eb" not in service.retriever.index.doc_ids
        top = service.search("乌拉特前旗小学一年级什么时候报名", 1)[0]
        assert top.chunk.doc_id == "new_notice" and top.chunk.metadata.title == "乌拉特前旗招生通知"
        assert "储备350个岗位" in service.search("包头市高级专业技术岗位周转池储备多少岗位", 1)[0].chunk.text

    def test_nothing_changed_means_no_new_build(self, index_settings: Settings) -> None:
        before = current_target(index_settings.index_dir)
        report = ingest_directory(index_settings, progress=False).build
        assert report is not None and report.up_to_date and report.embedded == 0
        assert current_target(index_settings.index_dir) == before

    def test_changing_chunk_settings_rebuilds_but_reuses_identical_passages(
        self, corpus_copy: Path, tmp_path: Path
    ) -> None:
        settings = Settings(index_dir=tmp_path / "index")
        ingest_directory(settings, corpus_copy, progress=False)
        report = ingest_directory(settings.model_copy(update={"chunk_size": 250}), corpus_copy, progress=False).build
        assert report is not None and not report.up_to_date
        assert report.reused > 0 and report.embedded > 0

    def test_no_readable_document_leaves_the_index_alone(self, index_settings: Settings, tmp_path: Path) -> None:
        empty = tmp_path / "empty"
        empty.mkdir()
        (empty / "x.txt").write_bytes(b"")
        before = current_target(index_settings.index_dir)
        outcome = ingest_directory(index_settings, empty, progress=False)
        assert outcome.build is None and len(outcome.corpus.errors) == 1
        assert current_target(index_settings.index_dir) == before


class TestAtomicSwitch:
    def test_missing_index_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(IndexNotBuilt, match="policyqa ingest"):
            SearchService(Settings(index_dir=tmp_path)).warm_up()

    def test_half_written_build_is_ignored_and_cleaned_up(self, index_settings: Settings, tmp_path: Path) -> None:
        index_dir = tmp_path / "index"
        shutil.copytree(index_settings.index_dir, index_dir, symlinks=True)
        partial = index_dir / "builds" / "20990101T000000000000-1"
        partial.mkdir()
        (partial / "chunks.jsonl").write_text('{"chunk_id": "x"', "utf-8")  # what a crash leaves behind
        settings = index_settings.model_copy(update={"index_dir": index_dir})
        service = SearchService(settings)
        service.warm_up()
        assert service.retriever.index.build_id != partial.name
        assert service.search("玉泉区教师缺编多少人", 1)

    def test_a_second_writer_is_refused(self, index_settings: Settings, tmp_path: Path) -> None:
        import fcntl

        store = IndexStore(tmp_path / "index")
        store.root.mkdir()
        with (store.root / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            with pytest.raises(RuntimeError, match="another ingest is already writing"):
                ingest_directory(index_settings.model_copy(update={"index_dir": store.root}), progress=False)
