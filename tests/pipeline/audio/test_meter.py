from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyloudnorm
import pytest

from pdf2audiobook.pipeline.audio import (
    InvalidAudioArgumentError,
    LoudnessMeter,
    sample_peak_dbfs,
    silence,
)
from pdf2audiobook.pipeline.audio.kweighting import k_weighting_biquads
from tests.pipeline.audio.synthetic import Samples, in_blocks, noise_bursts, speech_like, tone

RATES = [24000, 22050, 48000]
SIGNALS: dict[str, Callable[[int], Samples]] = {
    "speech": lambda rate: speech_like(rate, 20.0),
    "quiet speech": lambda rate: speech_like(rate, 20.0, level=0.03, seed=4),
    "noise bursts": lambda rate: noise_bursts(rate, 20.0),
    "low tone": lambda rate: tone(rate, 5.0, 60.0, 0.5),
}


def measure(samples: Samples, sample_rate: int, block: int = 12000) -> float | None:
    meter = LoudnessMeter(sample_rate)
    for part in in_blocks(samples, block):
        meter.add(part)
    return meter.integrated_lufs()


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", SIGNALS)
def test_meter_agrees_with_pyloudnorm(name: str, rate: int) -> None:
    samples = SIGNALS[name](rate)

    measured = measure(samples, rate)

    reference = pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64))
    assert measured is not None
    assert measured == pytest.approx(reference, abs=0.2)


@pytest.mark.parametrize("rate", RATES)
def test_meter_matches_pyloudnorm_with_the_same_filter_design_exactly(rate: int) -> None:
    # pyloudnorm's "DeMan" filters derive K-weighting for any rate the way kweighting.py
    # does; what remains is the gating, which must then agree to rounding error.
    samples = speech_like(rate, 20.0, seed=2)

    measured = measure(samples, rate)

    reference = pyloudnorm.Meter(rate, filter_class="DeMan").integrated_loudness(
        samples.astype(np.float64)
    )
    assert measured == pytest.approx(reference, abs=0.001)


def test_full_scale_997_hz_sine_reads_minus_3_01_lufs() -> None:
    # The calibration point that BS.1770 defines its -0.691 offset by.
    assert measure(tone(48000, 5.0, 997.0, 1.0), 48000) == pytest.approx(-3.01, abs=0.01)


def test_result_does_not_depend_on_how_the_stream_is_cut() -> None:
    samples = speech_like(22050, 6.0, seed=3)

    whole = measure(samples, 22050, block=samples.size)
    odd_blocks = measure(samples, 22050, block=997)

    assert whole is not None
    assert odd_blocks == pytest.approx(whole, abs=1e-9)


def test_trailing_silence_is_gated_out() -> None:
    speech = speech_like(24000, 10.0)

    with_silence = np.concatenate([speech, silence(30.0, 24000)])

    assert measure(with_silence, 24000) == pytest.approx(measure(speech, 24000), abs=0.01)


@pytest.mark.parametrize(
    "samples",
    [silence(5.0, 24000), tone(24000, 0.35, 440.0, 0.5), np.zeros(0, dtype=np.float32)],
    ids=["silence", "shorter than one gating block", "nothing"],
)
def test_no_loudness_without_an_audible_gating_block(samples: Samples) -> None:
    assert measure(samples, 24000) is None


def test_k_weighting_at_48_khz_is_the_table_in_bs_1770() -> None:
    shelf, high_pass = k_weighting_biquads(48000)

    assert shelf.b == pytest.approx((1.53512485958697, -2.69169618940638, 1.19839281085285))
    assert shelf.a == pytest.approx((1.0, -1.69065929318241, 0.73248077421585))
    assert high_pass.b == pytest.approx((1.0, -2.0, 1.0))
    assert high_pass.a == pytest.approx((1.0, -1.99004745483398, 0.99007225036621))


def test_sample_peak_is_in_decibels_of_full_scale() -> None:
    assert sample_peak_dbfs(tone(24000, 1.0, 100.0, 0.5)) == pytest.approx(-6.02, abs=0.01)
    assert sample_peak_dbfs(silence(1.0, 24000)) == -math.inf


@pytest.mark.parametrize(
    "samples",
    [np.zeros((2, 100), dtype=np.float32), np.array([0.0, np.nan]), np.array([1, 2, 3])],
    ids=["two channels", "nan", "integers"],
)
def test_meter_rejects_blocks_that_are_not_mono_finite_floats(samples: Samples) -> None:
    with pytest.raises(InvalidAudioArgumentError):
        LoudnessMeter(24000).add(samples)


@pytest.mark.parametrize("rate", [0, -24000, 23000])
def test_meter_rejects_unsupported_sample_rates(rate: int) -> None:
    with pytest.raises(InvalidAudioArgumentError):
        LoudnessMeter(rate)
