"""Store keys: the format that existing stores are written under stays as it is."""

from __future__ import annotations

from imgsim.store import feature_key


def test_a_feature_key_names_the_feature_version_sorted_parameters_and_decode() -> None:
    key = feature_key("phash", 2, {"hash_size": 8, "bins": 4}, "luma@128/size=None")

    assert key == 'phash:v2:{"bins": 4, "hash_size": 8}:luma@128/size=None'
