"""Generator records as today's tools lay them out, written here with Pillow from each tool's
published format and read back field by field through `read_provenance`: the A1111 family
(Forge, reForge, SD.Next, Fooocus, Civitai, ComfyUI savers), InvokeAI's three layouts, ComfyUI
graphs in PNG chunks and EXIF tags, SwarmUI, NovelAI v1-v4 (PNG and WebP) and Draw Things' XMP."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from core.provenance import Finding, read_provenance

Builder = Callable[[Path], Path]

# ---- file builders -----------------------------------------------------------------------------


def png(path: Path, text: dict[str, str], itxt: dict[str, str] | None = None) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    for key, value in (itxt or {}).items():
        info.add_itxt(key, value)
    Image.new("RGB", (64, 48), "gray").save(path, pnginfo=info)
    return path


def with_exif(path: Path, exif: Image.Exif, xmp: bytes | None = None) -> Path:
    image = Image.new("RGB", (64, 48), "gray")
    if xmp is None:
        image.save(path, exif=exif)
    else:
        image.save(path, exif=exif, xmp=xmp)
    return path


def user_comment(text: str, *, little_endian: bool = False) -> bytes:
    """EXIF UserComment as "UNICODE" text (piexif writes big-endian, .NET little-endian)."""
    return b"UNICODE\0" + text.encode("utf-16-le" if little_endian else "utf-16-be")


def exif_of(**tags: str | bytes) -> Image.Exif:
    exif = Image.Exif()
    names = {"make": ExifTags.Base.Make, "model": ExifTags.Base.Model}
    names |= {"description": ExifTags.Base.ImageDescription, "software": ExifTags.Base.Software}
    for name, value in tags.items():
        if name == "comment":
            exif[ExifTags.IFD.Exif] = {ExifTags.Base.UserComment: value}
        else:
            exif[names[name]] = value
    return exif


def a1111_text(settings: str, prompt: str = "a lighthouse at dusk") -> str:
    return f"{prompt}\nNegative prompt: blurry, lowres\n{settings}"


SETTINGS = "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 424242, "
SETTINGS += "Size: 832x1216, Model hash: 31e35c80fc, Model: juggernautXL_v9"
A1111_FIELDS: dict[str, Any] = {
    "prompt": "a lighthouse at dusk",
    "negative_prompt": "blurry, lowres",
    "model": "juggernautXL_v9",
    "seed": "424242",
    "steps": 28,
    "sampler": "DPM++ 2M",
    "cfg": "6.5",
    "width": 832,
    "height": 1216,
}

# ComfyUI's API prompt: the positive text is joined by a StringConcatenate node from two string
# primitives, the negative sits in a multiline text node, and both pass a ControlNet node.
COMFY_PROMPT: dict[str, Any] = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 8675309,
            "steps": 24,
            "cfg": 4.5,
            "sampler_name": "dpmpp_2m",
            "scheduler": "karras",
            "denoise": 1,
            "model": ["4", 0],
            "positive": ["20", 0],
            "negative": ["20", 1],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.st"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 768, "height": 512}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["12", 0], "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": ["14", 0], "clip": ["4", 1]}},
    "10": {"class_type": "PrimitiveString", "inputs": {"value": "a koi pond in autumn"}},
    "11": {"class_type": "PrimitiveString", "inputs": {"value": "watercolor"}},
    "12": {
        "class_type": "StringConcatenate",
        "inputs": {"string_a": ["10", 0], "string_b": ["11", 0], "delimiter": ", "},
    },
    "14": {"class_type": "Text Multiline", "inputs": {"text": "jpeg artifacts"}},
    "15": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "canny.st"}},
    "20": {
        "class_type": "ControlNetApplyAdvanced",
        "inputs": {
            "strength": 0.7,
            "positive": ["6", 0],
            "negative": ["7", 0],
            "control_net": ["15", 0],
            "image": ["21", 0],
        },
    },
    "21": {"class_type": "LoadImage", "inputs": {"image": "edges.png"}},
}
COMFY_FIELDS: dict[str, Any] = {
    "generator": "ComfyUI",
    "generator_version": None,
    "prompt": "a koi pond in autumn, watercolor",
    "negative_prompt": "jpeg artifacts",
    "model": "dreamshaper_8.st",
    "seed": "8675309",
    "steps": 24,
    "sampler": "dpmpp_2m",
    "cfg": "4.5",
    "width": 768,
    "height": 512,
}
# The editor's workflow as the WebP saver stores it next to the prompt (enough to be one).
COMFY_WORKFLOW = {"last_node_id": 1, "nodes": [{"id": 1, "type": "Note"}], "links": []}

SWARM = {
    "sui_image_params": {
        "prompt": "a brass robot reading",
        "negativeprompt": "lowres",
        "model": "OfficialStableDiffusion/sd_xl_base_1.0",
        "seed": 1843210,
        "steps": 30,
        "cfgscale": 7.0,
        "aspectratio": "1:1",
        "width": 1024,
        "height": 1024,
        "sampler": "euler",
        "scheduler": "normal",
        "swarm_version": "0.9.5.2",
    },
    "sui_extra_data": {"date": "2025-03-01", "generation_time": "2.31 sec"},
    "sui_models": [{"name": "sd_xl_base_1.0.safetensors", "param": "model"}],
}
SWARM_FIELDS: dict[str, Any] = {
    "generator": "SwarmUI",
    "generator_version": "0.9.5.2",
    "prompt": "a brass robot reading",
    "negative_prompt": "lowres",
    "model": "OfficialStableDiffusion/sd_xl_base_1.0",
    "seed": "1843210",
    "steps": 30,
    "sampler": "euler",
    "cfg": "7.0",
    "width": 1024,
    "height": 1024,
}

NOVELAI_V4_COMMENT = {
    "prompt": "1girl, lantern festival, night",
    "steps": 28,
    "height": 1216,
    "width": 832,
    "scale": 5.5,
    "seed": 3306179,
    "sampler": "k_euler_ancestral",
    "noise_schedule": "karras",
    "v4_prompt": {
        "caption": {"base_caption": "1girl, lantern festival, night", "char_captions": []},
        "use_coords": False,
        "use_order": True,
    },
    "v4_negative_prompt": {"caption": {"base_caption": "bad hands, blurry", "char_captions": []}},
    "request_type": "PromptGenerateRequest",
    "signed_hash": "c2lnbmVk",
}
NOVELAI_V4_FIELDS: dict[str, Any] = {
    "generator": "NovelAI",
    "prompt": "1girl, lantern festival, night",
    "negative_prompt": "bad hands, blurry",
    "model": "NovelAI Diffusion V4",
    "seed": "3306179",
    "steps": 28,
    "sampler": "k_euler_ancestral",
    "cfg": "5.5",
    "width": 832,
    "height": 1216,
}

DRAW_THINGS_JSON = {
    "c": "a paper boat on a rainy street",
    "uc": "text, watermark",
    "model": "flux_1_schnell_q5p.ckpt",
    "sampler": "Euler A Trailing",
    "scale": 4.5,
    "seed": 1172910896,
    "seed_mode": "Scale Alike",
    "size": "768x1024",
    "steps": 8,
    "strength": 1,
    "v2": {"loras": [], "shift": 3},
}
DRAW_THINGS_FIELDS: dict[str, Any] = {
    "generator": "Draw Things",
    "generator_version": None,
    "prompt": "a paper boat on a rainy street",
    "negative_prompt": "text, watermark",
    "model": "flux_1_schnell_q5p.ckpt",
    "seed": "1172910896",
    "steps": 8,
    "sampler": "Euler A Trailing",
    "cfg": "4.5",
    "width": 768,
    "height": 1024,
}


def draw_things_xmp(comment: dict[str, Any] | None) -> str:
    """Draw Things' packet: dc:description (an A1111-like text), CreatorTool, exif:UserComment."""
    description = (
        "a paper boat on a rainy street&#xA;-text, watermark&#xA;Steps: 8, Sampler: Euler A "
        "Trailing, Guidance Scale: 4.5, Seed: 1172910896, Size: 768x1024, Model: "
        "flux_1_schnell_q5p.ckpt, Strength: 1.0, Seed Mode: Scale Alike"
    )
    body = json.dumps(comment).replace("&", "&amp;").replace("<", "&lt;") if comment else ""
    user = (
        f'<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">{body}</rdf:li></rdf:Alt>'
        "</exif:UserComment>"
        if comment
        else ""
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/"><dc:description><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt></dc:description>'
        f"<xmp:CreatorTool>Draw Things</xmp:CreatorTool>{user}</rdf:Description></rdf:RDF>"
        "</x:xmpmeta>"
    )


# ---- the table: how each tool writes, and what read_provenance must report ---------------------

CASES: list[tuple[str, Builder, dict[str, Any]]] = [
    (
        "automatic1111",
        lambda p: png(p / "a.png", {"parameters": a1111_text(SETTINGS + ", Version: v1.10.1")}),
        {"generator": "Automatic1111", "generator_version": "v1.10.1", **A1111_FIELDS},
    ),
    (
        "forge-f-version",
        lambda p: png(
            p / "f.png",
            {
                "parameters": a1111_text(
                    SETTINGS + ", Version: f2.0.1v1.10.1-previous-669-gdfdcbab6"
                )
            },
        ),
        {
            "generator": "Forge",
            "generator_version": "f2.0.1v1.10.1-previous-669-gdfdcbab6",
            **A1111_FIELDS,
        },
    ),
    (
        "forge-classic",
        lambda p: png(p / "c.png", {"parameters": a1111_text(SETTINGS + ", Version: classic")}),
        {"generator": "Forge", "generator_version": "classic", **A1111_FIELDS},
    ),
    (
        "forge-neo",
        lambda p: png(p / "n.png", {"parameters": a1111_text(SETTINGS + ", Version: neo")}),
        {"generator": "Forge", "generator_version": "neo", **A1111_FIELDS},
    ),
    (
        "reforge",
        lambda p: png(
            p / "r.png",
            {"parameters": a1111_text(SETTINGS + ", Version: f1.3.0-v1.10.1RC-latest-2212-gf2e1")},
        ),
        {"generator": "reForge", "generator_version": "f1.3.0-v1.10.1RC-latest-2212-gf2e1"}
        | A1111_FIELDS,
    ),
    (
        "sd-next",
        lambda p: png(
            p / "s.png",
            {
                "parameters": a1111_text(
                    SETTINGS + ", Backend: Diffusers, App: SD.Next, Version: 7a1c3e2"
                )
            },
        ),
        {"generator": "SD.Next", "generator_version": "7a1c3e2", **A1111_FIELDS},
    ),
    (
        "sd-next-without-app",
        lambda p: png(
            p / "s2.png",
            {"parameters": a1111_text(SETTINGS + ", Backend: Diffusers, Version: 7a1c3e2")},
        ),
        {"generator": "SD.Next", "generator_version": "7a1c3e2", **A1111_FIELDS},
    ),
    (
        "fooocus-a1111-scheme",
        lambda p: png(
            p / "fa.png", {"parameters": a1111_text(SETTINGS + ", Version: Fooocus v2.5.5")}
        ),
        {"generator": "Fooocus", "generator_version": "v2.5.5", **A1111_FIELDS},
    ),
    (
        "fooocus-json",
        lambda p: png(
            p / "fj.png",
            {
                "parameters": json.dumps(
                    {
                        "adm_guidance": "(1.5, 0.8, 0.3)",
                        "base_model": "juggernautXL_v8Rundiffusion",
                        "guidance_scale": 4.0,
                        "metadata_scheme": "fooocus",
                        "negative_prompt": "unrealistic, saturated",
                        "performance": "Speed",
                        "prompt": "a cabin in the snow",
                        "resolution": "(1152, 896)",
                        "sampler": "dpmpp_2m_sde_gpu",
                        "scheduler": "karras",
                        "seed": "7346120",
                        "steps": 30,
                        "version": "Fooocus v2.5.5",
                    }
                ),
                "fooocus_scheme": "fooocus",
            },
        ),
        {
            "generator": "Fooocus",
            "generator_version": "v2.5.5",
            "prompt": "a cabin in the snow",
            "negative_prompt": "unrealistic, saturated",
            "model": "juggernautXL_v8Rundiffusion",
            "seed": "7346120",
            "steps": 30,
            "sampler": "dpmpp_2m_sde_gpu",
            "cfg": "4.0",
            "width": 1152,
            "height": 896,
        },
    ),
    (
        "ruined-fooocus",
        lambda p: png(
            p / "rf.png",
            {
                "parameters": json.dumps(
                    {
                        "Prompt": "a glass teapot",
                        "Negative": "dark",
                        "steps": 20,
                        "cfg": 8.0,
                        "width": 1024,
                        "height": 768,
                        "seed": 99,
                        "sampler_name": "euler_ancestral",
                        "scheduler": "karras",
                        "base_model_name": "sd_xl_base_1.0.safetensors",
                        "loras": [],
                        "software": "RuinedFooocus",
                    }
                )
            },
        ),
        {
            "generator": "RuinedFooocus",
            "prompt": "a glass teapot",
            "negative_prompt": "dark",
            "model": "sd_xl_base_1.0.safetensors",
            "seed": "99",
            "steps": 20,
            "sampler": "euler_ancestral",
            "cfg": "8.0",
            "width": 1024,
            "height": 768,
        },
    ),
    (
        "comfyui-saver-parameters-next-to-its-graph",
        lambda p: png(
            p / "cs.png",
            {
                "parameters": a1111_text(SETTINGS),
                "prompt": json.dumps(COMFY_PROMPT),
                "workflow": json.dumps(COMFY_WORKFLOW),
            },
        ),
        {"generator": "ComfyUI", "generator_version": None, **A1111_FIELDS},
    ),
    (
        "comfyui-saver-version-comfyui",
        lambda p: png(p / "cv.png", {"parameters": a1111_text(SETTINGS + ", Version: ComfyUI")}),
        {"generator": "ComfyUI", "generator_version": None, **A1111_FIELDS},
    ),
    (
        "comfyui-png-custom-text-nodes",
        lambda p: png(p / "c.png", {"prompt": json.dumps(COMFY_PROMPT)}),
        COMFY_FIELDS,
    ),
    (
        "comfyui-animated-webp-exif",  # SaveAnimatedWEBP: prompt in Model, workflow in Make
        lambda p: with_exif(
            p / "c.webp",
            exif_of(
                model="prompt:" + json.dumps(COMFY_PROMPT),
                make="workflow:" + json.dumps(COMFY_WORKFLOW),
            ),
        ),
        COMFY_FIELDS,
    ),
    (
        "comfyui-save-image-extended-jpeg",  # "Prompt: " in Make, "Workflow: " in the description
        lambda p: with_exif(
            p / "c.jpg",
            exif_of(
                make="Prompt: " + json.dumps(COMFY_PROMPT),
                description="Workflow: " + json.dumps(COMFY_WORKFLOW),
            ),
        ),
        COMFY_FIELDS,
    ),
    (
        "comfyui-bare-json-in-user-comment",
        lambda p: with_exif(
            p / "u.webp", exif_of(comment=json.dumps(COMFY_PROMPT).encode("utf-8"))
        ),
        COMFY_FIELDS,
    ),
    (
        "swarmui-png",
        lambda p: png(p / "sw.png", {"parameters": json.dumps(SWARM)}),
        SWARM_FIELDS,
    ),
    (
        "swarmui-jpeg-user-comment",
        lambda p: with_exif(
            p / "sw.jpg", exif_of(comment=user_comment(json.dumps(SWARM), little_endian=True))
        ),
        SWARM_FIELDS,
    ),
    (
        "swarmui-legacy-exif-model",
        lambda p: with_exif(p / "sw.webp", exif_of(model=json.dumps(SWARM))),
        SWARM_FIELDS,
    ),
    (
        "novelai-v4-png",
        lambda p: png(
            p / "n4.png",
            {
                "Title": "NovelAI generated image",
                "Description": "1girl, lantern festival, night",
                "Software": "NovelAI",
                "Source": "NovelAI Diffusion V4 4F49EC75",
                "Generation time": "6.1",
                "Comment": json.dumps({k: v for k, v in NOVELAI_V4_COMMENT.items()}),
            },
        ),
        NOVELAI_V4_FIELDS,
    ),
    (
        "novelai-webp-user-comment",  # the PNG chunks as one JSON object, UTF-8 in UserComment
        lambda p: with_exif(
            p / "n.webp",
            exif_of(
                comment=json.dumps(
                    {
                        "Comment": json.dumps(NOVELAI_V4_COMMENT),
                        "Description": "1girl, lantern festival, night",
                        "Generation time": "6.1",
                        "Software": "NovelAI",
                        "Source": "NovelAI Diffusion V4 4F49EC75",
                        "Title": "NovelAI generated image",
                    }
                ).encode("utf-8"),
                description="\0\0\0\x001girl, lantern festival, night",
                software="NovelAI",
            ),
        ),
        NOVELAI_V4_FIELDS,
    ),
    (
        "civitai-generator-jpeg",
        lambda p: with_exif(
            p / "cv.jpg",
            exif_of(
                comment=user_comment(
                    "a neon fox in the rain\nNegative prompt: blurry\n"
                    "Steps: 25, Sampler: Euler a, CFG scale: 3.5, Seed: 1760020955, "
                    "Size: 832x1216, Clip skip: 2, Created Date: 2025-11-28T09:18:43.5269343Z, "
                    'Civitai resources: [{"type":"checkpoint","modelVersionId":2442439,'
                    '"modelName":"Z Image","modelVersionName":"Turbo"},{"type":"lora",'
                    '"weight":0.8,"modelVersionId":31,"modelName":"Neon","modelVersionName":"v1"}]'
                    ', Civitai metadata: {"remixOfId":12, "negativePrompt": "a, b, c"}'
                )
            ),
        ),
        {
            "generator": "Civitai",
            "generator_version": None,
            "prompt": "a neon fox in the rain",
            "negative_prompt": "blurry",
            "model": "Z Image (Turbo)",
            "seed": "1760020955",
            "steps": 25,
            "sampler": "Euler a",
            "cfg": "3.5",
            "width": 832,
            "height": 1216,
        },
    ),
    (
        "draw-things-png-xmp",
        lambda p: png(
            p / "dt.png", {}, itxt={"XML:com.adobe.xmp": draw_things_xmp(DRAW_THINGS_JSON)}
        ),
        DRAW_THINGS_FIELDS,
    ),
    (
        "draw-things-jpeg-description-only",
        lambda p: with_exif(p / "dt.jpg", Image.Exif(), xmp=draw_things_xmp(None).encode()),
        DRAW_THINGS_FIELDS,
    ),
]

INVOKEAI_METADATA = {
    "generation_mode": "sdxl_txt2img",
    "positive_prompt": "a red barn in a wheat field",
    "negative_prompt": "people",
    "width": 1024,
    "height": 1024,
    "seed": 2947263,
    "rand_device": "cpu",
    "cfg_scale": 6.0,
    "cfg_rescale_multiplier": 0,
    "steps": 32,
    "scheduler": "dpmpp_2m_k",
    "model": {"key": "9f3a", "hash": "blake3:aa", "name": "Juggernaut XL v9", "base": "sdxl"},
    "app_version": "5.6.0",
}
# Chunks the PNG walker has to keep for these layouts (see test_the_png_walker_keeps...).
NEW_CHUNK_CASES: list[tuple[str, Builder, dict[str, Any]]] = [
    (
        "invokeai-metadata",
        lambda p: png(
            p / "i.png",
            {"invokeai_metadata": json.dumps(INVOKEAI_METADATA), "invokeai_graph": "{}"},
        ),
        {
            "generator": "InvokeAI",
            "generator_version": "5.6.0",
            "prompt": "a red barn in a wheat field",
            "negative_prompt": "people",
            "model": "Juggernaut XL v9",
            "seed": "2947263",
            "steps": 32,
            "sampler": "dpmpp_2m_k",
            "cfg": "6.0",
            "width": 1024,
            "height": 1024,
        },
    ),
    (
        "invokeai-3-model-name",
        lambda p: png(
            p / "i3.png",
            {
                "invokeai_metadata": json.dumps(
                    INVOKEAI_METADATA
                    | {"model": {"model_name": "stable-diffusion-v1-5", "base_model": "sd-1"}}
                    | {"app_version": "3.4.0"}
                )
            },
        ),
        {"generator": "InvokeAI", "generator_version": "3.4.0", "model": "stable-diffusion-v1-5"},
    ),
    (
        "invokeai-sd-metadata",
        lambda p: png(
            p / "sd.png",
            {
                "sd-metadata": json.dumps(
                    {
                        "model": "stable diffusion",
                        "model_id": "stable-diffusion-1.5",
                        "model_hash": "cc6cb27103417325ff94f52b7a5d2dde45a7515b",
                        "app_id": "invoke-ai/InvokeAI",
                        "app_version": "2.3.0",
                        "image": {
                            "prompt": [{"prompt": "a castle on a hill [fog, haze]", "weight": 1.0}],
                            "steps": 50,
                            "cfg_scale": 7.5,
                            "threshold": 0,
                            "perlin": 0,
                            "height": 512,
                            "width": 768,
                            "seed": 3357757885,
                            "seamless": False,
                            "hires_fix": False,
                            "type": "txt2img",
                            "postprocessing": None,
                            "sampler": "k_lms",
                            "variations": [],
                        },
                    }
                ),
                "Dream": '"a castle on a hill [fog, haze]" -s 50 -S 3357757885 -W 768 -H 512',
            },
        ),
        {
            "generator": "InvokeAI",
            "generator_version": "2.3.0",
            "prompt": "a castle on a hill",
            "negative_prompt": "fog, haze",
            "model": "stable-diffusion-1.5",
            "seed": "3357757885",
            "steps": 50,
            "sampler": "k_lms",
            "cfg": "7.5",
            "width": 768,
            "height": 512,
        },
    ),
    (
        "invokeai-dream",
        lambda p: png(
            p / "d.png",
            {"Dream": '"an owl in a library [text]" -s 40 -S 1234 -W 512 -H 640 -C 7.5 -A k_lms'},
        ),
        {
            "generator": "InvokeAI",
            "generator_version": None,
            "prompt": "an owl in a library",
            "negative_prompt": "text",
            "model": None,
            "seed": "1234",
            "steps": 40,
            "sampler": "k_lms",
            "cfg": "7.5",
            "width": 512,
            "height": 640,
        },
    ),
    (
        "novelai-v1-description-prompt",  # an old Comment has no prompt: Description holds it
        lambda p: png(
            p / "n1.png",
            {
                "Title": "AI generated image",
                "Description": "masterpiece, a fox in a forest",
                "Software": "NovelAI",
                "Source": "Stable Diffusion 1D44365E",
                "Comment": json.dumps(
                    {
                        "steps": 28,
                        "sampler": "k_euler_ancestral",
                        "seed": 1591776262,
                        "strength": 0.7,
                        "noise": 0.2,
                        "scale": 11.0,
                        "uc": "lowres, bad anatomy",
                    }
                ),
            },
        ),
        {
            "generator": "NovelAI",
            "prompt": "masterpiece, a fox in a forest",
            "negative_prompt": "lowres, bad anatomy",
            "model": "Stable Diffusion",
            "seed": "1591776262",
            "steps": 28,
            "sampler": "k_euler_ancestral",
            "cfg": "11.0",
            "width": 64,
            "height": 48,
        },
    ),
]


def assert_record(finding: Finding, expected: dict[str, Any]) -> None:
    got = {name: getattr(finding, name) for name in expected}
    assert got == expected
    assert finding.kind == "ai" and finding.found
    assert_no_raw_json(finding)


def assert_no_raw_json(finding: Finding) -> None:
    for field in fields(Finding):
        value = getattr(finding, field.name)
        if isinstance(value, str):
            assert value.lstrip()[:1] not in ("{", "["), f"{field.name} holds JSON: {value[:60]}"


@pytest.mark.parametrize(("case", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_generator_is_named_and_read(
    tmp_path: Path, case: str, build: Builder, expected: dict[str, Any]
) -> None:
    assert_record(read_provenance(build(tmp_path)), expected)


@pytest.mark.parametrize(
    ("case", "build", "expected"), NEW_CHUNK_CASES, ids=[c[0] for c in NEW_CHUNK_CASES]
)
def test_records_in_invokeai_and_novelai_chunks(
    tmp_path: Path, case: str, build: Builder, expected: dict[str, Any]
) -> None:
    assert_record(read_provenance(build(tmp_path)), expected)


def test_a_comfyui_graph_in_make_and_model_is_no_camera(tmp_path: Path) -> None:
    exif = exif_of(
        model="prompt:" + json.dumps(COMFY_PROMPT),
        make="workflow:" + json.dumps(COMFY_WORKFLOW),
        software="ComfyUI",
    )
    for path in (tmp_path / "c.webp", tmp_path / "c.jpg"):
        finding = read_provenance(with_exif(path, exif))
        assert (finding.camera_make, finding.camera_model) == (None, None)
        assert (finding.kind, finding.generator, finding.sources) == ("ai", "ComfyUI", ("exif",))
        assert finding.software == "ComfyUI"
        assert_no_raw_json(finding)


def test_json_in_exif_text_tags_is_never_a_name(tmp_path: Path) -> None:
    exif = exif_of(make='{"not": "a camera"}', model="[1, 2]", software='{"tool": 1}')
    finding = read_provenance(with_exif(tmp_path / "j.jpg", exif))
    assert (finding.camera_make, finding.camera_model, finding.software) == (None, None, None)
    assert finding.generator is None and finding.kind != "camera"


def test_a_real_camera_still_reads_as_a_camera(tmp_path: Path) -> None:
    exif = exif_of(make="Canon", model="Canon EOS R6", description="OLYMPIC TRIALS")
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2025:06:01 07:15:00"}
    finding = read_provenance(with_exif(tmp_path / "photo.jpg", exif))
    assert (finding.kind, finding.camera_make, finding.camera_model) == (
        "camera",
        "Canon",
        "Canon EOS R6",
    )
    assert (finding.generator, finding.prompt, finding.sources) == (None, None, ("exif",))
    assert finding.taken_at == "2025-06-01 07:15"


def test_an_a1111_prompt_in_braces_is_still_text(tmp_path: Path) -> None:
    text = a1111_text(SETTINGS + ", Version: v1.10.1", prompt="{masterpiece}, a quiet harbour")
    finding = read_provenance(png(tmp_path / "b.png", {"parameters": text}))
    assert (finding.generator, finding.prompt) == (
        "Automatic1111",
        "{masterpiece}, a quiet harbour",
    )


def test_civitai_metadata_outweighs_a_comfyui_version(tmp_path: Path) -> None:
    resources = '[{"type":"checkpoint","modelName":"Flux","modelVersionName":"Dev"}]'
    site = f"{SETTINGS}, Version: ComfyUI, Civitai resources: {resources}, Civitai metadata: {{}}"
    saver = f"{SETTINGS}, Version: ComfyUI, Civitai resources: {resources}"
    read = [
        read_provenance(png(tmp_path / f"{name}.png", {"parameters": a1111_text(text)}))
        for name, text in (("site", site), ("saver", saver))
    ]
    assert [(f.generator, f.model) for f in read] == [
        ("Civitai", "juggernautXL_v9"),
        ("ComfyUI", "juggernautXL_v9"),
    ]


def test_an_unknown_json_comment_names_no_generator(tmp_path: Path) -> None:
    exif = exif_of(comment=b'{"prompt": "a tree", "steps": 3}')
    finding = read_provenance(with_exif(tmp_path / "u.webp", exif))
    assert finding.generator is None and finding.prompt is None


@pytest.mark.parametrize(
    "text",
    [
        "prompt:" + "[" * 100_000,
        "workflow:{" + '"nodes": [' * 5_000,
        'prompt:{"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0]}}}',
        '{"sui_image_params": []}',
        '{"Comment": {"uc": 3}, "Software": "NovelAI"}',
    ],
)
def test_hostile_exif_records_never_raise(tmp_path: Path, text: str) -> None:
    finding = read_provenance(with_exif(tmp_path / "h.webp", exif_of(model=text)))
    assert finding.camera_model is None
    assert_no_raw_json(finding)


def test_a_self_linked_text_node_ends(tmp_path: Path) -> None:
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "seed": 5}},
        "2": {"class_type": "Text Concatenate", "inputs": {"text_a": ["2", 0], "text_b": ["3", 0]}},
        "3": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["3", 0]}},
    }
    finding = read_provenance(png(tmp_path / "loop.png", {"prompt": json.dumps(graph)}))
    assert (finding.generator, finding.seed, finding.prompt) == ("ComfyUI", "5", None)


@pytest.mark.parametrize(
    "chunk",
    [
        {"Dream": "no quotes -s 5"},
        {"Dream": '"' + "x" * 50_000},
        {"sd-metadata": '{"image": {"prompt": [{"prompt": 3}]}}'},
        {"invokeai_metadata": "[1, 2]"},
    ],
)
def test_damaged_invokeai_chunks_never_raise(tmp_path: Path, chunk: dict[str, str]) -> None:
    finding = read_provenance(png(tmp_path / "d.png", chunk))
    assert_no_raw_json(finding)
    assert finding.prompt is None or len(finding.prompt) <= 4000


MJ_PROMPT = "a lighthouse in a storm, oil painting --ar 2:1 --stylize 80 --v 6.1"
MJ_JOB = "Job ID: a7421d2f-b262-44f9-977c-ac23e9c7d3e3"
MJ_XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:'
    'DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia">'
    f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{MJ_PROMPT} {MJ_JOB}</rdf:li>'
    "</rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
)


@pytest.mark.parametrize("where", ["png", "webp"])
def test_midjourney_is_named_from_its_description_and_job_id(tmp_path: Path, where: str) -> None:
    """The PNG keeps the prompt in its Description chunk (with Author, Creation Time and an XMP
    packet); the WebP and JPEG downloads in the XMP description."""
    image = Image.new("RGB", (64, 32), "navy")
    if where == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Description", f"{MJ_PROMPT} {MJ_JOB}")
        info.add_text("Author", "ana")
        info.add_text("XML:com.adobe.xmp", MJ_XMP)
        path = tmp_path / "mj.png"
        image.save(path, "PNG", pnginfo=info)
    else:
        path = tmp_path / "mj.webp"
        image.save(path, "WEBP", xmp=MJ_XMP.encode())

    finding = read_provenance(path)

    assert (finding.generator, finding.model, finding.prompt) == ("Midjourney", "v6.1", MJ_PROMPT)
    assert (finding.kind, finding.digital_source_type) == ("ai", "trainedAlgorithmicMedia")
    assert "Job ID" not in (finding.prompt or "")


def test_a_description_without_a_job_id_is_not_midjourney(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "Holiday photo, Lisbon")
    path = tmp_path / "d.png"
    Image.new("RGB", (8, 8)).save(path, "PNG", pnginfo=info)
    assert read_provenance(path).generator is None
