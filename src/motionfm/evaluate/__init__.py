"""The evaluation protocol (benchmark), its metrics and its report."""

from .benchmark import ADAPTATIONS, BASELINES, FEATURES, PROBE_LAYERS, SETTINGS, EvalConfig, Evaluator, SeenInPretrainingError, check_zero_shot_allowed, plan, run, seen_in_pretraining, was_seen
from .leave_one_out import leave_one_out
from .metrics import classification_metrics, confusion, recall_at_k
from .report import PUBLISHED_UNIMTS, figures, markdown_table

__all__ = ["ADAPTATIONS", "BASELINES", "FEATURES", "PROBE_LAYERS", "SETTINGS", "EvalConfig", "Evaluator", "PUBLISHED_UNIMTS", "SeenInPretrainingError",
           "check_zero_shot_allowed", "classification_metrics", "confusion", "figures", "leave_one_out", "markdown_table", "plan",
           "recall_at_k", "run", "seen_in_pretraining", "was_seen"]
