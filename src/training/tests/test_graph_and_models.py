import math

import numpy as np
import torch
import torch.nn.functional as F

from training.graph import (aggregation_product_form, aggregation_sequences, aggregation_shift, dense_from_edges,
                            user_graph_dense, user_graph_edges)
from training.models import AggGnnCnn, ResilientGnn, select_users


def test_user_graph_weights_on_a_hand_checked_case():
    # 3 users, 2 APs, a = [0, 0, 1]; noise = pmax = 1 and G = e^L so that every raw weight is an entry of L.
    levels = np.array([[2.0, 1.0], [3.0, -1.0], [0.5, 4.0]])
    gains, association = np.exp(levels), np.array([0, 0, 1])
    norm = math.sqrt(4 + 1 + 9 + 1 + 0.25 + 0.25 + 16)
    edges = user_graph_edges(gains, association, noise=1.0, pmax=1.0)
    # grouped by destination; users 0 and 1 share AP 0, so there is no edge between them
    assert list(zip(edges["src"], edges["dst"])) == [(0, 0), (2, 0), (1, 1), (2, 1), (0, 2), (1, 2), (2, 2)]
    np.testing.assert_allclose(edges["weight"], np.array([2, 1, 3, -1, 0.5, 0.5, 4]) / norm, rtol=1e-12)
    expected = np.zeros((3, 3))
    for s, d, w in zip(edges["src"], edges["dst"], edges["weight"]):
        expected[d, s] = w
    dense = user_graph_dense(torch.from_numpy(gains), torch.from_numpy(association), 1.0, 1.0)
    np.testing.assert_allclose(dense.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(dense_from_edges(3, edges["src"], edges["dst"], edges["weight"], torch.float64).numpy(), expected)
    # pmax and noise enter as ln(pmax G / N0)
    scaled = user_graph_dense(torch.from_numpy(gains * 2.0), torch.from_numpy(association), noise=2.0, pmax=4.0)
    raw = levels[[0, 0, 1, 1, 2, 2, 2], [0, 1, 0, 1, 0, 0, 1]] + math.log(4.0)
    assert math.isclose(scaled[2, 2].item(), (4 + math.log(4.0)) / math.sqrt(np.sum(raw ** 2)), rel_tol=1e-12)


def test_aggregation_sequences_on_a_hand_checked_case():
    gains = np.array([[4.0, 0.01], [0.25, 9.0]])  # amplitudes [[2, 0.1], [0.5, 3]]
    np.testing.assert_allclose(aggregation_shift(gains, 0.2), [[2, 0], [0.5, 3]])
    states = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = aggregation_sequences(np.repeat(gains[None], 3, axis=0), states, length=3, eta0=0.2)
    np.testing.assert_allclose(y[0], [[1, 0, 0], [2, 0, 0]])
    np.testing.assert_allclose(y[1], [[3, 2, 0], [4, 6.5, 0]])
    np.testing.assert_allclose(y[2], [[5, 6, 4], [6, 13.5, 20.5]])
    # node 1 asleep at slot 1: it sends nothing then and keeps its last observed state
    active = np.array([[True, True], [True, False], [True, True]])
    y = aggregation_sequences(np.repeat(gains[None], 3, axis=0), states, length=3, eta0=0.2, active=active)
    np.testing.assert_allclose(y[1], [[3, 2, 0], [2, 0.5, 0]])  # only node 0 sent: 0.5 * 1
    np.testing.assert_allclose(y[2], [[5, 6, 4], [6, 7.5, 2.5]])


def test_message_passing_equals_the_product_form():
    rng = np.random.default_rng(3)
    slots, m, k = 12, 6, 4
    gains = rng.exponential(size=(slots, m, m)) * 10 ** rng.uniform(-3, 0, size=(1, m, m))
    states = rng.uniform(0, 8, size=(slots, m))
    for active in (None, rng.random((slots, m)) < 0.5):
        a = aggregation_sequences(gains, states, k, eta0=0.05, active=active)
        b = aggregation_product_form(gains, states, k, eta0=0.05, active=active)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # batched over configurations as well
    batch = aggregation_sequences(np.stack([gains, gains[::-1]]), np.stack([states, states[::-1]]), k, 0.05)
    np.testing.assert_allclose(batch[1], aggregation_sequences(gains[::-1], states[::-1], k, 0.05))


def random_graph(generator, n=7, m=3):
    association = torch.randint(0, m, (n,), generator=generator)
    gains = torch.rand(n, m, generator=generator, dtype=torch.float64) * 1e-9 + 1e-12
    weights = user_graph_dense(gains, association, 4e-11, 10.0).float()
    cells = F.one_hot(association, m).float()
    features = torch.rand(n, generator=generator) * 3
    active = torch.rand(n, generator=generator) > 0.2
    return features, weights, cells, active


def test_resilient_gnn_is_permutation_equivariant():
    generator = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    model = ResilientGnn().eval()
    features, weights, cells, active = random_graph(generator)
    users, aps = torch.randperm(7, generator=generator), torch.randperm(3, generator=generator)
    with torch.no_grad():
        power, log_pi = model(features[None], weights[None], cells[None], active[None], 10.0)
        p2, l2 = model(features[users][None], weights[users][:, users][None], cells[users][:, aps][None], active[users][None], 10.0)
    torch.testing.assert_close(p2[0], power[0][aps], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(l2[0], log_pi[0][users], rtol=1e-5, atol=1e-6)
    # selection probabilities: a distribution over each cell's active users, 0 for inactive users
    pi = log_pi[0].exp()
    for i in range(3):
        members = (cells[:, i] > 0) & active
        if members.any():
            assert math.isclose(pi[members].sum().item(), 1.0, rel_tol=1e-5)
        else:
            assert power[0, i] == 0
    assert torch.all(pi[~active] == 0)
    assert torch.all((power >= 0) & (power <= 10))


def test_selection_takes_the_largest_pi_with_ties_to_the_lowest_index():
    log_pi = torch.log(torch.tensor([[0.2, 0.4, 0.4, 1.0, 0.0]]))
    cells = F.one_hot(torch.tensor([0, 0, 0, 1, 1]), 3).float()[None]
    assert select_users(log_pi, cells, sample=False).tolist() == [[1, 3, -1]]


def test_agg_cnn_matches_conv1d_and_is_permutation_equivariant():
    torch.manual_seed(2)
    model = AggGnnCnn(5, scale=[1.0, 0.5, 0.25, 0.1, 0.05])
    x = torch.rand(40, 5)
    h = (x / model.scale).unsqueeze(1)
    for l, conv in enumerate(model.conv):
        h = conv(F.pad(h, (4, 5)))
        if l < len(model.conv) - 1:
            h = F.relu(h)
    torch.testing.assert_close(model(x), torch.sigmoid(h.mean(-1).squeeze(1)))
    # the sequences are equivariant to relabelling the pairs, and the per-node CNN follows them
    rng = np.random.default_rng(1)
    gains, states = rng.exponential(size=(6, 5, 5)), rng.uniform(0, 5, size=(6, 5))
    perm = rng.permutation(5)
    y = aggregation_sequences(gains, states, 5, 0.3)
    y_perm = aggregation_sequences(gains[:, perm][:, :, perm], states[:, perm], 5, 0.3)
    np.testing.assert_allclose(y_perm, y[:, perm], rtol=1e-12)
    q = model(torch.from_numpy(y).float())
    torch.testing.assert_close(model(torch.from_numpy(y_perm).float()), q[:, perm])
