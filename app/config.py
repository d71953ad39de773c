"""All settings in one place, read from the environment (prefix ``POLICYQA_``) and an optional ``.env``.

The choices offered for a backend (encoder, vector index, retrieval mode, generator) are the names of its
registry; defaults are those of the stage that uses them, written once there."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.encoders import THREADS, EncoderName
from index.retrieve import Jurisdiction, Mode, RetrievalConfig
from index.store import BuildSettings
from index.vector_store import VectorIndex
from ingest.models import DEFAULT_LIMITS, ReadLimits

GeneratorName = Literal["none", "openai", "transformers"]  # the registry: app/answering/generators.py
# Defaults live with the code that uses them (the stages' config records); Settings reads them from there.
_RETRIEVAL = RetrievalConfig()
_BUILD = BuildSettings()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("data/corpus"), description="Documents `policyqa ingest` reads by default.")
    index_dir: Path = Field(Path("data/index"), description="Where built indexes live (git-ignored).")

    encoder: EncoderName = "use"
    model_dir: Path | None = Field(None, description="Local sentence-transformers model directory.")
    query_prefix: str | None = Field(None, description="Instruction put before queries; default: the model's.")
    threads: int = Field(THREADS, ge=1, description="CPU threads for encoding and FAISS.")

    chunk_size: int = Field(_BUILD.chunk_size, ge=20, description="Largest passage, in characters.")
    chunk_overlap: int = Field(_BUILD.chunk_overlap, ge=0, description="Overlap between passages (whole sentences).")
    vector_index: VectorIndex = _BUILD.vector_index
    milvus_uri: str | None = Field(
        None, description="For vector_index=milvus: a Milvus Lite .db file, or a Milvus server URL."
    )

    retrieval_mode: Mode = _RETRIEVAL.mode
    bm25_weight: float = Field(_RETRIEVAL.bm25_weight, ge=0.0, le=1.0)
    candidates: int = Field(
        _RETRIEVAL.candidates, ge=1, description="Candidates each retriever contributes before fusion."
    )
    jurisdiction: Jurisdiction = Field(
        _RETRIEVAL.jurisdiction,
        description="How a place the question names ranks documents: soft = a bonus for that place's documents, "
        "a penalty for other places', unknown regions compete on text; strict = that place's documents first; off.",
    )

    context_passages: int = Field(5, ge=1, le=20, description="Passages an answer is drawn from.")

    generator: GeneratorName = Field("none", description="LLM answerer; none = extractive.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1")
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model_dir: Path | None = Field(None, description="Local transformers causal LM directory.")
    llm_timeout: float = Field(20.0, gt=0, description="Seconds before the LLM is abandoned for the extractive answer.")

    max_k: int = Field(20, ge=1, description="Most results one search may ask for.")
    max_history_turns: int = Field(20, ge=0)
    max_history_chars: int = Field(2000, ge=1, description="Longest single history message.")
    max_question_chars: int = Field(500, ge=1)
    reload_check_seconds: float = Field(2.0, ge=0.0, description="How often the server looks for a new build.")

    cors_origins: list[str] = Field(
        default_factory=list,
        description='Origins allowed to call the API from a browser (the widget on their pages), e.g. ["https://school.example"].',
    )
    db_path: Path = Field(Path("data/policyqa.sqlite3"), description="SQLite file: conversation log and feedback.")
    log_retention_days: int = Field(90, ge=1, description="Conversations older than this are deleted.")

    admin_api_keys: list[SecretStr] = Field(
        default_factory=list, description="Keys for the admin API (X-API-Key header); empty disables it."
    )
    upload_max_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest document an admin may upload.")
    pdf_max_pages: int = Field(
        DEFAULT_LIMITS.pdf_pages, ge=1, description="Longest PDF ingest reads (longer ones are refused)."
    )
    ocr_max_pages: int = Field(
        DEFAULT_LIMITS.ocr_pages, ge=0, description="Most scanned pages OCR reads in one document."
    )
    ocr_seconds: float = Field(DEFAULT_LIMITS.ocr_seconds, gt=0, description="Longest OCR may take on one document.")
    upload_parse_seconds: float = Field(
        60.0, gt=0, description="Longest an upload may take to read (in a separate, memory-bounded process)."
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest request body on public endpoints.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Reverse proxies whose X-Forwarded-For is believed (e.g. ["127.0.0.1"] behind nginx on the '
        "same host); empty: the connecting address is the client.",
    )
    rate_limit_per_minute: int = Field(30, ge=0, description="Chat/search requests per client IP per minute; 0 = off.")
    rate_limit_burst: int = Field(10, ge=1, description="Requests a client may make at once before the rate applies.")

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _jurisdiction_from_bool(cls, value: object) -> object:
        """``POLICYQA_JURISDICTION=true/false`` from before the modes: true is soft, false is off."""
        if isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0"):
            return "soft" if str(value).lower() in ("true", "1") else "off"
        return value

    host: str = "127.0.0.1"
    port: int = 8000

    # -- the stages' own config records, made from these settings (one place) ------------------

    def build_settings(self) -> BuildSettings:
        return BuildSettings(
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
            vector_index=self.vector_index,
            milvus_uri=self.milvus_uri,
            threads=self.threads,
        )

    def retrieval_config(self) -> RetrievalConfig:
        return RetrievalConfig(
            mode=self.retrieval_mode,
            bm25_weight=self.bm25_weight,
            candidates=self.candidates,
            jurisdiction=self.jurisdiction,
        )

    def read_limits(self) -> ReadLimits:
        return ReadLimits(self.pdf_max_pages, self.ocr_max_pages, self.ocr_seconds)
