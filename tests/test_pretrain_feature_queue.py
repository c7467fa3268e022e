import pytest
import torch
import torch.nn.functional as F

from motionfm.pretrain.feature_queue import FeatureQueue


def _filled(size=10, n=None, video_dim=0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    q = FeatureQueue(size, 4, 5, video_dim)
    n = size if n is None else n
    video = torch.randn(n, video_dim, generator=gen) if video_dim else None
    has = torch.ones(n, dtype=torch.bool) if video_dim else None
    q.push(torch.randn(n, 4, generator=gen), torch.randn(n, 5, generator=gen), torch.arange(n), video, has)
    return q


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_is_the_true_nearest_by_text(seed):
    q = _filled(seed=seed)
    queries = torch.randn(7, 5, generator=torch.Generator().manual_seed(seed + 10))
    brute = [max(range(10), key=lambda r: F.cosine_similarity(t, q.text[r], dim=0).item()) for t in queries]
    assert q.nearest(queries).tolist() == brute
    assert q.nearest(q.text[[3, 8]]).tolist() == [3, 8]  # a stored row is its own nearest


def test_video_decides_when_present_else_text():
    q = _filled(video_dim=3)
    text = q.text[[2, 2]]  # both queries' text points at row 2 ...
    video = q.video[[6, 6]]  # ... their video at row 6
    assert q.nearest(text, video, torch.tensor([True, False])).tolist() == [6, 2]


def test_only_filled_rows_are_returned():
    q = _filled(size=10, n=3)
    assert q.count == 3 and not q.ready(4) and q.ready(3)
    far = -q.text.sum(0, keepdim=True)  # closer to the empty (zero) rows than to any filled one? never returned
    assert q.nearest(far.repeat(5, 1)).max() < 3
    with pytest.raises(RuntimeError, match="empty"):
        FeatureQueue(4, 2, 2).nearest(torch.randn(1, 2))


def test_fifo_overwrites_the_oldest():
    q = FeatureQueue(4, 1, 1)
    for k in range(3):
        q.push(torch.full((3, 1), float(k)), torch.ones(3, 1), torch.full((3,), k))
    assert q.count == 4 and sorted(q.text_id.tolist()) == [1, 2, 2, 2]  # 9 pushed, last 4 kept
    q.push(torch.arange(6.0)[:, None], torch.ones(6, 1), torch.arange(6))  # more than fits: newest 4
    assert sorted(q.imu[:, 0].tolist()) == [2.0, 3.0, 4.0, 5.0]


def test_state_round_trip():
    q = _filled(size=8, n=5, video_dim=2)
    r = FeatureQueue(8, 4, 5, 2)
    r.load_state_dict(q.state_dict())
    assert (r.ptr, r.count) == (5, 5) and torch.equal(r.imu, q.imu) and torch.equal(r.video, q.video)
    with pytest.raises(ValueError, match="queue_size or embed_dim"):
        FeatureQueue(16, 4, 5, 2).load_state_dict(q.state_dict())
