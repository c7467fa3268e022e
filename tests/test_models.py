import pytest
import torch

from motionfm.models import STGCN, ImuTextModel, ModelConfig, stgcn_config


@pytest.mark.parametrize("name,out_dim", [("unimts-reference", 512), ("small", 128), ("tiny", 16)])
def test_encoder_output_shape(name, out_dim):
    model = STGCN(stgcn_config(name)).eval()
    x = torch.randn(2, 200, 22, 6)
    assert model(x, torch.ones(2, 22, dtype=torch.bool)).shape == (2, out_dim)
    assert model(x[:, :57]).shape == (2, out_dim)  # any length


def test_reference_parameter_count():
    model = STGCN(stgcn_config("unimts-reference", in_channels=3))
    n = sum(p.numel() for p in model.parameters())
    assert abs(n - 5.18e6) / 5.18e6 < 0.01
    cfg = model.config
    assert cfg.channels == (64, 64, 64, 64, 128, 128, 128, 256, 256, 512)
    assert [i + 1 for i, s in enumerate(cfg.strides) if s == 2] == [5, 8] and cfg.temporal_kernel == 9
    assert model.edge_importance.shape == (10, 3, 22, 22)


def test_absent_joints_do_not_leak_through_input_norm():
    model = STGCN(stgcn_config("tiny")).train()
    x = torch.randn(4, 100, 22, 6)
    mask = torch.zeros(4, 22, dtype=torch.bool)
    mask[:, 17] = True
    out1 = model(x * mask[:, None, :, None], mask)
    y = x.clone()
    y[:, :, 3] += 100.0  # garbage in an absent joint changes nothing
    torch.testing.assert_close(model(y * mask[:, None, :, None], mask), out1)


def test_graph_structure_matters():
    model = STGCN(stgcn_config("tiny")).eval()
    x = torch.zeros(1, 60, 22, 6)
    x[0, :, 17] = torch.randn(60, 6)  # only the left wrist moves
    base = model(x)
    x2 = x.clone()
    x2[0, :, 17] = 0
    x2[0, :, 13] = x[0, :, 17]  # same signal on the head: another place in the graph, another output
    # (the right wrist would give the same output: left-right mirroring is a symmetry of the skeleton graph)
    assert not torch.allclose(model(x2), base)


def test_bad_input_shape():
    with pytest.raises(ValueError, match=r"\(B, T, 22, 6\)"):
        STGCN(stgcn_config("tiny"))(torch.zeros(2, 50, 21, 6))
    with pytest.raises(ValueError, match="unknown ST-GCN config"):
        stgcn_config("huge")


def test_imu_text_model_embeddings_are_unit_vectors():
    model = ImuTextModel(ModelConfig(encoder="tiny", embed_dim=32))
    x, mask = torch.randn(3, 100, 22, 6), torch.ones(3, 22, dtype=torch.bool)
    imu = model.embed_imu(x, mask)
    text = model.embed_text(torch.randn(3, 384))
    assert imu.shape == text.shape == (3, 32)
    torch.testing.assert_close(imu.norm(dim=-1), torch.ones(3))
    loss = model(x, mask, torch.randn(3, 384))
    loss.backward()
    assert model.encoder.blocks[0].gcn.conv.weight.grad is not None and model.loss.logit_scale.grad is not None
