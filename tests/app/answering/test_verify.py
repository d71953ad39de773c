"""The verifier: generated sentences survive only with valid citations, supported numbers and real overlap."""

from __future__ import annotations

from app.answering.verify import VerifiedStream
from index.retrieve import Hit
from ingest.models import Chunk, DocumentMetadata


def hit(text: str, doc: str = "d") -> Hit:
    chunk = Chunk(f"{doc}#0", doc, text, 0, len(text), ("一、总则",), DocumentMetadata(title=f"文件{doc}"))
    return Hit(chunk, 1.0, 1.0, 1.0, 0)


HITS = [
    hit("2020年,我区小学一年级有入学需求的适龄儿童5000人,公办小学只能提供3800个学位。每个年级缺口1200学位。", "a"),
    hit("全区教育累计投资 17.4 亿元,新建中小学共 16 所。", "b"),
]


def run(text: str, chunk: int = 3) -> VerifiedStream:
    stream = VerifiedStream(HITS)
    for i in range(0, len(text), chunk):
        stream.feed(text[i : i + chunk])
    stream.finish()
    return stream


def test_supported_sentences_are_kept_and_renumbered() -> None:
    stream = run("全区教育累计投资17.4亿元[2]。公办小学只能提供3800个学位[1]。")
    assert stream.text == "全区教育累计投资17.4亿元[1]。公办小学只能提供3800个学位[2]。"
    citations = stream.citations()
    assert [c.doc_id for c in citations] == ["b", "a"]
    assert citations[0].quote == "全区教育累计投资 17.4 亿元,新建中小学共 16 所。"
    assert citations[1].quote == "2020年,我区小学一年级有入学需求的适龄儿童5000人,公办小学只能提供3800个学位。"


def test_marker_after_the_full_stop_is_kept_with_its_sentence() -> None:
    assert run("公办小学只能提供3800个学位。[1]每个年级缺口1200学位。[1]").text == (
        "公办小学只能提供3800个学位。[1]每个年级缺口1200学位。[1]"
    )


def test_number_not_in_the_cited_passage_drops_the_sentence() -> None:
    stream = run("公办小学只能提供4000个学位[1]。每个年级缺口1200学位[1]。")
    assert stream.text == "每个年级缺口1200学位[1]。"


def test_number_from_another_passage_than_the_cited_one_is_rejected() -> None:
    assert run("公办小学投资17.4亿元[1]。").text == ""


def test_uncited_sentences_and_unknown_markers_are_dropped() -> None:
    assert run("公办小学只能提供3800个学位。").text == ""
    assert run("公办小学只能提供3800个学位[3]。").text == ""


def test_gibberish_with_a_marker_is_dropped() -> None:
    assert run("蓝色的大象在月亮上跳舞唱歌[1]。").text == ""
    assert run("的的的的的的的的[1]。").text == ""
