"""Reading FFmpeg's output: the failure reason and the progress lines."""

from __future__ import annotations

from engine.render.ffmpeg_process import failure_reason, progress_seconds

# What FFmpeg 9 printed (-loglevel error) for a file that is not a JPEG: the real error first,
# then its threads winding down in no fixed order.
CORRUPT_JPEG_TAIL = [
    "[mjpeg @ 0x55dc55387580] No JPEG data found in image",
    "[vist#0:0/mjpeg @ 0x55dc55389c80] [dec:mjpeg @ 0x55dc55387580] Error submitting packet to "
    "decoder: Invalid data found when processing input",
    "[vist#0:0/mjpeg @ 0x55dc55389c80] [dec:mjpeg @ 0x55dc55387580] Decode error rate 1 exceeds "
    "maximum 0.666667",
    "[fc#0 @ 0x55dc5537cdc0] Cannot determine format of input 0:0 after EOF",
    "[fc#0 @ 0x55dc5537cdc0] Task finished with error code: -1094995529 (Invalid data found when "
    "processing input)",
    "[vost#0:0/libx264 @ 0x55dc55388fc0] [enc:libx264 @ 0x55dc5538a340] Could not open encoder "
    "before EOF",
    "[out#0/mp4 @ 0x55dc5538aec0] Nothing was written into output file, because at least one of "
    "its streams received no packets.",
    "",
]


def test_the_reason_is_the_last_specific_line_without_ffmpeg_prefixes() -> None:
    assert failure_reason(CORRUPT_JPEG_TAIL) == (
        "Error submitting packet to decoder: Invalid data found when processing input"
    )


def test_with_only_generic_lines_the_last_one_is_kept_and_shortened() -> None:
    assert failure_reason(["Conversion failed!"]) == "Conversion failed!"
    assert len(failure_reason(["x" * 1000])) <= 240
    assert failure_reason([]) == ""


def test_progress_is_read_from_out_time_us_only() -> None:
    assert progress_seconds("out_time_us=1500000") == 1.5
    assert progress_seconds("out_time_us=N/A") is None
    assert progress_seconds("out_time=00:00:01.500000") is None
    assert progress_seconds("progress=end") is None
