import json
import struct

import numpy as np
import pytest
import torch

from training import FORMAT
from training.artifact import ArtifactError, load_artifact, save_artifact
from training.models import AggGnnCnn, ResilientGnn
from training.safetensors_io import SafetensorsError, parse_safetensors, read_safetensors, write_safetensors


def raw_file(header: dict, data: bytes, pad: bytes = b"") -> bytes:
    text = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(text)) + text + data


def test_round_trip_keeps_values_shapes_and_metadata(tmp_path):
    tensors = {"b.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "a": np.array([1.5], dtype=np.float32),
               "empty": np.zeros((0, 4), dtype=np.float32), "t": torch.tensor([[-2.0, 3.25]])}
    path = tmp_path / "m.safetensors"
    write_safetensors(path, tensors, {"note": "x"})
    back, meta = read_safetensors(path)
    assert meta == {"format": FORMAT, "note": "x"}
    assert set(back) == set(tensors)
    for name, value in tensors.items():
        expected = value.numpy() if hasattr(value, "numpy") else value
        assert back[name].dtype == np.float32 and back[name].shape == expected.shape
        np.testing.assert_array_equal(back[name], expected)


def test_layout_is_the_contract(tmp_path):
    path = tmp_path / "m.safetensors"
    write_safetensors(path, {"x": np.array([1, 2], dtype=np.float32), "y": np.array([[3]], dtype=np.float32)})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"] == {"format": FORMAT}
    assert header["x"] == {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    assert header["y"] == {"dtype": "F32", "shape": [1, 1], "data_offsets": [8, 12]}
    assert raw[8 + n:] == np.array([1, 2, 3], dtype="<f4").tobytes()


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00", "shorter than"),
    (struct.pack("<Q", 1000) + b"{}", "exceeds the file"),
    (struct.pack("<Q", 5) + b"{nope", "not valid UTF-8 JSON"),
    (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
    (raw_file({"w": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0"), "only F32"),
    (raw_file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4), "do not hold 2 F32"),
    (raw_file({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "invalid shape"),
    (raw_file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "leaves a gap"),
    (raw_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
               "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "overlaps"),
    (raw_file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8), "cover 4 bytes"),
    (raw_file({"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4), "exactly dtype, shape and data_offsets"),
    (raw_file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, np.array([np.nan], "<f4").tobytes()), "non-finite"),
    (raw_file({"__metadata__": {"format": 1}}, b""), "object of strings"),
])
def test_malformed_files_are_rejected_with_the_problem(raw, message):
    with pytest.raises(SafetensorsError, match=message) as error:
        parse_safetensors(raw, "bad.safetensors")
    assert str(error.value).startswith("bad.safetensors: ")


def test_padded_header_and_missing_file(tmp_path):
    good = raw_file({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, pad=b"   ")
    tensors, meta = parse_safetensors(good)
    assert tensors["w"].tolist() == [0.0] and meta == {}
    with pytest.raises(SafetensorsError, match="file not found"):
        read_safetensors(tmp_path / "absent.safetensors")


def test_writer_refuses_non_finite_weights(tmp_path):
    with pytest.raises(SafetensorsError, match="non-finite"):
        write_safetensors(tmp_path / "m.safetensors", {"w": np.array([np.inf], dtype=np.float32)})


def resilient_artifact(tmp_path, model=None):
    model = model or ResilientGnn()
    manifest = {"format": FORMAT, "name": "t", "architecture": "resilient-gnn", "hyperparameters": model.hyperparameters,
                "inputs": {"nodeFeature": "pf-ratio", "transform": "log1p"}}
    save_artifact(str(tmp_path / "a"), model, manifest)
    return tmp_path / "a"


def test_artifact_round_trip_both_architectures(tmp_path):
    model = ResilientGnn()
    directory = resilient_artifact(tmp_path, model)
    manifest, loaded = load_artifact(str(directory))
    assert manifest["architecture"] == "resilient-gnn"
    for name, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value)
    assert sum(p.numel() for p in model.parameters()) == 12738  # the spec's "~12.6k weights"

    agg = AggGnnCnn(5, scale=[1, 2, 3, 4, 5])
    save_artifact(str(tmp_path / "g"), agg, {"format": FORMAT, "architecture": "agg-gnn", "hyperparameters": agg.hyperparameters,
                                             "inputs": {"scale": [1, 2, 3, 4, 5]}})
    _, loaded = load_artifact(str(tmp_path / "g"))
    assert loaded.scale.tolist() == [1, 2, 3, 4, 5]
    assert sum(p.numel() for p in agg.parameters()) == 110


def test_artifact_loading_rejects_what_the_contract_lists(tmp_path):
    directory = resilient_artifact(tmp_path)
    manifest_path = directory / "manifest.json"
    weights_path = directory / "model.safetensors"
    manifest = json.loads(manifest_path.read_text())
    tensors, _ = read_safetensors(weights_path)

    def expect(message):
        with pytest.raises(ArtifactError, match=message):
            load_artifact(str(directory))

    manifest_path.write_text(json.dumps({**manifest, "format": "controller-policy/2"}))
    expect("format 'controller-policy/2'")
    manifest_path.write_text(json.dumps({**manifest, "architecture": "transformer"}))
    expect("unknown architecture 'transformer'")
    manifest_path.write_text(json.dumps(manifest))
    write_safetensors(weights_path, {k: v for k, v in tensors.items() if k != "power.bias"})
    expect("missing tensor 'power.bias'")
    write_safetensors(weights_path, {**tensors, "extra": np.zeros(1, np.float32)})
    expect("unexpected tensor 'extra'")
    write_safetensors(weights_path, {**tensors, "power.weight": np.zeros((1, 32), np.float32)})
    expect(r"tensor 'power.weight' has shape \[1, 32\]")
    weights_path.write_bytes(b"\x00" * 4)
    expect("model.safetensors: shorter than")
    weights_path.unlink()
    expect("model.safetensors: file not found")
    manifest_path.unlink()
    expect("manifest.json: file not found")
