"""The ``VectorStore`` contract, run against every backend of the registry: FAISS flat, HNSW and IVF, and
Milvus Lite. Retrieval and the build step only use what the protocol promises, so a backend that passes these
can be configured (``POLICYQA_VECTOR_INDEX``) without touching anything else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from index.vector_store import VECTOR_STORES, build_vector_store, open_vector_store

N, DIM = 1200, 16  # enough rows for IVF to train its clusters


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


# clustered, as text embeddings are (topics), so approximate indexes behave as they do on real data
_rng = np.random.default_rng(0)
_CENTRES = _rng.normal(size=(30, DIM))
VECTORS = _unit(_CENTRES[_rng.integers(0, 30, N)] + 0.35 * _rng.normal(size=(N, DIM)))
QUERIES = _unit(_CENTRES[:5] + 0.35 * _rng.normal(size=(5, DIM)))
MILVUS = all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus_lite"))


@pytest.fixture(
    params=[
        pytest.param(kind, marks=[pytest.mark.skipif(not MILVUS, reason="Milvus Lite absent"), pytest.mark.slow])
        if kind == "milvus"
        else kind
        for kind in VECTOR_STORES
    ]
)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    path = tmp_path / "builds" / "20260101T000000000000-1"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def saved(kind: str, build_dir: Path, tmp_path: Path) -> Path:
    build_vector_store(VECTORS, kind, build_dir, threads=2, milvus_uri=str(tmp_path / "milvus.db"))
    return build_dir


def test_a_saved_store_opens_with_every_row(kind: str, saved: Path) -> None:
    assert len(open_vector_store(saved, kind)) == N


def test_a_stored_vector_is_its_own_nearest_neighbour(kind: str, saved: Path) -> None:
    store = open_vector_store(saved, kind)
    for row in (0, 17, N - 1):
        scores, ids = store.search(VECTORS[row], 3)
        assert ids[0] == row and scores[0] == pytest.approx(1.0, abs=1e-4)
        assert list(scores) == sorted(scores, reverse=True)


def test_search_finds_the_exact_best_matches(kind: str, saved: Path) -> None:
    store = open_vector_store(saved, kind)
    for query in QUERIES:
        truth = np.argsort(-(VECTORS @ query))[:5]
        _, ids = store.search(query, 5)
        # approximate indexes may miss one of the five; the best is always found on data this small
        assert ids[0] == truth[0] and len(set(ids) & set(truth)) >= 4


def test_search_keeps_to_the_allowed_rows(kind: str, saved: Path) -> None:
    store = open_vector_store(saved, kind)
    allowed = np.arange(100, 160)
    for query in QUERIES:
        _, ids = store.search(query, 10, allowed)
        assert len(ids) == 10 and set(ids) <= set(allowed)
        assert ids[0] == allowed[np.argmax(VECTORS[allowed] @ query)]
    _, ids = store.search(QUERIES[0], 50, np.array([3, 5]))
    assert sorted(ids) == [3, 5]  # asking for more than is allowed returns what is allowed


def test_scores_and_vectors_of_given_rows(kind: str, saved: Path) -> None:
    store = open_vector_store(saved, kind)
    rows = np.array([9, 2, 1100, 2])
    assert np.allclose(store.vectors(rows), VECTORS[rows], atol=1e-6)
    assert np.allclose(store.scores(QUERIES[0], rows), VECTORS[rows] @ QUERIES[0], atol=1e-5)


def test_drop_releases_what_lives_outside_the_build(kind: str, saved: Path) -> None:
    store = open_vector_store(saved, kind)
    store.drop()
    if kind == "milvus":  # the collection is gone: the store can no longer be searched
        with pytest.raises(Exception):  # noqa: B017 - pymilvus raises its own error types
            open_vector_store(saved, kind).search(QUERIES[0], 1)
    else:  # FAISS keeps everything in the build directory, which the store prunes itself
        assert len(open_vector_store(saved, kind).search(QUERIES[0], 1)[1]) == 1
