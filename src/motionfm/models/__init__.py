"""IMU encoders (ST-GCN, PRIMUS CNN+GRU) and the IMU-text model."""

from .imu_text import ImuTextModel, ModelConfig, build_encoder
from .stgcn import CONFIGS as STGCN_CONFIGS
from .stgcn import STGCN, STGCNConfig, stgcn_config

__all__ = ["ImuTextModel", "ModelConfig", "STGCN", "STGCNConfig", "STGCN_CONFIGS", "build_encoder", "stgcn_config"]
