from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from pdf2audiobook.pipeline.audio import (
    AudioWriterStateError,
    InvalidAudioArgumentError,
    LoudnessNormaliser,
    sample_peak_dbfs,
    silence,
)
from tests.pipeline.audio.synthetic import Samples, in_blocks, speech_like, tone


def normalise(
    samples: Samples, sample_rate: int, spool_dir: Path, fallback_gain_db: float = 0.0
) -> tuple[Samples, LoudnessNormaliser]:
    with LoudnessNormaliser(
        sample_rate, spool_dir=spool_dir, fallback_gain_db=fallback_gain_db
    ) as normaliser:
        for block in in_blocks(samples, sample_rate // 2):
            normaliser.feed(block)
        output = np.concatenate([np.zeros(0, dtype=np.float32), *normaliser.finish()])
    return output, normaliser


def loudness(samples: Samples, sample_rate: int) -> float:
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(samples.astype(np.float64)))


def spool_files_open_in(directory: Path) -> list[str]:
    """Files under `directory` this process holds open, deleted or not."""
    targets = []
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            targets.append(str(descriptor.readlink()))
        except OSError:
            continue
    return [target for target in targets if target.startswith(str(directory))]


@pytest.mark.parametrize(
    ("rate", "level", "seed"),
    [(24000, 1.0, 0), (22050, 0.05, 1), (48000, 0.3, 2), (24000, 4.0, 3)],
    ids=["at level", "quiet", "48 kHz", "clipping loud"],
)
def test_chapter_lands_on_target_under_the_ceiling_with_its_length(
    rate: int, level: float, seed: int, tmp_path: Path
) -> None:
    chapter = speech_like(rate, 40.0, level=level, seed=seed)

    output, normaliser = normalise(chapter, rate, tmp_path)

    assert output.size == chapter.size
    assert output.dtype == np.float32
    assert loudness(output, rate) == pytest.approx(-18.0, abs=0.5)
    assert sample_peak_dbfs(output) <= -2.9
    assert normaliser.measured_lufs is not None


def test_clicks_that_plain_gain_would_clip_are_held_under_the_ceiling(tmp_path: Path) -> None:
    # Quiet speech with loud clicks: reaching -18 LUFS takes the clicks far above 0 dBFS.
    chapter = speech_like(24000, 30.0, level=0.1)
    chapter[:: 2 * 24000] = 0.6

    output, normaliser = normalise(chapter, 24000, tmp_path)

    assert normaliser.gain_db is not None
    assert sample_peak_dbfs(chapter) + normaliser.gain_db > 10.0
    assert sample_peak_dbfs(output) <= -2.9
    assert output.size == chapter.size
    # The clicks carry part of the measured energy and the limiter removes it, so this
    # extreme input lands somewhat below the target (realistic speech: see above).
    assert -19.0 < loudness(output, 24000) < -17.5


def test_limiter_does_not_shift_the_audio(tmp_path: Path) -> None:
    # A loud burst the limiter must catch, then 5 s of a quiet tone it must leave alone:
    # once the limiter has released, output must equal input times the gain, sample for
    # sample, which it would not if the look-ahead delayed the signal.
    rate = 24000
    burst = tone(rate, 0.1, 200.0, 0.9)
    quiet = tone(rate, 5.0, 330.0, 0.1)
    chapter = np.concatenate([burst, quiet])

    output, normaliser = normalise(chapter, rate, tmp_path)

    assert normaliser.gain_db is not None
    gain = 10 ** (normaliser.gain_db / 20)
    assert sample_peak_dbfs(burst) + normaliser.gain_db > -3.0
    assert sample_peak_dbfs(quiet) + normaliser.gain_db < -3.0
    settled = slice(burst.size + rate, None)
    np.testing.assert_allclose(output[settled], chapter[settled] * gain, atol=1e-6)


def test_audio_below_the_ceiling_only_changes_by_the_gain(tmp_path: Path) -> None:
    chapter = tone(22050, 3.0, 440.0, 0.01)

    output, normaliser = normalise(chapter, 22050, tmp_path)

    assert normaliser.gain_db is not None
    np.testing.assert_allclose(output, chapter * 10 ** (normaliser.gain_db / 20), rtol=1e-6)


def test_silence_passes_through_with_the_fallback_gain(tmp_path: Path) -> None:
    output, normaliser = normalise(silence(2.0, 24000), 24000, tmp_path, fallback_gain_db=4.0)

    assert normaliser.measured_lufs is None
    assert normaliser.gain_db == 4.0
    assert output.size == 48000
    assert not output.any()


def test_spool_is_deleted_after_the_chapter_is_replayed(tmp_path: Path) -> None:
    normaliser = LoudnessNormaliser(24000, spool_dir=tmp_path)
    normaliser.feed(speech_like(24000, 3.0))

    assert spool_files_open_in(tmp_path)
    assert not list(tmp_path.iterdir())  # never visible by name, even while in use

    for _block in normaliser.finish():
        pass

    assert not spool_files_open_in(tmp_path)


def test_spool_is_deleted_when_the_chapter_fails_midway(tmp_path: Path) -> None:
    class VoiceCrashed(Exception):
        pass

    def crash_midway() -> None:
        with LoudnessNormaliser(24000, spool_dir=tmp_path) as normaliser:
            normaliser.feed(speech_like(24000, 2.0))
            raise VoiceCrashed

    with pytest.raises(VoiceCrashed):
        crash_midway()

    assert not spool_files_open_in(tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_chapter_is_finished_once(tmp_path: Path) -> None:
    with LoudnessNormaliser(24000, spool_dir=tmp_path) as normaliser:
        normaliser.feed(speech_like(24000, 1.0))
        normaliser.finish()

        with pytest.raises(AudioWriterStateError):
            normaliser.finish()
        with pytest.raises(AudioWriterStateError):
            normaliser.feed(speech_like(24000, 1.0))


@pytest.mark.parametrize(
    ("target", "ceiling"),
    [(3.0, -3.0), (-18.0, 0.5), (-18.0, -30.0)],
    ids=["target above 0 LUFS", "ceiling above full scale", "ceiling below -24 dBFS"],
)
def test_normaliser_rejects_levels_it_cannot_reach(target: float, ceiling: float) -> None:
    with pytest.raises(InvalidAudioArgumentError):
        LoudnessNormaliser(24000, target_lufs=target, ceiling_dbfs=ceiling)
