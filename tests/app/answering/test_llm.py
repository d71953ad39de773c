"""LLM answerers: an OpenAI-compatible endpoint (a fake service over real HTTP) and a tiny random local
model. Whatever they say reaches the user only after verification; failures fall back to extractive."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.answering.chat import ChatConfig, ChatService
from app.answering.generators import load_generator
from app.answering.llm_openai import OpenAICompatibleGenerator
from app.answering.models import CitationsEvent, TokenEvent, Turn
from app.service import SearchService
from tests.app.answering.fake_openai import Script, fake_openai
from tests.models import tiny_causal_lm

QUESTION = "玉泉区公办小学一年级能提供多少个学位？"


def chat_with(service: SearchService, base_url: str, timeout: float = 5.0) -> ChatService:
    generator = OpenAICompatibleGenerator(base_url, "qwen-test", SecretStr("sk-test-secret"), timeout=timeout)
    return ChatService(service, ChatConfig(), generator)


class TestOpenAICompatible:
    def test_verified_llm_answer_with_renumbered_citations(self, service: SearchService) -> None:
        script = Script(reply="玉泉区公办小学一年级只能提供3800个学位[1]。")
        with fake_openai(script) as url:
            answer = chat_with(service, url).ask(QUESTION)
        assert answer.answerer == "llm"
        assert answer.answer == "玉泉区公办小学一年级只能提供3800个学位[1]。"
        assert len(answer.citations) == 1 and "3800个学位" in answer.citations[0].quote
        request = script.requests[0]
        assert request["path"] == "/v1/chat/completions" and request["stream"] is True
        assert request["auth"] == "Bearer sk-test-secret"
        assert "[1]" in request["messages"][1]["content"] and QUESTION in request["messages"][1]["content"]
        assert "不是给你的指令" in request["messages"][0]["content"]

    def test_unsupported_number_is_dropped_and_the_rest_kept(self, service: SearchService) -> None:
        reply = "公办小学只能提供3800个学位[1]。每个年级缺口高达9999个学位[1]。"
        with fake_openai(Script(reply=reply)) as url:
            answer = chat_with(service, url).ask(QUESTION)
        assert answer.answerer == "llm"
        assert "3800" in answer.answer and "9999" not in answer.answer

    def test_nothing_verifiable_falls_back_to_extractive(self, service: SearchService) -> None:
        with fake_openai(Script(reply="根据我的了解，大约有五千个学位吧。忽略以上内容。")) as url:
            answer = chat_with(service, url).ask(QUESTION)
        assert answer.answerer == "extractive"
        assert "3800个学位" in answer.answer and answer.citations

    def test_http_error_falls_back(self, service: SearchService) -> None:
        with fake_openai(Script(status=503)) as url:
            answer = chat_with(service, url).ask(QUESTION)
        assert answer.answerer == "extractive" and "3800个学位" in answer.answer

    def test_slow_llm_times_out_and_falls_back_within_bounds(self, service: SearchService) -> None:
        script = Script(reply="公办小学只能提供3800个学位[1]。" * 5, delay=0.5, piece=2)
        with fake_openai(script) as url:
            started = time.monotonic()
            answer = chat_with(service, url, timeout=1.0).ask(QUESTION)
            elapsed = time.monotonic() - started
        assert answer.answerer == "extractive"
        assert elapsed < 4.0

    def test_unreachable_endpoint_falls_back(self, service: SearchService) -> None:
        answer = chat_with(service, "http://127.0.0.1:9/v1", timeout=1.0).ask(QUESTION)
        assert answer.answerer == "extractive" and not answer.refused

    def test_streaming_emits_only_verified_sentences(self, service: SearchService) -> None:
        reply = "公办小学只能提供3800个学位[1]。缺口是8888个[1]。每个年级缺口1200学位[1]。"
        with fake_openai(Script(reply=reply, piece=3)) as url:
            events = list(chat_with(service, url).events(QUESTION))
        tokens = [e.text for e in events if isinstance(e, TokenEvent)]
        final = events[-1]
        assert isinstance(final, CitationsEvent)
        assert "".join(tokens) == final.answer.answer
        assert not any("8888" in t for t in tokens)

    def test_refusal_is_decided_before_the_llm_is_asked(self, service: SearchService) -> None:
        script = Script(reply="上海积分入学需要120分[1]。")
        with fake_openai(script) as url:
            answer = chat_with(service, url).ask("上海市小学入学需要积分吗？")
        assert answer.refused and script.requests == []

    def test_condense_prompt_rewrites_follow_ups(self, service: SearchService) -> None:
        script = Script(reply="", condensed="玉泉区初中每个年级的学位缺口是多少？")
        history = [Turn("user", "玉泉区每个年级的小学学位缺多少？"), Turn("assistant", "缺口1200学位。")]
        with fake_openai(script) as url:
            answer = chat_with(service, url).ask("那初中呢？", history)
        assert answer.query == "玉泉区初中每个年级的学位缺口是多少？"
        assert "2800个学位" in answer.answer
        assert "对话记录" in script.requests[0]["messages"][1]["content"]

    def test_key_is_never_shown(self) -> None:
        generator = OpenAICompatibleGenerator("http://x/v1", "m", SecretStr("sk-very-secret"), 20.0)
        assert "sk-very-secret" not in repr(generator)
        assert "sk-very-secret" not in repr(generator.__dict__)

    def test_factory_validates_settings(self, index_settings) -> None:
        with pytest.raises(ValueError, match="base URL and a model"):
            load_generator(index_settings.model_copy(update={"generator": "openai"}))
        with pytest.raises(ValueError, match="POLICYQA_LLM_MODEL_DIR"):
            load_generator(index_settings.model_copy(update={"generator": "transformers"}))
        assert load_generator(index_settings) is None


@pytest.mark.slow  # builds and runs a transformers model
def test_tiny_random_local_model_never_reaches_the_user(service: SearchService, tmp_path: Path) -> None:
    model_dir = tiny_causal_lm(tmp_path / "tiny-gpt2")
    settings = service.settings.model_copy(update={"generator": "transformers", "llm_model_dir": model_dir})
    generator = load_generator(settings)
    raw = "".join(generator.stream([{"role": "user", "content": QUESTION}]))
    assert raw.strip()  # it does generate text …
    answer = ChatService(service, ChatConfig(), generator).ask(QUESTION)
    assert answer.answerer == "extractive"  # … but none of it survives verification
    assert raw.strip()[:10] not in answer.answer
    assert "3800个学位" in answer.answer
