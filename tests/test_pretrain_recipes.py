"""pretrain/recipes.py: each record builds the objective, model and DDP setting its recipe needs."""

import pytest
import torch

from motionfm.models import create_model
from motionfm.pretrain import RECIPES, PretrainConfig, get_recipe
from motionfm.pretrain.objectives import ClipObjective, PrimusObjective


@pytest.mark.parametrize("name, objective, model_class, unused, video", [
    ("unimts", ClipObjective, "ImuTextModel", False, False), ("primus", PrimusObjective, "PrimusModel", True, True)])
def test_record_builds_what_the_recipe_trains(name, objective, model_class, unused, video):
    recipe = RECIPES[name]
    encoder = {"stgcn": "tiny", "primus": "primus-tiny"}[recipe.architecture]
    cfg = PretrainConfig.from_dict({"recipe": name, "model": {"arch": recipe.architecture, "encoder": encoder}})
    assert isinstance(recipe.objective(cfg, torch.device("cpu")), objective)
    assert type(create_model(cfg.model)).__name__ == model_class
    assert recipe.find_unused_parameters is unused and recipe.video is video


def test_unknown_recipe_lists_the_known():
    with pytest.raises(ValueError, match="known: unimts, primus"):
        get_recipe("simclr")
