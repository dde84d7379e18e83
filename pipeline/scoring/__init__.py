"""Model training and scoring for the score step: warehouse inputs, per-model problems, the registry
loop, the forecast ensemble and the customer score rows."""

from pipeline.scoring.inputs import Inputs, read_inputs
from pipeline.scoring.scores import build_scores
from pipeline.scoring.training import Training, train_if_due

__all__ = ["Inputs", "Training", "build_scores", "read_inputs", "train_if_due"]
