"""Provenance records read from files made here with Pillow (or chunk by chunk where a file must
be damaged, huge or hostile), and the card and agent line written from them."""

from __future__ import annotations

import json
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from core.provenance import (
    PROMPT_LIMIT,
    C2paFinding,
    Finding,
    agent_hint,
    cut_prompt,
    provenance_card,
    read_provenance,
)
from core.provenance.finding import FIELD_LIMIT

PROMPT = "a lighthouse on a cliff at dusk, dramatic clouds, highly detailed"
PARAMETERS = (
    f"{PROMPT}\n"
    "Negative prompt: blurry, lowres, watermark\n"
    "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, "
    "Size: 512x768, Model hash: 31e35c80fc, Model: sdxl_base, "
    'Lora hashes: "detail: 0123abcd, style: 4567ef01", Version: v1.10.1'
)
COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 156680208700286,
            "steps": 20,
            "cfg": 8,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1,
            "model": ["10", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"},
    },
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 512, "height": 640, "batch_size": 1},
    },
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "glass bottle landscape, purple galaxy", "clip": ["10", 1]},
    },
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    "10": {
        "class_type": "LoraLoader",
        "inputs": {
            "lora_name": "add_detail.safetensors",
            "strength_model": 0.8,
            "strength_clip": 0.8,
            "model": ["4", 0],
            "clip": ["4", 1],
        },
    },
}
COMFY_WORKFLOW = {
    "last_node_id": 7,
    "last_link_id": 6,
    "nodes": [
        {
            "id": 3,
            "type": "KSampler",
            "inputs": [
                {"name": "model", "type": "MODEL", "link": 1},
                {"name": "positive", "type": "CONDITIONING", "link": 4},
                {"name": "negative", "type": "CONDITIONING", "link": 6},
                {"name": "latent_image", "type": "LATENT", "link": 2},
            ],
            "widgets_values": [42, "fixed", 25, 6.5, "dpmpp_2m", "karras", 1],
        },
        {
            "id": 4,
            "type": "CheckpointLoaderSimple",
            "widgets_values": ["sd_xl_base_1.0.safetensors"],
        },
        {"id": 5, "type": "EmptyLatentImage", "widgets_values": [1024, 1024, 1]},
        {
            "id": 6,
            "type": "CLIPTextEncode",
            "inputs": [{"name": "clip", "type": "CLIP", "link": 3}],
            "widgets_values": ["a red fox in deep snow"],
        },
        {
            "id": 7,
            "type": "CLIPTextEncode",
            "inputs": [{"name": "clip", "type": "CLIP", "link": 5}],
            "widgets_values": ["blurry"],
        },
    ],
    "links": [
        [1, 4, 0, 3, 0, "MODEL"],
        [2, 5, 0, 3, 3, "LATENT"],
        [3, 4, 1, 6, 0, "CLIP"],
        [4, 6, 0, 3, 1, "CONDITIONING"],
        [5, 4, 1, 7, 0, "CLIP"],
        [6, 7, 0, 3, 2, "CONDITIONING"],
    ],
    "version": 0.4,
}
FLUX_PROMPT = {
    "13": {
        "class_type": "SamplerCustomAdvanced",
        "inputs": {
            "noise": ["25", 0],
            "guider": ["22", 0],
            "sampler": ["16", 0],
            "sigmas": ["17", 0],
            "latent_image": ["27", 0],
        },
    },
    "25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 987654321}},
    "22": {"class_type": "BasicGuider", "inputs": {"model": ["30", 0], "conditioning": ["26", 0]}},
    "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat astronaut", "clip": ["11", 0]}},
    "11": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors"}},
    "16": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
    "17": {
        "class_type": "BasicScheduler",
        "inputs": {"scheduler": "simple", "steps": 24, "denoise": 1, "model": ["30", 0]},
    },
    "27": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 768}},
    "30": {"class_type": "ModelSamplingFlux", "inputs": {"model": ["12", 0], "max_shift": 1.15}},
    "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
}
NOVELAI_PROMPT = "1girl, silver hair, night city, neon lights"
NOVELAI_COMMENT = {
    "prompt": NOVELAI_PROMPT,
    "steps": 28,
    "height": 1216,
    "width": 832,
    "scale": 5.0,
    "cfg_rescale": 0.0,
    "seed": 2712345,
    "n_samples": 1,
    "noise_schedule": "karras",
    "sampler": "k_euler_ancestral",
    "uc": "lowres, bad anatomy",
    "request_type": "PromptGenerateRequest",
    "signed_hash": "c2lnbmVk",
}
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
XMP_ATTRIBUTE = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    f'Iptc4xmpExt:DigitalSourceType="{DST}trainedAlgorithmicMedia" '
    'xmp:CreatorTool="Imagine Studio 2"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
XMP_ELEMENT = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>'
    f"<Iptc4xmpExt:DigitalSourceType>{DST}trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_chunks(*extra: bytes, size: tuple[int, int] = (8, 8)) -> bytes:
    width, height = size
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (min(width, 8) + 1) * min(height, 8))
    return (
        PngImagePlugin._MAGIC
        + chunk(b"IHDR", ihdr)
        + b"".join(extra)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def saved_png(
    path: Path, text: dict[str, str] | None = None, itxt: dict[str, str] | None = None
) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    for key, value in (itxt or {}).items():
        info.add_itxt(key, value)
    Image.new("RGB", (64, 48), "gray").save(path, pnginfo=info)
    return path


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS R5"
    exif[ExifTags.Base.Software] = "Adobe Lightroom 7.0"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2024:05:01 18:42:07"}
    return exif


def test_a1111_parameters_give_every_field(tmp_path: Path) -> None:
    finding = read_provenance(saved_png(tmp_path / "a.png", {"parameters": PARAMETERS}))
    assert finding == Finding(
        kind="ai",
        generator="Automatic1111",
        generator_version="v1.10.1",
        prompt=PROMPT,
        negative_prompt="blurry, lowres, watermark",
        model="sdxl_base",
        seed="1234",
        steps=30,
        sampler="DPM++ 2M",
        cfg="7",
        width=512,
        height=768,
        sources=("png:parameters",),
    )
    assert finding.found


def test_forge_is_named_from_its_version(tmp_path: Path) -> None:
    text = PARAMETERS.replace("v1.10.1", "f2.0.1v1.10.1-previous-313")
    assert read_provenance(saved_png(tmp_path / "f.png", {"parameters": text})).generator == "Forge"


def test_comfyui_prompt_graph(tmp_path: Path) -> None:
    texts = {"prompt": json.dumps(COMFY_PROMPT), "workflow": json.dumps(COMFY_WORKFLOW)}
    finding = read_provenance(saved_png(tmp_path / "c.png", texts))
    assert (finding.kind, finding.generator, finding.sources) == ("ai", "ComfyUI", ("png:comfyui",))
    assert finding.model == "v1-5-pruned-emaonly.safetensors"
    assert (finding.seed, finding.steps, finding.sampler, finding.cfg) == (
        "156680208700286",
        20,
        "euler",
        "8",
    )
    assert finding.prompt == "glass bottle landscape, purple galaxy"
    assert finding.negative_prompt == "text, watermark"
    assert (finding.width, finding.height) == (512, 640)


def test_comfyui_editor_workflow_alone(tmp_path: Path) -> None:
    finding = read_provenance(
        saved_png(tmp_path / "w.png", {"workflow": json.dumps(COMFY_WORKFLOW)})
    )
    assert finding.model == "sd_xl_base_1.0.safetensors"
    assert (finding.seed, finding.steps, finding.sampler, finding.cfg) == (
        "42",
        25,
        "dpmpp_2m",
        "6.5",
    )
    assert finding.prompt == "a red fox in deep snow"
    assert finding.negative_prompt == "blurry"


def test_comfyui_custom_sampler_graph(tmp_path: Path) -> None:
    finding = read_provenance(saved_png(tmp_path / "x.png", {"prompt": json.dumps(FLUX_PROMPT)}))
    assert finding.model == "flux1-dev.safetensors"
    assert (finding.seed, finding.steps, finding.sampler) == ("987654321", 24, "euler")
    assert finding.prompt == "a cat astronaut"
    assert (finding.width, finding.height) == (1024, 768)


def test_novelai_comment(tmp_path: Path) -> None:
    texts = {
        "Title": "NovelAI generated image",
        "Description": NOVELAI_PROMPT,
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V4.5 4BDE2A90",
        "Comment": json.dumps(NOVELAI_COMMENT),
    }
    finding = read_provenance(saved_png(tmp_path / "n.png", texts))
    assert (finding.kind, finding.generator, finding.sources) == ("ai", "NovelAI", ("png:novelai",))
    assert finding.model == "NovelAI Diffusion V4.5"
    assert finding.prompt == NOVELAI_PROMPT
    assert finding.negative_prompt == "lowres, bad anatomy"
    assert (finding.seed, finding.steps, finding.sampler, finding.cfg) == (
        "2712345",
        28,
        "k_euler_ancestral",
        "5.0",
    )
    assert (finding.width, finding.height) == (832, 1216)


@pytest.mark.parametrize("packet", [XMP_ATTRIBUTE, XMP_ELEMENT])
def test_xmp_in_a_png_itxt_chunk(tmp_path: Path, packet: str) -> None:
    finding = read_provenance(saved_png(tmp_path / "x.png", itxt={"XML:com.adobe.xmp": packet}))
    assert (finding.kind, finding.digital_source_type) == ("ai", "trainedAlgorithmicMedia")
    assert finding.sources == ("xmp",)


def test_xmp_in_a_jpeg_app1_segment(tmp_path: Path) -> None:
    path = tmp_path / "x.jpg"
    Image.new("RGB", (40, 30), "blue").save(path, xmp=XMP_ATTRIBUTE.encode())
    finding = read_provenance(path)
    assert (finding.kind, finding.digital_source_type) == ("ai", "trainedAlgorithmicMedia")
    assert (finding.software, finding.width, finding.height) == ("Imagine Studio 2", 40, 30)


def test_xmp_in_a_webp(tmp_path: Path) -> None:
    path = tmp_path / "x.webp"
    packet = XMP_ELEMENT.replace("trainedAlgorithmicMedia", "digitalCapture")
    Image.new("RGB", (40, 30), "blue").save(path, xmp=packet.encode())
    finding = read_provenance(path)
    assert (finding.kind, finding.digital_source_type) == ("camera", "digitalCapture")
    assert (finding.width, finding.height) == (40, 30)


def test_camera_exif_in_a_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (40, 30), "white").save(path, exif=camera_exif())
    finding = read_provenance(path)
    assert (finding.kind, finding.camera_make, finding.camera_model) == (
        "camera",
        "Canon",
        "Canon EOS R5",
    )
    # EXIF's "2024:05:01 18:42:07" as people write a date
    assert (finding.taken_at, finding.software) == ("2024-05-01 18:42", "Adobe Lightroom 7.0")
    assert finding.sources == ("exif",)


def test_software_alone_means_edited(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Software] = "GIMP 2.10.36"
    path = tmp_path / "edit.jpg"
    Image.new("RGB", (40, 30), "white").save(path, exif=exif)
    assert read_provenance(path).kind == "edited"


def test_a1111_record_in_a_jpeg_user_comment(tmp_path: Path) -> None:
    exif = Image.Exif()
    comment = b"UNICODE\0" + PARAMETERS.encode("utf-16-be")
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.UserComment: comment}
    path = tmp_path / "a1111.jpg"
    Image.new("RGB", (40, 30), "white").save(path, exif=exif)
    finding = read_provenance(path)
    assert (finding.kind, finding.generator, finding.prompt) == ("ai", "Automatic1111", PROMPT)
    assert (finding.seed, finding.sources) == ("1234", ("exif",))


def test_a_plain_image_has_no_record(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.new("RGB", (64, 48), "gray").save(path)
    finding = read_provenance(path)
    assert not finding.found and finding.kind == "unknown"
    assert (finding.width, finding.height) == (64, 48)


def test_a_chunk_with_a_broken_crc_is_not_believed(tmp_path: Path) -> None:
    good = chunk(b"tEXt", b"parameters\0" + PARAMETERS.encode())
    broken = good[:30] + bytes([good[30] ^ 0x20]) + good[31:]
    path = tmp_path / "crc.png"
    path.write_bytes(png_of_chunks(broken, chunk(b"tEXt", b"Software\0Krita 5.2")))
    finding = read_provenance(path)
    assert finding.prompt is None and finding.generator is None
    assert (finding.software, finding.kind, finding.width) == ("Krita 5.2", "edited", 8)


def test_a_ten_mb_parameters_chunk_is_cut_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(png_of_chunks(chunk(b"tEXt", b"parameters\0" + b"tall tower " * 1_000_000)))
    assert path.stat().st_size > 10 << 20
    tracemalloc.start()
    try:
        finding = read_provenance(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 << 20, f"peak {peak >> 20} MB"
    assert finding.found and finding.prompt is not None
    assert len(finding.prompt) <= FIELD_LIMIT and finding.prompt.startswith("tall tower tall")


def test_a_compressed_text_bomb_is_inflated_only_to_the_cap(tmp_path: Path) -> None:
    deflater = zlib.compressobj(9)
    body = b"".join(deflater.compress(b"wide field " * 100_000) for _ in range(60))
    body += deflater.flush()
    path = tmp_path / "bomb.png"
    path.write_bytes(png_of_chunks(chunk(b"zTXt", b"parameters\0\0" + body)))
    tracemalloc.start()
    try:
        finding = read_provenance(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 << 20, f"peak {peak >> 20} MB"
    assert finding.prompt is not None and len(finding.prompt) <= FIELD_LIMIT


def test_a_hostile_xmp_packet_is_read_in_linear_time(tmp_path: Path) -> None:
    path = saved_png(
        tmp_path / "x.png", itxt={"XML:com.adobe.xmp": "<x:xmpmeta>" + "Make>" * 300_000}
    )
    started = time.monotonic()
    finding = read_provenance(path)
    assert time.monotonic() - started < 10
    assert finding.camera_make is None


def test_a_record_after_the_pixels_is_read(tmp_path: Path) -> None:
    data = png_of_chunks()
    text = chunk(b"tEXt", b"parameters\0" + PARAMETERS.encode())
    path = tmp_path / "late.png"
    path.write_bytes(data[:-12] + text + data[-12:])
    assert read_provenance(path).seed == "1234"


@pytest.mark.parametrize(
    "settings",
    ["Steps: 3" + " tall tower" * 900, "Steps: 3, " + ', a long key: "unclosed' * 400],
)
def test_a_hostile_settings_line_is_read_quickly(tmp_path: Path, settings: str) -> None:
    path = saved_png(tmp_path / "s.png", {"parameters": f"a prompt\n{settings}"})
    started = time.monotonic()
    finding = read_provenance(path)
    assert time.monotonic() - started < 5
    assert finding.prompt is not None and finding.prompt.startswith("a prompt")


def test_a_bomb_sized_png_header_needs_no_pixels(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    text = chunk(b"tEXt", b"parameters\0" + PARAMETERS.encode())
    path.write_bytes(png_of_chunks(text, size=(200_000, 200_000)))
    finding = read_provenance(path)
    assert (finding.generator, finding.prompt) == ("Automatic1111", PROMPT)


def test_a_truncated_file_keeps_what_came_before_the_cut(tmp_path: Path) -> None:
    data = saved_png(tmp_path / "a.png", {"parameters": PARAMETERS}).read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: data.index(b"IDAT") + 10])
    assert read_provenance(path).prompt == PROMPT
    path.write_bytes(data[: data.index(b"parameters") + 40])
    assert not read_provenance(path).found


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"just some notes, not an image\n" * 10,
        PngImagePlugin._MAGIC,
        PngImagePlugin._MAGIC + b"\xff" * 64,
        b"\xff\xd8\xff\xe1\xff\xff" + b"Exif\0\0II*\0" + b"\xff" * 40,
        b"RIFF\x10\0\0\0WEBPVP8X\xff\xff\xff\xff",
        b"II*\0" + b"\xff" * 64,
    ],
)
def test_odd_files_never_raise(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.bin"
    path.write_bytes(content)
    assert not read_provenance(path).found


def test_a_missing_file_is_no_record(tmp_path: Path) -> None:
    assert not read_provenance(tmp_path / "nowhere.png").found


def test_bad_json_records_give_no_settings(tmp_path: Path) -> None:
    texts = {"prompt": '{"3": {"class_type": "KSampler"', "Comment": "{nope", "Software": "NovelAI"}
    finding = read_provenance(saved_png(tmp_path / "j.png", texts))
    assert finding.prompt is None and finding.seed is None


AI = Finding(
    kind="ai",
    generator="Automatic1111",
    generator_version="v1.10.1",
    prompt=PROMPT,
    model="sdxl_base",
    seed="1234",
    steps=30,
    sampler="DPM++ 2M",
    cfg="7",
    width=512,
    height=768,
    digital_source_type="trainedAlgorithmicMedia",
    sources=("png:parameters", "xmp"),
)
CAMERA = Finding(
    kind="camera",
    camera_make="Canon",
    camera_model="Canon EOS R5",
    taken_at="2024:05:01 18:42:07",
    software="Adobe Lightroom 7.0",
    sources=("exif",),
)
SIGNED = Finding(
    kind="ai",
    c2pa=C2paFinding(
        claim_generator="ChatGPT",
        signer="OpenAI",
        validated=False,
        validation_note="untrusted signer: ...",
        status="untrusted",
    ),
    sources=("c2pa",),
)


def test_card_for_an_ai_image() -> None:
    en, zh = provenance_card(AI, "en"), provenance_card(AI, "zh-CN")
    assert en.startswith("The file's own record says: AI-generated image")
    for part in ("Automatic1111 v1.10.1", "model sdxl_base", "30 steps", "sampler DPM++ 2M"):
        assert part in en
    assert "seed 1234" in en and "512×768" in en and f"Prompt: “{PROMPT}”" in en
    assert zh.startswith("文件自带的记录表明：这是 AI 生成的图片（由生成式 AI 模型生成）")
    assert "30 步" in zh and "种子 1234" in zh and f"提示词：“{PROMPT}”" in zh
    for card in (en, zh):
        assert len(card.splitlines()) <= 8 and "{" not in card


def test_card_for_a_camera_photo() -> None:
    en, zh = provenance_card(CAMERA, "en"), provenance_card(CAMERA, "zh")
    assert en.startswith("The file's own record says: camera photo")
    assert "Camera: Canon EOS R5 · taken 2024:05:01 18:42:07" in en
    assert "Software: Adobe Lightroom 7.0" in en
    assert zh.startswith("文件自带的记录表明：这是相机拍摄的照片") and "相机：Canon EOS R5" in zh


def test_card_for_a_signed_image_says_it_is_not_verified() -> None:
    en, zh = provenance_card(SIGNED, "en"), provenance_card(SIGNED, "zh")
    assert (
        "made with ChatGPT; signed by OpenAI; content intact, but the signer is not on a trust "
        "list this bot knows, so not verified"
    ) in en
    assert "签名者 OpenAI；内容完整，但签名者不在本机器人所知的信任列表中，因此未能验证" in zh


def test_card_when_nothing_is_found() -> None:
    assert provenance_card(Finding(), "en") == (
        "No provenance record found in the file. That is not proof either way: most platforms "
        "strip metadata."
    )
    assert provenance_card(Finding(), "zh").startswith("文件中没有找到来源记录。")
    assert agent_hint(Finding()) == "Provenance: no record found in the file."


def test_a_long_prompt_is_cut_at_a_word_boundary() -> None:
    words = [f"w{i % 97}{'x' * (i % 7)}" for i in range(1000)]
    prompt = " ".join(words)
    assert len(prompt) >= 5000
    cut = cut_prompt(prompt)
    assert len(cut) <= PROMPT_LIMIT and cut.endswith("…")
    kept = cut[:-1]
    assert prompt.startswith(kept) and prompt[len(kept)] == " "
    assert len(kept) > PROMPT_LIMIT - 20
    long = Finding(kind="ai", prompt=prompt, sources=("png:parameters",))
    assert f"“{cut}”" in provenance_card(long, "en")
    assert f'prompt: "{cut}"' in agent_hint(long)


def test_json_never_reaches_the_card() -> None:
    finding = Finding(
        kind="ai", prompt='{"3": {"inputs": {}}}', model="m", sources=("png:comfyui",)
    )
    assert "{" not in provenance_card(finding, "en") and "{" not in agent_hint(finding)


def test_agent_hint_is_one_line() -> None:
    hint = agent_hint(AI)
    assert hint.startswith(
        "Provenance: AI image (made by a generative AI model); generator: Automatic1111"
    )
    assert "model: sdxl_base" in hint and "seed 1234" in hint and f'prompt: "{PROMPT}"' in hint
    assert "\n" not in hint
    assert "camera: Canon EOS R5;" in agent_hint(CAMERA)
