"""The build step (``index/build.py``) and the typed manifest, on a three-document fixture: what changed, what
is embedded again, and a build read back as it was written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.build import build_index, diff
from index.encoders import load_encoder
from index.errors import IndexCorrupt
from index.store import BuildSettings, IndexManifest, IndexStore
from ingest.models import DocumentMetadata, PolicyDocument
from ingest.zh.tokens import ChineseTokenizer

THREE = [
    PolicyDocument(
        "kunqu",
        "kunqu.txt",
        "一、人才引进\n昆区每年安排近1000万元专项资金引进优秀教育人才。\n二、集团化办学\n集团化办学覆盖32所学校。",
        DocumentMetadata(title="昆区教育", region="内蒙古自治区包头市昆都仑区"),
        "h1",
    ),
    PolicyDocument(
        "yuquan",
        "yuquan.txt",
        "一、学位\n公办小学只能提供3800个学位,每个年级缺口1200学位。\n二、教师\n全区教师缺编共计719名。",
        DocumentMetadata(title="玉泉区规划", region="内蒙古自治区呼和浩特市玉泉区", date="2022-07-04"),
        "h2",
    ),
    PolicyDocument(
        "wuhai",
        "wuhai.txt",
        "乌海市推进“双减”工作,课后服务实现全覆盖。",
        DocumentMetadata(title="乌海市教育", region="内蒙古自治区乌海市"),
        "h3",
    ),
]


@pytest.fixture
def store(tmp_path: Path) -> IndexStore:
    return IndexStore(tmp_path / "index")


def _build(store: IndexStore, documents: list[PolicyDocument], settings: BuildSettings | None = None):
    return build_index(store, documents, load_encoder("use"), settings or BuildSettings(), ChineseTokenizer(), False)


def test_a_build_reads_back_as_it_was_written(store: IndexStore) -> None:
    report = _build(store, THREE)
    assert report.added == ["kunqu", "yuquan", "wuhai"] and report.embedded == report.chunks
    loaded = store.load(load_encoder("use"), ChineseTokenizer())
    assert loaded.doc_ids == ["kunqu", "yuquan", "wuhai"] and len(loaded.chunks) == report.chunks
    assert loaded.manifest.documents["yuquan"].metadata.date == "2022-07-04"
    assert loaded.manifest.passages == report.chunks
    assert any("719名" in c.text for c in loaded.chunks if c.doc_id == "yuquan")
    # the stored vectors are the encoder's, row for row
    texts = [c.index_text() for c in loaded.chunks]
    expected = load_encoder("use").encode_documents(texts)
    assert np.allclose(loaded.vector_store.vectors(np.arange(len(texts))), expected, atol=1e-5)


def test_only_what_changed_is_embedded_and_nothing_is_written_when_nothing_did(store: IndexStore) -> None:
    first = _build(store, THREE)
    again = _build(store, THREE)
    assert again.up_to_date and again.build_id == first.build_id
    changed = [replace(THREE[0], text=THREE[0].text.replace("32所", "35所"), content_hash="h1b"), THREE[1]]
    second = _build(store, changed)
    assert (second.changed, second.removed, second.unchanged) == (["kunqu"], ["wuhai"], 1)
    assert 0 < second.embedded < second.chunks  # only kunqu's changed passage is encoded again


def test_other_build_settings_rebuild_everything_but_reuse_identical_passages(store: IndexStore) -> None:
    _build(store, THREE)
    report = _build(store, THREE, BuildSettings(chunk_size=40, chunk_overlap=0))
    assert not report.up_to_date and report.chunks > 0
    assert report.reused + report.embedded == report.chunks


def test_two_documents_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="two documents share the id 'kunqu'"):
        diff([THREE[0], THREE[0]], None)


def test_a_manifest_of_another_format_is_refused_clearly() -> None:
    manifest = IndexManifest.now("use", 512, BuildSettings(), {})
    data = manifest.to_json()
    assert IndexManifest.from_json(data) == manifest
    with pytest.raises(IndexCorrupt, match="format 0"):
        IndexManifest.from_json({**data, "format_version": 0})
    with pytest.raises(IndexCorrupt, match="does not parse"):
        IndexManifest.from_json({**data, "settings": {"no_such_setting": 1}})
