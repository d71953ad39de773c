"""Both encoder backends, through the same factory users run. The sentence-transformers model is a
tiny random BERT built here from a config, with a vocabulary made from the corpus: nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.config import Settings
from app.service import SearchService, encoder_for, ingest_directory
from index.encoders import load_encoder
from index.errors import EncoderMismatch, ModelNotFound
from tests.conftest import CORPUS
from tests.models import tiny_sentence_encoder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_sentence_encoder(tmp_path_factory.mktemp("model"))


class TestUseEncoder:
    def test_vectors_are_normalised_and_semantic(self) -> None:
        encoder = load_encoder("use")
        vectors = encoder.encode_documents(["小学入学需要哪些材料", "一年级新生报名需要带什么", "今天天气很好"])
        assert vectors.shape == (3, 512) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]

    def test_factory_returns_the_warm_instance(self) -> None:
        assert load_encoder("use") is load_encoder("use")

    def test_unknown_backend(self) -> None:
        with pytest.raises(ValueError, match="unknown encoder 'bert'"):
            load_encoder("bert")


@pytest.mark.slow  # builds and runs a transformers model
class TestSentenceTransformerEncoder:
    def test_loads_a_local_model_with_its_query_instruction(self, tiny_model: Path) -> None:
        encoder = load_encoder("sentence-transformers", tiny_model)
        assert encoder.dim == 32
        assert encoder.id.startswith("st:tiny-bge-small-zh:")
        assert encoder.query_prefix == "为这个句子生成表示以用于检索相关文章："
        docs = encoder.encode_documents(["玉泉区公办小学学位"])
        queries = encoder.encode_queries(["玉泉区公办小学学位"])
        assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
        assert not np.allclose(docs, queries)  # the instruction went in front of the query only
        ids = encoder._model.tokenizer("玉泉区公办小学学位")["input_ids"]
        assert encoder._model.tokenizer.unk_token_id not in ids  # the corpus vocabulary was loaded with the model

    def test_missing_model_directory_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(ModelNotFound, match="no sentence-transformers model in"):
            load_encoder("sentence-transformers", tmp_path / "bge-small-zh-v1.5")

    def test_index_and_search_end_to_end(self, tiny_model: Path, tmp_path: Path) -> None:
        settings = Settings(index_dir=tmp_path / "index", encoder="sentence-transformers", model_dir=tiny_model)
        outcome = ingest_directory(settings, CORPUS, progress=False)
        assert outcome.build is not None and outcome.build.embedded == outcome.build.chunks > 100
        service = SearchService(settings)
        service.warm_up()
        assert service.retriever.index.encoder_id == encoder_for(settings).id
        hits = service.search("玉泉区教师缺编多少人", 5)
        assert any("教师缺编共计719名" in h.chunk.text for h in hits)  # BM25 carries it; random vectors don't hurt

    def test_index_built_with_another_encoder_fails_clearly(self, tiny_model: Path, index_settings) -> None:
        settings = index_settings.model_copy(update={"encoder": "sentence-transformers", "model_dir": tiny_model})
        with pytest.raises(
            EncoderMismatch, match=r"built with encoder 'use-multilingual-v3'.*Re-run 'policyqa ingest'"
        ):
            SearchService(settings).warm_up()
