"""A Lightning fit under ``Trainer(strategy="ddp", devices=2, accelerator="cpu")`` with GaussianityCallback, run as
a script by tests/simulations/test_lightning.py (Lightning's DDP launcher starts rank 1 by running this script
again). Each rank writes the embeddings it saw and the callback's history to ``OUT.<rank>.pt``."""

import sys
import warnings

import lightning
import torch

from infonce_gauss.simulations.lightning import GaussianityCallback


class Encoder(lightning.LightningModule):
    """A linear encoder trained to align two noisy views; it records the embeddings it returns."""

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(8, 16)
        self.seen = []

    def training_step(self, batch, batch_idx):
        (x,) = batch
        z, z_pos = self.net(x), self.net(x + 0.05 * torch.randn_like(x))
        self.seen.append((self.current_epoch, z.detach().clone(), z_pos.detach().clone()))
        return {"loss": -torch.nn.functional.cosine_similarity(z, z_pos).mean(), "z": z, "z_positive": z_pos}

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.5)


def main(out: str) -> None:
    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(512, 8) + torch.linspace(-1, 1, 512)[:, None])
    module, callback = Encoder(), GaussianityCallback(16)
    trainer = lightning.Trainer(strategy="ddp", devices=2, accelerator="cpu", max_epochs=2, logger=False,
                                enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                                default_root_dir=out + ".root", callbacks=[callback])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # unshuffled: rank r's share is every other batch of a data set whose rows drift, so the shares differ
        trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=64, shuffle=False))
    logged = {k: float(v) for k, v in trainer.callback_metrics.items()}
    torch.save({"seen": module.seen, "history": callback.history, "logged": logged,
                "sync_dist_warnings": sum("sync_dist" in str(w.message) for w in caught)},
               f"{out}.{trainer.global_rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1])
