import numpy as np
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


# --- fused graph convolution (issue 15) and the present-joints config ------------------------------------


def einsum_reference(model: STGCN, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The straightforward ST-GCN forward (before issue 15): (B, C, T, V) layout, einsum graph conv."""
    b, t, v, c = x.shape
    h = model.data_bn(x.permute(0, 2, 3, 1).reshape(b, v * c, t)).view(b, v, c, t)
    h = (h * mask.to(x.dtype)[:, :, None, None]).permute(0, 2, 3, 1)
    for block, importance in zip(model.blocks, model.edge_importance):
        y = block.gcn.conv(h).view(b, block.gcn.k, -1, h.shape[2], v)
        out = block.tcn(torch.einsum("bkctv,kvw->bctw", y, model.adjacency * importance))
        h = block.relu(out + (block.residual(h) if block.residual is not None else 0))
    return h.mean(dim=(2, 3))


def _random_model(name: str, seed: int = 0) -> STGCN:
    torch.manual_seed(seed)
    model = STGCN(stgcn_config(name))
    with torch.no_grad():  # non-trivial edge importance and BN statistics, so every term is exercised
        model.edge_importance.uniform_(0.5, 1.5)
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.normal_(0, 0.5), m.running_var.uniform_(0.5, 2.0), m.weight.uniform_(0.5, 1.5)
    return model


@pytest.mark.parametrize("name", ["tiny", "small"])
@pytest.mark.parametrize("train", [False, True])
def test_fused_graph_conv_matches_einsum_reference(name, train):
    model = _random_model(name).train(train)
    ref = _random_model(name).train(train)
    x = torch.randn(6, 90, 22, 6)
    mask = torch.rand(6, 22) < 0.25
    torch.testing.assert_close(model(x, mask), einsum_reference(ref, x, mask), atol=1e-5, rtol=1e-4)
    if train:  # the same batch statistics reach the running averages
        for a, b in zip(model.modules(), ref.modules()):
            if isinstance(a, torch.nn.modules.batchnorm._BatchNorm):
                torch.testing.assert_close(a.running_var, b.running_var)
                assert a.num_batches_tracked == b.num_batches_tracked == 1


def test_bundled_weights_give_reference_embeddings():
    from motionfm.hub import load_model

    model = load_model("default")
    assert model.config.encoder == "small"
    x = torch.randn(5, 200, 22, 6)
    mask = torch.zeros(5, 22, dtype=torch.bool)
    mask[:, [0, 17]] = True
    x = x * mask[:, None, :, None]
    with torch.no_grad():
        new = model.encoder(x, mask)
        ref = einsum_reference(model.encoder, x, mask)
    torch.testing.assert_close(new, ref, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,hops", [("small-sparse", 0), ("small-local", 1)])
def test_present_joints_config_shares_small_state_dict(name, hops):
    small, sparse = STGCN(stgcn_config("small")), STGCN(stgcn_config(name))
    assert {k: v.shape for k, v in small.state_dict().items()} == {k: v.shape for k, v in sparse.state_dict().items()}
    assert stgcn_config(name).graph == "present" and stgcn_config("small").graph == "full"
    assert stgcn_config(name).hops == hops
    with pytest.raises(ValueError, match="unknown graph mode"):
        stgcn_config("small", graph="some")


@pytest.mark.parametrize("hops", [0, 1, 3])
@pytest.mark.parametrize("train", [False, True])
def test_present_joints_equal_full_graph_when_all_joints_present(hops, train):
    # with every joint present the node list is the whole skeleton: the same function as graph='full'
    full = _random_model("tiny").train(train)
    sparse = STGCN(stgcn_config("tiny", graph="present", hops=hops)).train(train)
    sparse.load_state_dict(full.state_dict())
    x = torch.randn(3, 64, 22, 6)
    torch.testing.assert_close(sparse(x, torch.ones(3, 22, dtype=torch.bool)), full(x), atol=1e-5, rtol=1e-4)


def test_present_joints_match_full_graph_restricted_to_them():
    # eval: a window's output is the full ST-GCN run on the subgraph of its present joints + 1-hop neighbours,
    # i.e. the dense forward with the adjacency (and pooling) limited to those joints
    sparse = _random_model("tiny")
    sparse.config = stgcn_config("tiny", graph="present", hops=1)
    sparse.eval()
    x = torch.randn(2, 64, 22, 6)
    mask = torch.zeros(2, 22, dtype=torch.bool)
    mask[0, 17] = True
    mask[1, [0, 13]] = True
    x = x * mask[:, None, :, None]
    linked = (sparse.adjacency.sum(0) > 0).float()
    for i in range(2):
        nodes = (mask[i].float() + mask[i].float() @ linked) > 0
        idx = nodes.nonzero()[:, 0]
        b, t = 1, x.shape[1]
        h = sparse.data_bn(x[i:i + 1].permute(0, 2, 3, 1).reshape(1, 132, t)).view(1, 22, 6, t)
        h = (h * mask[i, :, None, None])[:, idx].permute(0, 2, 3, 1)  # (1, C, T, n): neighbours start at 0
        for block, importance in zip(sparse.blocks, sparse.edge_importance):
            a = (sparse.adjacency * importance)[:, idx][:, :, idx]
            y = block.gcn.conv(h).view(b, block.gcn.k, -1, h.shape[2], len(idx))
            out = block.tcn(torch.einsum("bkctv,kvw->bctw", y, a))
            h = block.relu(out + (block.residual(h) if block.residual is not None else 0))
        torch.testing.assert_close(sparse(x[i:i + 1], mask[i:i + 1])[0], h.mean(dim=(2, 3))[0], atol=1e-5, rtol=1e-4)
    # and windows do not see each other in eval mode
    torch.testing.assert_close(sparse(x, mask)[1], sparse(x[1:], mask[1:])[0], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("hops", [0, 1, 2])
@pytest.mark.parametrize("every_block", [False, True])
def test_present_joints_dense_form_for_export_equals_the_node_list(hops, every_block):
    """ONNX export runs graph='present' on all 22 joints with each window's adjacency limited to its nodes
    (static shapes): the same features as the node list, with padding, a window without sensors and mixed
    masks in one batch."""
    from unittest import mock

    sparse = _random_model("tiny")
    sparse.config = stgcn_config("tiny", graph="present", hops=hops)
    sparse.eval()
    x = torch.randn(4, 64, 22, 6)
    mask = torch.zeros(4, 22, dtype=torch.bool)
    mask[0, 17] = mask[1, [0, 13]] = mask[2, [3, 7, 21]] = True  # window 3: no sensor
    valid = torch.tensor([64, 40, 9, 64])
    with torch.no_grad():
        nodes = sparse(x, mask, valid, every_block=every_block)
        with mock.patch("torch.onnx.is_in_onnx_export", return_value=True):
            dense = sparse(x, mask, valid, every_block=every_block)
    torch.testing.assert_close(dense, nodes, atol=1e-5, rtol=1e-4)


def test_present_joints_cost_follows_sensors_not_skeleton():
    # one sensor: the absent joints are never computed, so garbage there cannot matter even before masking
    sparse = _random_model("tiny")
    sparse.config = stgcn_config("tiny", graph="present")
    sparse.eval()
    x = torch.randn(2, 64, 22, 6)
    mask = torch.zeros(2, 22, dtype=torch.bool)
    mask[:, 17] = True
    y = x.clone()
    y[:, :, 16] += 50.0
    torch.testing.assert_close(sparse(y, mask), sparse(x, mask))
    empty = torch.zeros(2, 22, dtype=torch.bool)  # no sensor at all still gives finite features
    assert torch.isfinite(sparse(torch.zeros(2, 64, 22, 6), empty)).all()


# --- PRIMUS encoder -------------------------------------------------------------------------------------

from motionfm.models import PrimusEncoder, PrimusModel, create_model, primus_config  # noqa: E402
from motionfm.models.rnn import AdaptiveAvgPool  # noqa: E402


def test_primus_parameter_count_and_layout():
    model = create_model(ModelConfig(arch="primus", encoder="primus", embed_dim=512))
    assert isinstance(model, PrimusModel)
    heads = [model.imu_proj, model.ss_head]  # multimodal and self-supervised heads, 512 -> 512
    assert all((h.in_features, h.out_features) == (512, 512) for h in heads)
    n = sum(p.numel() for m in (model.encoder, *heads) for p in m.parameters())
    assert abs(n - 1.38e6) / 1.38e6 < 0.01
    convs = [m for m in model.encoder.convs if isinstance(m, torch.nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.dilation[0]) for c in convs] == \
        [(6, 32, 10, 2), (32, 32, 5, 2), (32, 32, 5, 2)]
    assert (model.encoder.gru.input_size, model.encoder.gru.hidden_size) == (32, 512)


def test_primus_runs_over_time_not_over_channels():
    enc = PrimusEncoder(primus_config("primus-tiny")).eval()
    x = torch.randn(2, 200, 6)
    seen = {}
    enc.gru.register_forward_hook(lambda m, args, out: seen.update(shape=args[0].shape))
    enc(x)
    assert seen["shape"] == (2, enc.config.pooled_steps, enc.config.conv_channels)  # (N, steps, features)


def test_primus_canonical_windows_average_the_present_sensors():
    enc = PrimusEncoder(primus_config("primus-tiny")).eval()
    x = torch.randn(3, 200, 22, 6)
    mask = torch.zeros(3, 22, dtype=torch.bool)
    mask[0, 17] = True
    mask[1, [3, 17]] = True
    out = enc(x, mask)
    torch.testing.assert_close(out[0], enc.encode_sensor(x[0:1, :, 17])[0], rtol=1e-5, atol=1e-5)
    both = enc.encode_sensor(torch.stack([x[1, :, 3], x[1, :, 17]]))
    torch.testing.assert_close(out[1], both.mean(0), rtol=1e-5, atol=1e-5)
    assert out[2].abs().max() == 0  # no sensor, no signal
    torch.testing.assert_close(enc(x[:, :, 17]), enc(x, torch.eye(22, dtype=torch.bool)[[17, 17, 17]]))


@pytest.mark.parametrize("rate,seconds", [(50.0, 2.5), (20.0, 6.2)])
def test_primus_rate_and_shortest_window(rate, seconds):
    enc = PrimusEncoder(primus_config("primus-tiny", rate_hz=rate)).eval()
    shortest = enc.config.min_samples()  # 123 samples at the rate the convolutions run at
    assert shortest == 123
    ok = int(np.ceil(shortest * 20 / rate))
    assert enc(torch.randn(1, ok, 6)).shape == (1, 32)
    with pytest.raises(ValueError, match=f"at least {seconds:.1f} s"):
        enc(torch.randn(1, ok - 3, 6))


def test_primus_resamples_to_its_rate():
    enc = PrimusEncoder(primus_config("primus-tiny", rate_hz=50.0))
    seen = {}
    enc.convs[0].register_forward_hook(lambda m, args, out: seen.update(length=args[0].shape[-1]))
    enc(torch.randn(1, 200, 6))  # 10 s at 20 Hz
    assert seen["length"] == 500  # 10 s at 50 Hz


@pytest.mark.parametrize("length", [9, 32, 42, 100, 131])
def test_adaptive_pool_matches_torch(length):
    x = torch.randn(2, 3, length)
    torch.testing.assert_close(AdaptiveAvgPool(32)(x), torch.nn.AdaptiveAvgPool1d(32)(x), rtol=1e-5, atol=1e-6)


def test_unknown_architecture_and_config():
    with pytest.raises(ValueError, match="known: stgcn, primus"):
        create_model(ModelConfig(arch="lstm"))
    with pytest.raises(ValueError, match="unknown PRIMUS config"):
        create_model(ModelConfig(arch="primus", encoder="small"))


# --- the registry -------------------------------------------------------------------------------------------

from motionfm.models import get_architecture, list_models  # noqa: E402


def test_list_models_names_every_encoder_config():
    assert {"stgcn-small", "stgcn-tiny", "stgcn-unimts-reference", "primus", "primus-tiny"} <= set(list_models())


@pytest.mark.parametrize("name, cls, encoder", [("stgcn-tiny", "ImuTextModel", "tiny"),
                                                ("primus-tiny", "PrimusModel", "primus-tiny")])
def test_create_model_from_a_name_a_dict_or_a_config(name, cls, encoder):
    by_name = create_model(name, embed_dim=16)
    assert type(by_name).__name__ == cls and by_name.config.encoder == encoder and by_name.config.embed_dim == 16
    by_dict = create_model(by_name.config.to_dict())
    assert by_dict.config == by_name.config
    assert by_dict.state_dict().keys() == create_model(by_name.config).state_dict().keys()
    with pytest.raises(ValueError, match="unknown model 'stgcn-huge'; known: .*stgcn-small"):
        create_model("stgcn-huge")
    with pytest.raises(ValueError, match="unknown model config keys: width"):
        create_model(name, width=3)


def test_bundled_weights_load_through_the_registry():
    from safetensors.torch import load_file

    from motionfm.hub import read_config, resolve
    model = create_model(read_config("default")["model"])
    model.load_state_dict(load_file(str(resolve("default") / "model.safetensors")))  # keys and shapes unchanged


@pytest.mark.parametrize("arch, dynamic", [("stgcn", True), ("primus", False)])
def test_architecture_records(arch, dynamic):
    assert get_architecture(arch).onnx_dynamic_time is dynamic and get_architecture(arch).encoder_names


def test_models_import_nothing_from_training_code():
    import ast
    from pathlib import Path

    import motionfm.models
    training = ("pretrain", "feature_queue", "objectives", "trainer")
    for path in Path(motionfm.models.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not any(t in (node.module or "") for t in training), f"{path.name} imports {node.module}"


# --- padding (valid_len) and channel presence (channel_mask), issue 12 items 6 and 7 -----------------------

from motionfm.models.presence import MISSING  # noqa: E402


def _encoder(name: str, seed: int = 0) -> torch.nn.Module:
    """A non-trivial encoder of a named config: ST-GCN with random BN statistics, or PRIMUS."""
    if name.startswith("primus"):
        torch.manual_seed(seed)
        return PrimusEncoder(primus_config(name))
    return _random_model(name, seed)


def _windows(lengths, t: int = 200, seed: int = 0):
    """Windows (B, T, 22, 6) on joints 0 and 17, and a copy whose padding (after each valid length) differs."""
    g = torch.Generator().manual_seed(seed)
    mask = torch.zeros(len(lengths), 22, dtype=torch.bool)
    mask[:, [0, 17]] = True
    x = torch.randn(len(lengths), t, 22, 6, generator=g) * mask[:, None, :, None]
    other = x.clone()
    for i, n in enumerate(lengths):
        other[i, n:] = 50 * torch.randn(t - n, 22, 6, generator=g) * mask[i, None, :, None]
    return x, other, mask, torch.tensor(lengths)


ENCODERS = ["tiny", "small", "small-sparse", "primus-tiny", "primus"]


@pytest.mark.parametrize("name", ENCODERS)
@pytest.mark.parametrize("train", [False, True])
def test_padding_carries_no_signal(name, train):
    enc = _encoder(name).train(train)
    x, other, mask, lengths = _windows([1, 7, 37, 120, 199, 200] if "primus" not in name else [20, 49, 50, 77, 200])
    with torch.no_grad():
        a, b = enc(x, mask, lengths), enc(other, mask, lengths)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert not torch.allclose(enc(x, mask), enc(other, mask))  # without valid_len the padding is read


@pytest.mark.parametrize("name", ENCODERS)
def test_padded_window_equals_its_valid_part(name):
    """In eval mode a padded window with valid_len gives the embedding of the truncated window (PRIMUS: valid
    parts of at least its shortest input, 50 samples at 20 Hz)."""
    enc = _encoder(name).eval()
    lengths = [50, 61, 133, 200] if "primus" in name else [3, 18, 61, 133, 200]
    x, _, mask, lens = _windows(lengths, seed=1)
    with torch.no_grad():
        padded = enc(x, mask, lens)
        alone = torch.cat([enc(x[i:i + 1, :n], mask[i:i + 1]) for i, n in enumerate(lengths)])
    torch.testing.assert_close(padded, alone, rtol=1e-5, atol=1e-6)


def test_primus_tiles_a_valid_part_shorter_than_its_shortest_input():
    enc = _encoder("primus-tiny").eval()
    assert enc.config.min_input() == 50  # 123 samples at 50 Hz = 2.46 s = 50 samples at 20 Hz
    x, _, mask, _ = _windows([20], seed=2)
    tiled = x[:, torch.arange(50) % 20]  # 1 s repeated up to 2.5 s, as the loaders pad
    with torch.no_grad():
        torch.testing.assert_close(enc(x, mask, torch.tensor([20])), enc(tiled, mask), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ENCODERS)
@pytest.mark.parametrize("train", [False, True])
def test_full_windows_and_all_channels_change_nothing(name, train):
    enc = _encoder(name).train(train)
    x, _, mask, _ = _windows([200, 200, 200])
    with torch.no_grad():
        torch.manual_seed(0)
        ref = enc(x, mask)
        new = enc(x, mask, torch.full((3,), 200), torch.ones(3, 6, dtype=torch.bool))
    assert torch.equal(ref, new)  # the unmasked path, bit for bit


def test_bundled_weights_unchanged_with_valid_len_and_channels():
    from motionfm.hub import load_model

    model = load_model("default")
    assert torch.equal(getattr(model.encoder, MISSING), torch.zeros(22, 6))  # filled on load: not in the file
    x, _, mask, _ = _windows([200] * 4, seed=3)
    with torch.no_grad():
        new = model.encoder(x, mask, torch.full((4,), 200), torch.ones(6, dtype=torch.bool))
        ref = einsum_reference(model.encoder, x, mask)  # the forward before these changes
        acc_only = model.encoder(x, mask, None, torch.tensor([True] * 3 + [False] * 3))
        zeroed = x.clone()
        zeroed[..., 3:] = 0
        old_acc_only = einsum_reference(model.encoder, zeroed, mask)
    torch.testing.assert_close(new, ref, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(acc_only, old_acc_only, atol=1e-5, rtol=1e-4)  # zero 'missing' = old behaviour


@pytest.mark.parametrize("name", ENCODERS)
def test_absent_channels_ignore_their_content_and_use_the_learned_value(name):
    enc = _encoder(name).eval()
    x, _, mask, _ = _windows([200, 200])
    acc = torch.tensor([True] * 3 + [False] * 3)
    garbage = x.clone()
    garbage[..., 3:] = 100 * torch.randn_like(x[..., 3:]) * mask[:, None, :, None]
    with torch.no_grad():
        torch.testing.assert_close(enc(x, mask, None, acc), enc(garbage, mask, None, acc), rtol=0, atol=1e-6)
        before, full = enc(x, mask, None, acc), enc(x, mask)
        getattr(enc, MISSING).fill_(0.5)
        assert not torch.allclose(enc(x, mask, None, acc), before)  # the learned value reaches the output
        torch.testing.assert_close(enc(x, mask), full, rtol=0, atol=0)  # ... only where a channel is absent


@pytest.mark.parametrize("name", ["tiny", "primus-tiny"])
@pytest.mark.parametrize("present, has_grad", [(True, False), (False, True)])
def test_missing_value_learns_only_from_windows_without_the_channel(name, present, has_grad):
    enc = _encoder(name).train()
    x, _, mask, _ = _windows([200, 200])
    channels = torch.tensor([True] * 3 + [present] * 3)
    enc(x, mask, None, channels).square().sum().backward()
    grad = getattr(enc, MISSING).grad
    assert bool(grad[..., 3:].abs().sum() > 0) is has_grad and grad[..., :3].abs().sum() == 0


@pytest.mark.parametrize("arch, encoder", [("stgcn", "tiny"), ("primus", "primus-tiny")])
def test_state_dict_saved_before_channel_presence_loads(arch, encoder):
    old = create_model(ModelConfig(arch=arch, encoder=encoder, embed_dim=16)).state_dict()
    del old[f"encoder.{MISSING}"]  # what a checkpoint from before this parameter holds
    model = create_model(ModelConfig(arch=arch, encoder=encoder, embed_dim=16))
    getattr(model.encoder, MISSING).data.fill_(1.0)
    model.load_state_dict(old)  # strict
    assert getattr(model.encoder, MISSING).abs().sum() == 0


@pytest.mark.parametrize("valid_len, message", [(torch.tensor([0, 5]), r"valid_len must lie in 1\.\.60"),
                                                (torch.tensor([61, 5]), r"valid_len must lie in 1\.\.60"),
                                                (torch.tensor([5]), r"one entry per window")])
def test_bad_valid_len(valid_len, message):
    with pytest.raises(ValueError, match=message):
        STGCN(stgcn_config("tiny"))(torch.zeros(2, 60, 22, 6), None, valid_len)


@pytest.mark.parametrize("lengths", [[42, 100, 131], [32, 33, 200]])
def test_adaptive_pool_with_lengths_pools_each_valid_part(lengths):
    x = torch.randn(3, 4, max(lengths))
    out = AdaptiveAvgPool(32)(x, torch.tensor(lengths))
    ref = torch.cat([torch.nn.AdaptiveAvgPool1d(32)(x[i:i + 1, :, :n]) for i, n in enumerate(lengths)])
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["small", "small-sparse", "tiny"])
@pytest.mark.parametrize("masked", [False, True])
def test_every_block_features_end_with_the_usual_output(name, masked):
    """features(layers='blocks') pools each block as the output is pooled: its last columns are the output, and
    each block's slice is that block's own output pooled by hand (mean over valid steps, then joints/nodes)."""
    torch.manual_seed(0)
    model = create_model(ModelConfig(encoder=name, masked_padding=masked)).eval()
    x, mask = torch.randn(3, 200, 22, 6), torch.zeros(3, 22)
    mask[:, [0, 20]] = 1
    mask[1, 5] = 1
    valid = torch.tensor([200, 60, 9])
    with torch.no_grad():
        last, blocks = model.features(x, mask, valid), model.features(x, mask, valid, layers="blocks")
    channels = model.encoder.config.channels
    assert blocks.shape == (3, model.encoder.every_block_dim) == (3, sum(channels))
    torch.testing.assert_close(blocks[:, -channels[-1]:], last, rtol=0, atol=0)
    by_hand = []
    hooks = [b.register_forward_hook(lambda m, i, o: by_hand.append((o, i[2], m.stride))) for b in model.encoder.blocks]
    with torch.no_grad():
        model.features(x, mask, valid)
    for h in hooks:
        h.remove()
    sparse = model.encoder.config.graph == "present"
    nodes = mask.sum(1).long() if sparse else torch.full((3,), 22)  # hops=0: one node per present joint
    window = torch.repeat_interleave(torch.arange(3), nodes)
    start = 0
    for (out, lengths, stride), width in zip(by_hand, channels):
        steps = torch.full((len(out),), out.shape[-1]) if lengths is None else (lengths + stride - 1) // stride
        per_node = torch.stack([o[:, :n].mean(1) for o, n in zip(out, steps)])
        expected = torch.stack([per_node[window == w].mean(0) for w in range(3)])
        torch.testing.assert_close(blocks[:, start:start + width], expected, rtol=1e-5, atol=1e-6)
        start += width


def test_every_block_features_refused_where_there_are_no_blocks():
    model = create_model(ModelConfig(arch="primus", encoder="primus", embed_dim=512))
    assert not model.has_blocks
    with pytest.raises(ValueError, match="no blocks"):
        model.features(torch.zeros(1, 200, 22, 6), layers="blocks")
    with pytest.raises(ValueError, match="unknown layers"):
        create_model(ModelConfig(encoder="tiny")).features(torch.zeros(1, 200, 22, 6), layers="first")
