"""Pre-training: config, recipes, the material a run trains on, data packs, batch sampling, the trainer.

    config.py    PretrainConfig, checked before any work starts
    recipes.py   one record per recipe (architecture, objective, augmentation, sensor sites, DDP)
    material.py  what a run trains on; its provenance (seen_datasets) comes from its contents
    build.py     corpora + real train splits, or a data pack, checked against the config
    pack.py      data packs on disk
    sampler.py   raw batches drawn reproducibly; batch.py augments them and moves them to the device
    objectives.py, feature_queue.py   what one step optimises
    trainer.py   the loop: checkpoints, exact resume, SIGTERM, DDP
"""

from .batch import Batch, augment_batch
from .build import build_data, load_real
from .config import PretrainConfig
from .material import Material
from .objectives import PrimusRecipe
from .pack import load_pack, save_pack
from .recipes import RECIPES, Recipe, get_recipe
from .sampler import RawBatch, draw
from .trainer import CHECKPOINT, Trainer, pretrain

__all__ = ["CHECKPOINT", "RECIPES", "Batch", "Material", "PretrainConfig", "PrimusRecipe", "RawBatch", "Recipe",
           "Trainer", "augment_batch", "build_data", "draw", "get_recipe", "load_pack", "load_real", "pretrain",
           "save_pack"]
