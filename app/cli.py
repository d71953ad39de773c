"""``policyqa`` command line: a thin layer over the functions the HTTP API uses."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.answering.chat import chat_service
from app.config import Settings
from app.evaluation import evaluate_chat, evaluate_retrieval, load_qa, select
from app.service import SearchService, ingest_directory
from index.build import BuildReport
from index.errors import IndexError_
from index.retrieve import SearchFilters
from ingest.models import PolicyDocument

if TYPE_CHECKING:
    from app.documents import DocumentLibrary

cli = typer.Typer(
    help="policyqa: question answering over local education policy documents.",
    no_args_is_help=True,
    add_completion=False,
)
IndexDir = Annotated[
    Path | None, typer.Option("--index-dir", help="Index directory (default: data/index or POLICYQA_INDEX_DIR).")
]


def _settings(index_dir: Path | None, **overrides: object) -> Settings:
    settings = Settings()
    update = {k: v for k, v in {"index_dir": index_dir, **overrides}.items() if v is not None}
    return settings.model_copy(update=update)


def _service(settings: Settings) -> SearchService:
    service = SearchService(settings)
    try:
        service.warm_up()
    except IndexError_ as exc:
        typer.secho(f"Error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    return service


@cli.command()
def ingest(
    directory: Annotated[Path | None, typer.Argument(help="Corpus directory (default: data/corpus).")] = None,
    index_dir: IndexDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    cleaning_report: Annotated[
        Path | None, typer.Option("--report", help="Write characters kept/removed per document (JSON) here.")
    ] = None,
) -> None:
    """Index every document in DIRECTORY; only new or changed documents are embedded again.

    Exits with 1 when a file could not be indexed (each is named); the others are indexed all the same."""
    settings = _settings(index_dir)
    try:
        outcome = ingest_directory(settings, directory, progress=not quiet)
    except FileNotFoundError as exc:
        typer.secho(f"Error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    documents = outcome.corpus.documents
    _print_cleaning(documents)
    if cleaning_report is not None:
        rows = [{"file": d.path, "kept": d.kept_chars, "removed": d.removed_chars} for d in documents]
        cleaning_report.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for error in outcome.corpus.errors:
        typer.secho(f"Error: not indexed: {error}", fg="red", err=True)
    report = outcome.build
    if report is None:
        typer.secho("Error: no readable document found; the current index was left as it was.", fg="red", err=True)
        raise typer.Exit(1)
    if report.up_to_date:
        typer.echo(f"Index is up to date: {report.documents} documents, {report.chunks} passages.")
    else:
        _print_build(report, settings)
    if outcome.corpus.errors:
        raise typer.Exit(1)


_CLEANING_SHOWN = 10


def _print_cleaning(documents: list[PolicyDocument]) -> None:
    """Characters kept and removed (page chrome) per document: the total, and the documents that lost most."""
    kept = sum(d.kept_chars for d in documents)
    removed = sum(d.removed_chars for d in documents)
    if not removed:
        return
    touched = sorted((d for d in documents if d.removed_chars), key=lambda d: -d.removed_chars / (d.kept_chars + 1))
    typer.echo(f"Cleaning kept {kept} characters and removed {removed} (page chrome) from {len(touched)} documents:")
    for d in touched[:_CLEANING_SHOWN]:
        typer.echo(f"  {d.path}: kept {d.kept_chars}, removed {d.removed_chars}")
    if len(touched) > _CLEANING_SHOWN:
        typer.echo(f"  … and {len(touched) - _CLEANING_SHOWN} more (--report FILE lists every document)")


def _print_build(report: BuildReport, settings: Settings) -> None:
    typer.echo(
        f"Indexed {report.documents} documents into {report.chunks} passages in {report.seconds:.1f}s "
        f"(added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged}; embedded {report.embedded}, reused {report.reused}).\n"
        f"Index: {settings.index_dir / 'current'} -> {report.build_id}"
    )


@cli.command()
def search(
    question: Annotated[str, typer.Argument(help="The question, e.g. 外地户口孩子能在玉泉区上公办小学吗")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    region: Annotated[str | None, typer.Option(help="Only documents of this place.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Print the passages that answer QUESTION, best first, with their sources."""
    from app.schemas import SearchResult

    hits = _service(_settings(index_dir)).search(question, k, SearchFilters(region=region))
    results = [SearchResult.from_hit(h) for h in hits]
    if as_json:
        typer.echo(
            json.dumps({"query": question, "results": [r.model_dump() for r in results]}, ensure_ascii=False, indent=1)
        )
        return
    if not results:
        typer.echo("No matching passage.")
    for n, r in enumerate(results, 1):
        source = " · ".join(p for p in (r.title, r.region, r.date) if p)
        typer.secho(f"[{n}] {source}  (score {r.score:.3f})", bold=True)
        if r.section:
            typer.echo(f"    {r.section}")
        typer.echo("    " + r.text.replace("\n", "\n    ") + "\n")


@cli.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 玉泉区每个年级的小学学位缺多少？")],
    region: Annotated[str | None, typer.Option(help="Answer only from documents of this place.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Answer QUESTION from the documents, with its sources, or say the documents do not answer it."""
    from app.schemas import ChatResponse

    answer = chat_service(_service(_settings(index_dir))).ask(question, region=region)
    if as_json:
        typer.echo(json.dumps(ChatResponse.from_answer(answer).model_dump(), ensure_ascii=False, indent=1))
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        source = " · ".join(p for p in (c.title, c.region, c.date) if p)
        typer.secho(f"\n[{c.n}] {source}", bold=True)
        if c.section:
            typer.echo(f"    {c.section}")
        typer.echo(f"    “{c.quote}”")


docs = typer.Typer(help="Manage the documents in the corpus directory (what the admin API does).", no_args_is_help=True)
cli.add_typer(docs, name="docs")


def _library() -> DocumentLibrary:
    from app.documents import library_for

    return library_for(Settings())


@docs.command("list")
def docs_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the documents and their metadata."""
    from dataclasses import asdict

    items = _library().list()
    if as_json:
        typer.echo(json.dumps([asdict(d) for d in items], ensure_ascii=False, indent=1))
        return
    for d in items:
        meta = d.metadata
        typer.echo(f"{d.doc_id}  {meta.title or '(no title)'}  {meta.region or '-'}  {meta.date or '-'}  {d.size} B")


@docs.command("add")
def docs_add(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .txt .md .html .pdf or .docx file.")],
    title: Annotated[str | None, typer.Option(help="标题")] = None,
    region: Annotated[str | None, typer.Option(help="地区, e.g. 内蒙古自治区包头市昆都仑区")] = None,
    publisher: Annotated[str | None, typer.Option(help="发布机构")] = None,
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    source_url: Annotated[str | None, typer.Option(help="来源网址")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace a document with the same file name.")] = False,
    ingest_now: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Re-index afterwards.")] = True,
) -> None:
    """Add (or --replace) a document with its metadata, checked exactly as an upload is."""
    from app.documents import DocumentNotFound, UploadRejected
    from ingest.models import DocumentMetadata

    meta = DocumentMetadata(title=title, region=region, publisher=publisher, date=date, source_url=source_url)
    try:
        doc = _library().save(file.name, file.read_bytes(), meta, replace=replace)
    except (UploadRejected, DocumentNotFound) as exc:
        typer.secho(f"Error: {getattr(exc, 'message', f'no document named {exc}')}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Added {doc.file} as {doc.doc_id}.")
    if ingest_now:
        ingest(None, None, quiet=True)


@docs.command("remove")
def docs_remove(
    doc_id: Annotated[str, typer.Argument(help="The document id (file name without suffix).")],
    ingest_now: Annotated[bool, typer.Option("--ingest/--no-ingest", help="Re-index afterwards.")] = True,
) -> None:
    """Remove a document and its manifest row."""
    from app.documents import DocumentNotFound

    try:
        _library().remove(doc_id)
    except DocumentNotFound as exc:
        typer.secho(f"Error: no document '{doc_id}'", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Removed {doc_id}.")
    if ingest_now:
        ingest(None, None, quiet=True)


@cli.command()
def report(
    days: Annotated[int, typer.Option(min=1, help="Look back this many days.")] = 30,
    top: Annotated[int, typer.Option(min=1, help="Groups per list.")] = 20,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV (kind, question, count, examples).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What people ask most, what was refused, what was marked 没帮助 — the gaps to fill in the corpus."""
    from app.conversations import ConversationLog
    from app.report import build_report
    from app.service import encoder_for

    settings = Settings()
    result = build_report(
        ConversationLog(settings.db_path, settings.log_retention_days), encoder_for(settings), days, top
    )
    if csv_out:
        typer.echo(result.to_csv(), nl=False)
        return
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
        return
    typer.echo(f"{result.conversations} conversations in the last {days} days")
    for title, groups in (("Most asked", result.frequent), ("Refused", result.refused), ("没帮助", result.unhelpful)):
        typer.secho(f"\n{title}:", bold=True)
        if not groups:
            typer.echo("  (none)")
        for g in groups:
            typer.echo(
                f"  {g.count:>4}  {g.question}" + (f"   (also: {' / '.join(g.examples[1:])})" if g.examples[1:] else "")
            )


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from app.api import create_app

    settings = _settings(index_dir, host=host, port=port)
    # X-Forwarded-For is believed only from the proxies an operator lists (uvicorn's default trusts loopback,
    # so anyone on the machine could rotate it past the rate limit)
    proxies = ",".join(settings.trusted_proxies)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


@cli.command("eval")
def evaluate(
    qa_files: Annotated[
        list[Path], typer.Argument(help="Question files in JSONL (data/eval/dev_v2.jsonl format).", exists=True)
    ],
    split: Annotated[
        str, typer.Option(help="tune, heldout (the half the answer model was not fitted on) or all.")
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    mode: Annotated[str | None, typer.Option(help="Retriever: hybrid, bm25 or dense.")] = None,
    index_dir: IndexDir = None,
) -> None:
    """Score QA_FILES: retrieval (hit@1, hit@5, MRR) and chat (the metrics of score_http.py), per style."""
    if split not in ("tune", "heldout", "all"):
        typer.secho("Error: --split must be tune, heldout or all", fg="red", err=True)
        raise typer.Exit(2)
    try:
        items = [item for path in qa_files for item in load_qa(path)]
    except ValueError as exc:
        typer.secho(f"Error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    items = select(items, None if split == "all" else split)  # type: ignore[arg-type]
    service = _service(_settings(index_dir, retrieval_mode=mode))
    retrieval = evaluate_retrieval(service.search, items).as_dict()
    chat = chat_service(service)
    answers = evaluate_chat(chat.ask, items)
    if as_json:
        typer.echo(json.dumps({"split": split, **retrieval, **answers.as_dict()}, ensure_ascii=False))
        return
    typer.echo(
        f"split {split}: {len(items)} questions. retrieval: {retrieval['questions']} scored  "
        f"hit@1 {retrieval['hit@1']:.3f}  hit@5 {retrieval['hit@5']:.3f}  MRR {retrieval['mrr']:.3f}"
    )
    header = f"{'style':16}{'n':>4}{'answer':>8}{'useful':>8}{'false_ref':>10}{'wrong':>6}{'related':>8}"
    header += f"{'unans_n':>8}{'refused':>8}{'unans_answered':>15}"
    typer.echo(header)
    for name, m in [*answers.by_group().items(), ("ALL", answers.overall())]:
        typer.echo(
            f"{name:16}{m['answered_n']:>4}{m['answer_acc']:>8.3f}{m['useful_acc']:>8.3f}{m['false_refusals']:>10}"
            f"{m['wrong']:>6}{m['related']:>8}{m['refusal_n']:>8}{m['refusal_acc']:>8.3f}"
            f"{m['unanswerable_answered']:>15.3f}"
        )


_VERBOSE_COMMANDS = ("serve", "ingest")  # their operators want to see index loads and switches


@cli.callback()
def _configure_logging(ctx: typer.Context) -> None:
    """The one place logging is configured: warnings from everything; for a server or an ingest, also what our
    packages report (index loaded, build switched in)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    level = logging.INFO if ctx.invoked_subcommand in _VERBOSE_COMMANDS else logging.WARNING
    for package in ("app", "index", "ingest"):
        logging.getLogger(package).setLevel(level)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
