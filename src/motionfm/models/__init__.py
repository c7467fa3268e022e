"""IMU encoders (ST-GCN, PRIMUS CNN+GRU) and the IMU-text models."""

from .imu_text import ImuTextModel, ModelConfig, build_encoder
from .primus import PrimusModel, PrimusOutput, PrimusWeights, build_model
from .rnn import PrimusConfig, PrimusEncoder, primus_config
from .stgcn import CONFIGS as STGCN_CONFIGS
from .stgcn import STGCN, STGCNConfig, stgcn_config

__all__ = ["ImuTextModel", "ModelConfig", "PrimusConfig", "PrimusEncoder", "PrimusModel", "PrimusOutput",
           "PrimusWeights", "STGCN", "STGCNConfig", "STGCN_CONFIGS", "build_encoder", "build_model",
           "primus_config", "stgcn_config"]
