"""The offline text corpus, and the packaged real encoder (skipped with the reason where the extra is absent)."""

import numpy as np
import pytest

from infonce_gauss.simulations.text import E5, TOPICS, embed_sentences, encoder_unavailable, generate_corpus


def test_corpus_is_reproducible_varied_and_paired():
    a = generate_corpus(2000, seed=1)
    assert a == generate_corpus(2000, seed=1)
    sentences, positives, labels = a
    assert len(sentences) == len(positives) == len(labels) == 2000
    assert len(set(sentences)) > 1800                      # a few thousand distinct sentences, not repeats
    assert set(labels) == set(TOPICS)
    assert all(s != p for s, p in zip(sentences, positives))  # the positive is another phrasing ...
    assert all(set(s.lower().strip(".").replace(",", "").split()) <= set(p.lower().strip(".").replace(",", "").split())
               | {"it", "was", "when", "according", "to", "friends"} for s, p in zip(sentences[:200], positives[:200]))


@pytest.mark.skipif(encoder_unavailable() is not None, reason=str(encoder_unavailable()))
def test_packaged_encoder_embeds_offline_before_normalization(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    sentences, positives, _ = generate_corpus(64, seed=2)
    z = embed_sentences(sentences + positives)
    assert z.shape == (128, 384) and z.dtype == np.float32
    norms = np.linalg.norm(z, axis=1)
    assert np.all(norms > 1.5)                             # mean-pooled, not the unit-norm output
    u = z / norms[:, None]
    cos = np.sum(u[:64] * u[64:], axis=1)
    shuffled = np.sum(u[:64] * np.roll(u[64:], 1, axis=0), axis=1)
    assert cos.mean() > shuffled.mean() + 0.1              # paraphrases align better than random pairs


def test_an_unknown_encoder_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="multilingual-e5-small"):
        encoder_unavailable("bert-base")


@pytest.mark.skipif(encoder_unavailable(E5) is not None, reason=str(encoder_unavailable(E5)))
def test_packaged_e5_embeds_offline_normalized_and_aligns_paraphrases():
    sentences, positives, _ = generate_corpus(48, seed=3)
    u = embed_sentences(sentences + positives, encoder=E5)
    assert u.shape == (96, 384) and u.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, atol=1e-5)   # L2-normalized output only
    np.testing.assert_allclose(embed_sentences(sentences[:4], encoder=E5), u[:4], atol=1e-6)  # batch-free
    cos = np.sum(u[:48] * u[48:], axis=1)
    shuffled = np.sum(u[:48] * np.roll(u[48:], 1, axis=0), axis=1)
    assert cos.mean() > shuffled.mean() + 0.05                               # paraphrases align better than random pairs
