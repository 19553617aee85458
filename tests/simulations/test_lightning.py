"""GaussianityCallback inside a real Lightning Trainer: each monitored epoch's statistics are those of a
GaussianityMonitor fed that epoch's embeddings, and they reach the trainer's logged metrics."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

lightning = pytest.importorskip("lightning")

from infonce_gauss.simulations.lightning import GaussianityCallback  # noqa: E402
from infonce_gauss.simulations.monitor import GaussianityMonitor  # noqa: E402


class _Encoder(lightning.LightningModule):
    """A linear encoder trained to align two noisy views; it records the embeddings it returns."""

    def __init__(self, returned_key="z"):
        super().__init__()
        self.net = torch.nn.Linear(8, 16)
        self.returned_key = returned_key
        self.seen = []

    def training_step(self, batch, batch_idx):
        (x,) = batch
        z, z_pos = self.net(x), self.net(x + 0.05 * torch.randn_like(x))
        loss = -torch.nn.functional.cosine_similarity(z, z_pos).mean()
        self.seen.append((self.current_epoch, z.detach().clone(), z_pos.detach().clone()))
        return {"loss": loss, self.returned_key: z, "z_positive": z_pos}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5)


def _fit(module, callback, tmp_path, epochs=2):
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(512, 8))
    trainer = lightning.Trainer(max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
                                callbacks=[callback])
    trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=128))
    return trainer


def test_each_epoch_is_monitored_alone_and_logged(tmp_path):
    module, callback = _Encoder(), GaussianityCallback(16)
    trainer = _fit(module, callback, tmp_path)
    assert [h["epoch"] for h in callback.history] == [0, 1]
    for h in callback.history:  # the monitor is reset at each epoch's start: n is one epoch's rows
        reference = GaussianityMonitor(16)
        for epoch, z, z_pos in module.seen:
            if epoch == h["epoch"]:
                reference.update(z, z_pos)
        expected = reference.compute()
        assert h["n"] == expected["n"] == 512
        for key, value in expected.items():
            assert h[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert callback.history[0]["alignment"] != callback.history[1]["alignment"]  # training moved the encoder
    logged = trainer.callback_metrics
    assert float(logged["gauss/alignment"]) == pytest.approx(callback.history[-1]["alignment"], rel=1e-6)
    assert float(logged["gauss/effective_rank"]) == pytest.approx(callback.history[-1]["effective_rank"], rel=1e-6)


def test_every_n_epochs_and_a_missing_key(tmp_path):
    sparse = GaussianityCallback(16, every_n_epochs=2)
    _fit(_Encoder(), sparse, tmp_path, epochs=3)
    assert [h["epoch"] for h in sparse.history] == [0, 2]
    with pytest.raises(KeyError, match="returned dict under 'z'.*'embedding'"):
        _fit(_Encoder(returned_key="embedding"), GaussianityCallback(16), tmp_path, epochs=1)


def test_under_ddp_every_rank_logs_the_statistics_of_all_the_ranks_embeddings(tmp_path):
    # Trainer(strategy="ddp", devices=2, accelerator="cpu") in a subprocess (the DDP launcher re-runs the script for
    # rank 1): each rank sees half of every epoch's batches; the history and the logged metrics of both ranks equal a
    # GaussianityMonitor fed the embeddings of both ranks, and Lightning raises no sync_dist warning.
    out = str(tmp_path / "fit")
    script = Path(__file__).with_name("lightning_ddp_fit.py")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, str(script), out], check=True, timeout=300, env=env, cwd=tmp_path)
    ranks = [torch.load(f"{out}.{rank}.pt", weights_only=False) for rank in range(2)]
    for h_index, epoch in enumerate((0, 1)):
        reference = GaussianityMonitor(16)
        for rank in ranks:
            for e, z, z_pos in rank["seen"]:
                if e == epoch:
                    reference.update(z, z_pos)
        expected = reference.compute()
        assert expected["n"] == 512
        for rank in ranks:
            got = rank["history"][h_index]
            assert got["epoch"] == epoch and len(rank["seen"]) == 8  # 4 batches of 64 per epoch on each rank
            for key, value in expected.items():  # float32 Gram windows summed in another order: 2e-6 (monitor.py)
                assert got[key] == pytest.approx(value, rel=2e-6, abs=1e-12), key
    for rank in ranks:
        assert rank["logged"]["gauss/n"] == 512
        assert rank["logged"]["gauss/mean_norm_sq"] == pytest.approx(ranks[0]["history"][-1]["mean_norm_sq"], rel=1e-6)
        assert rank["sync_dist_warnings"] == 0


def test_the_history_survives_a_checkpoint_and_loads_with_weights_only(tmp_path):
    module, callback = _Encoder(), GaussianityCallback(16)
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(256, 8))
    loader = torch.utils.data.DataLoader(data, batch_size=128)
    trainer = lightning.Trainer(max_epochs=2, accelerator="cpu", logger=False, enable_progress_bar=False,
                                enable_model_summary=False, default_root_dir=tmp_path, callbacks=[callback])
    trainer.fit(module, loader)
    path = tmp_path / "last.ckpt"
    trainer.save_checkpoint(path)
    checkpoint = torch.load(path, weights_only=True)  # tensors, lists and floats only
    assert [h["epoch"] for h in next(v for k, v in checkpoint["callbacks"].items() if "Gaussianity" in k)["history"]] == [0, 1]
    resumed = GaussianityCallback(16)
    trainer = lightning.Trainer(max_epochs=3, accelerator="cpu", logger=False, enable_progress_bar=False,
                                enable_model_summary=False, default_root_dir=tmp_path, callbacks=[resumed])
    trainer.fit(_Encoder(), loader, ckpt_path=path)
    assert [h["epoch"] for h in resumed.history] == [0, 1, 2]
    assert resumed.history[:2] == callback.history


def test_verdicts_in_the_history_and_a_collapse_callback(tmp_path):
    collapsed = []
    callback = GaussianityCallback(16, eta2=0.5, rankme_min=17.0,  # RankMe <= d = 16 always: every epoch collapses
                                   on_collapse=lambda trainer, module, stats: collapsed.append((trainer.current_epoch,
                                                                                                stats["rankme"])))
    _fit(_Encoder(), callback, tmp_path)
    assert [epoch for epoch, _ in collapsed] == [0, 1]
    assert [rankme for _, rankme in collapsed] == [h["rankme"] for h in callback.history]
    for h in callback.history:
        assert set(h["verdicts"]) == {"thin_shell", "mean_direction", "alignment"}
        assert set(h["verdicts"].values()) <= {"holds", "fails", "cannot tell"}
    quiet = GaussianityCallback(16, rankme_min=1.0)  # RankMe >= 1 always: no epoch collapses
    _fit(_Encoder(), quiet, tmp_path, epochs=1)
    with pytest.warns(RuntimeWarning, match="epoch 0: RankMe .* fell below rankme_min = 17"):
        _fit(_Encoder(), GaussianityCallback(16, rankme_min=17.0), tmp_path, epochs=1)
    with pytest.raises(ValueError, match="on_collapse needs rankme_min"):
        GaussianityCallback(16, on_collapse=print)
