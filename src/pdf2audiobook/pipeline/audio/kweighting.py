"""The ITU-R BS.1770-4 K-weighting pre-filter, designed for any sample rate.

BS.1770 tabulates the two biquads only for 48 kHz. Both are bilinear transforms of analogue
prototypes: a high shelf (+4 dB above about 1.7 kHz, modelling the head) and a second-order
high-pass at about 38 Hz. The prototype parameters below are the ones that reproduce the
48 kHz table to within 1e-12; transforming them at another rate, with the usual frequency
pre-warping K = tan(pi * f0 / rate), gives that rate's K-weighting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pdf2audiobook.pipeline.audio.filtergraph import FilterChain

_SHELF_CENTRE_HZ = 1681.974450955533
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
# Ratio, in the exponent, between the band gain and the high-frequency gain of the shelf.
_SHELF_BAND_EXPONENT = 0.4996667741545416
_HIGH_PASS_HZ = 38.13547087602444
_HIGH_PASS_Q = 0.5003270373238773


@dataclass(frozen=True, slots=True)
class Biquad:
    """y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2], with a0 = 1."""

    b: tuple[float, float, float]
    a: tuple[float, float, float]

    def ffmpeg_arguments(self) -> str:
        """Options for FFmpeg's `biquad` filter, in full float precision."""
        b0, b1, b2 = self.b
        a0, a1, a2 = self.a
        return f"b0={b0!r}:b1={b1!r}:b2={b2!r}:a0={a0!r}:a1={a1!r}:a2={a2!r}"


def k_weighting_biquads(sample_rate: int) -> tuple[Biquad, Biquad]:
    """The shelf and the high-pass of BS.1770 K-weighting at `sample_rate`, in that order."""
    k = math.tan(math.pi * _SHELF_CENTRE_HZ / sample_rate)
    high_gain = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    band_gain = high_gain**_SHELF_BAND_EXPONENT
    norm = 1.0 + k / _SHELF_Q + k * k
    shelf = Biquad(
        b=(
            (high_gain + band_gain * k / _SHELF_Q + k * k) / norm,
            2.0 * (k * k - high_gain) / norm,
            (high_gain - band_gain * k / _SHELF_Q + k * k) / norm,
        ),
        a=(1.0, 2.0 * (k * k - 1.0) / norm, (1.0 - k / _SHELF_Q + k * k) / norm),
    )
    k = math.tan(math.pi * _HIGH_PASS_HZ / sample_rate)
    norm = 1.0 + k / _HIGH_PASS_Q + k * k
    high_pass = Biquad(
        b=(1.0, -2.0, 1.0),
        a=(1.0, 2.0 * (k * k - 1.0) / norm, (1.0 - k / _HIGH_PASS_Q + k * k) / norm),
    )
    return shelf, high_pass


def k_weighting_filter(sample_rate: int) -> FilterChain:
    """A streaming K-weighting filter: FFmpeg's `biquad` run twice in 64-bit precision.

    A recursive filter cannot be vectorised in numpy, and scipy is not a dependency, so the
    recursion runs in FFmpeg's C code; measured at several thousand times realtime.
    """
    shelf, high_pass = k_weighting_biquads(sample_rate)
    return FilterChain(
        sample_rate,
        [
            ("biquad", f"{shelf.ffmpeg_arguments()}:precision=f64"),
            ("biquad", f"{high_pass.ffmpeg_arguments()}:precision=f64"),
        ],
    )
