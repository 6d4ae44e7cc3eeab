"""Gate expressions (imgsim.gates): parsing, and errors that name the argument."""

from __future__ import annotations

import pytest

from imgsim.errors import UsageError
from imgsim.gates import parse_gate, parse_gates


def test_a_malformed_gate_names_the_gate_argument_not_a_flag() -> None:
    with pytest.raises(UsageError) as raised:
        parse_gate("ssim")
    assert str(raised.value).startswith("gate='ssim': cannot parse")


def test_a_gate_on_a_metric_not_computed_lists_the_computed_ones() -> None:
    with pytest.raises(UsageError, match="computed: ssim, psnr"):
        parse_gates(["phash<=6"], ["ssim", "psnr"])


def test_a_gate_message_keeps_braces_of_the_metric_name() -> None:
    with pytest.raises(UsageError, match=r"metric '\{ssim\}' is not being computed"):
        parse_gates(["{ssim}>=1"], ["ssim"])


def test_an_aggregate_gate_keeps_its_aggregate() -> None:
    assert parse_gate("mean(ssim)>=0.9").aggregate == "mean"


def test_a_run_level_value_is_gated_without_an_aggregate() -> None:
    assert parse_gates(["unmatched==0"], ["ssim"], run_values=["unmatched"])[0].run_level
