"""Tiny models with random weights, built locally from a config (never downloaded), for the code paths that
load a model directory an operator provides: a sentence-transformers encoder and a causal LM."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CORPUS


def _corpus_tokenizer():
    """A BERT tokenizer whose vocabulary is the sample corpus's characters."""
    from transformers import BertTokenizerFast

    chars = sorted({c for p in CORPUS.glob("*.txt") for c in p.read_text("utf-8") if not c.isspace()})
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars])}
    return BertTokenizerFast(vocab=vocab)


def tiny_sentence_encoder(target: Path) -> Path:
    """A 2-layer, 32-d BERT saved as a sentence-transformers model directory (what an operator would copy onto
    the server in place of bge-small-zh)."""
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    tokenizer = _corpus_tokenizer()
    hf_dir = target / "hf"
    hf_dir.mkdir(parents=True)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=256)
    pooling = models.Pooling(transformer.get_embedding_dimension(), "mean")
    model_dir = target / "tiny-bge-small-zh"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(model_dir))
    return model_dir


def tiny_causal_lm(target: Path) -> Path:
    """A 2-layer GPT-2: it writes gibberish (no end-of-text token, so it always writes until max_new_tokens)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    tokenizer = _corpus_tokenizer()
    target.mkdir(parents=True)
    size = {"n_positions": 4096, "n_embd": 32, "n_layer": 2, "n_head": 2}
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=None, eos_token_id=None, **size)
    GPT2LMHeadModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
