"""IMU encoders (ST-GCN, PRIMUS CNN+GRU), the IMU-text models, and the registry that builds them."""

from .imu_text import ImuTextModel, ModelConfig, build_encoder
from .primus import Neighbours, PrimusModel, PrimusOutput, PrimusWeights
from .registry import ARCHITECTURES, Architecture, create_model, get_architecture, list_models, model_config
from .rnn import PrimusConfig, PrimusEncoder, primus_config
from .stgcn import CONFIGS as STGCN_CONFIGS
from .stgcn import STGCN, STGCNConfig, stgcn_config

__all__ = ["ARCHITECTURES", "Architecture", "ImuTextModel", "ModelConfig", "Neighbours", "PrimusConfig",
           "PrimusEncoder", "PrimusModel", "PrimusOutput", "PrimusWeights", "STGCN", "STGCNConfig", "STGCN_CONFIGS",
           "build_encoder", "create_model", "get_architecture", "list_models", "model_config", "primus_config",
           "stgcn_config"]
