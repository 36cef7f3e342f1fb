"""A Finding in words: a short plain-text card for the chat (English or Chinese), and one compact
English line for the video agent's instruction. Values are flattened to one line each; a value
that is itself JSON is left out, so no card ever shows raw JSON."""

from __future__ import annotations

import re

from core.provenance.finding import PROMPT_LIMIT, C2paFinding, Finding, Kind
from core.provenance.webui_records import load_json
from core.texts import language_of

_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")

_HEADLINE: dict[Kind, tuple[str, str]] = {
    "ai": (
        "The file's own record says: AI-generated image",
        "文件自带的记录表明：这是 AI 生成的图片",
    ),
    "camera": (
        "The file's own record says: camera photo",
        "文件自带的记录表明：这是相机拍摄的照片",
    ),
    "edited": (
        "The file's own record says: made or edited with software",
        "文件自带的记录表明：这张图片用软件制作或编辑过",
    ),
    "unknown": (
        "The file carries a record, but it does not say how the image was made",
        "文件里有记录，但没有说明图片是怎么来的",
    ),
}
_SOURCE_TYPES = {
    "trainedAlgorithmicMedia": ("made by a generative AI model", "由生成式 AI 模型生成"),
    "compositeWithTrainedAlgorithmicMedia": (
        "a composite that includes AI-generated parts",
        "包含 AI 生成部分的合成图",
    ),
    "digitalCapture": ("captured with a digital camera", "数码相机拍摄"),
    "computationalCapture": ("captured with computational photography", "计算摄影拍摄"),
    "algorithmicallyEnhanced": ("enhanced by an algorithm", "经过算法增强"),
    "humanEdits": ("edited by a person", "经过人工编辑"),
    "composite": ("a composite of several images", "多张图片的合成"),
}
_VERDICTS = {
    "trusted": ("signature verified", "签名已验证"),
    "untrusted": (
        "not verified: the signer is not on a trust list",
        "未能验证：签名者不在信任列表中",
    ),
    "invalid": ("failed validation", "验证未通过"),
    "unverified": ("could not be verified", "无法验证"),
}
_WORDS = {
    "made_with": ("Made with: ", "生成工具："),
    "model": ("model ", "模型 "),
    "settings": ("Settings: ", "设置："),
    "steps": ("{} steps", "{} 步"),
    "sampler": ("sampler {}", "采样器 {}"),
    "seed": ("seed {}", "种子 {}"),
    "prompt": ("Prompt: “{}”", "提示词：“{}”"),
    "c2pa": ("Content Credentials (C2PA): ", "内容凭证（C2PA）："),
    "claimed": ("made with {}", "制作工具 {}"),
    "signed": ("signed by {}", "签名者 {}"),
    "camera": ("Camera: ", "相机："),
    "taken": ("taken {}", "拍摄于 {}"),
    "software": ("Software: ", "软件："),
    "caveat": (
        "Metadata can be edited, so this is what the file claims, not proof.",
        "元数据可以被修改，所以这是文件自己的说法，并非证据。",
    ),
    "none": (
        "No provenance record found in the file. That is not proof either way: most platforms "
        "strip metadata.",
        "文件中没有找到来源记录。这既不能证明是、也不能证明不是 AI 生成：大多数平台会删除元数据。",
    ),
}
_HINT_KINDS: dict[Kind, str] = {
    "ai": "AI image",
    "camera": "camera photo",
    "edited": "made or edited with software",
    "unknown": "record present, origin not stated",
}


def cut_prompt(text: str, limit: int = PROMPT_LIMIT) -> str:
    """`text` on one line, at most `limit` characters, cut at a word boundary with "…"."""
    flat = one_line(text) or ""
    if len(flat) <= limit:
        return flat
    head = flat[: limit - 1]
    space = head.rfind(" ")
    # Text without spaces (Chinese, a run of tags) has no word to keep whole: cut it anywhere.
    if not flat[limit - 1].isspace() and space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:") + "…"


def one_line(value: object) -> str | None:
    """A value as one line of text; None for nothing, or for JSON (never shown raw)."""
    if value is None:
        return None
    text = _SPACE.sub(" ", str(value)).strip()
    if text[:1] in "{[" and isinstance(load_json(text), dict | list):
        return None
    return text or None


def provenance_card(finding: Finding, language: str) -> str:
    """A short plain-text card (at most eight lines) of what the file's records say."""
    zh = int(language_of(language) == "zh")
    if not finding.found:
        return _WORDS["none"][zh]
    lines = [_headline(finding, zh)]
    made = " · ".join(
        filter(
            None,
            (
                _join(finding.generator, finding.generator_version),
                one_line(finding.model) and _WORDS["model"][zh] + (one_line(finding.model) or ""),
            ),
        )
    )
    if made:
        lines.append(_WORDS["made_with"][zh] + made)
    settings = " · ".join(_settings(finding, zh))
    if settings:
        lines.append(_WORDS["settings"][zh] + settings)
    prompt = cut_prompt(finding.prompt or "")
    if prompt:
        lines.append(_WORDS["prompt"][zh].format(prompt))
    if finding.c2pa:
        lines.append(_WORDS["c2pa"][zh] + _c2pa_words(finding.c2pa, zh))
    camera = " · ".join(
        filter(
            None,
            (
                _camera(finding),
                one_line(finding.taken_at)
                and _WORDS["taken"][zh].format(one_line(finding.taken_at)),
            ),
        )
    )
    if camera:
        lines.append(_WORDS["camera"][zh] + camera)
    if finding.software and finding.software != finding.generator:
        lines.append(_WORDS["software"][zh] + (one_line(finding.software) or ""))
    lines.append(_WORDS["caveat"][zh])
    return "\n".join(lines)


def agent_hint(finding: Finding) -> str:
    """One compact English line of the finding for the video agent's instruction."""
    if not finding.found:
        return "Provenance: no record found in the file."
    kind = _HINT_KINDS[finding.kind]
    if finding.digital_source_type:
        kind += f" ({finding.digital_source_type})"
    parts = [f"Provenance: {kind}"]
    generator = _join(finding.generator, finding.generator_version)
    parts += [f"generator: {generator}"] if generator else []
    parts += [f"model: {one_line(finding.model)}"] if one_line(finding.model) else []
    settings = ", ".join(_settings(finding, 0))
    parts += [settings] if settings else []
    prompt = cut_prompt(finding.prompt or "").replace('"', "'")
    parts += [f'prompt: "{prompt}"'] if prompt else []
    if finding.c2pa:
        parts.append(f"C2PA: {_c2pa_words(finding.c2pa, 0)}")
    camera = _camera(finding)
    parts += [f"camera: {camera}"] if camera else []
    parts += [f"taken: {one_line(finding.taken_at)}"] if one_line(finding.taken_at) else []
    if finding.software and finding.software != finding.generator:
        parts.append(f"software: {one_line(finding.software)}")
    return "; ".join(parts) + " (metadata is the file's claim, not proof)"


def _headline(finding: Finding, zh: int) -> str:
    text = _HEADLINE[finding.kind][zh]
    code = finding.digital_source_type
    if code:
        phrase = _SOURCE_TYPES.get(code, (code, code))[zh]
        text += f"（{phrase}）" if zh else f" ({phrase})"
    return text + ("。" if zh else ".")


def _settings(finding: Finding, zh: int) -> list[str]:
    parts = []
    if finding.steps is not None:
        parts.append(_WORDS["steps"][zh].format(finding.steps))
    if one_line(finding.sampler):
        parts.append(_WORDS["sampler"][zh].format(one_line(finding.sampler)))
    if one_line(finding.cfg):
        parts.append(f"CFG {one_line(finding.cfg)}")
    if one_line(finding.seed):
        parts.append(_WORDS["seed"][zh].format(one_line(finding.seed)))
    if finding.width and finding.height and (parts or finding.prompt):
        parts.append(f"{finding.width}×{finding.height}")
    return parts


def _c2pa_words(c2pa: C2paFinding, zh: int) -> str:
    parts = []
    if c2pa.claim_generator:
        parts.append(_WORDS["claimed"][zh].format(one_line(c2pa.claim_generator)))
    if c2pa.signer:
        parts.append(_WORDS["signed"][zh].format(one_line(c2pa.signer)))
    verdict = _VERDICTS[c2pa.status][zh]
    if c2pa.status == "unverified" and c2pa.validation_note and not zh:
        verdict += f" ({c2pa.validation_note})"
    parts.append(verdict)
    return ("；" if zh else "; ").join(parts)


def _camera(finding: Finding) -> str | None:
    """Make and model, the make once: cameras often repeat it in the model ("Canon EOS R5")."""
    make, model = one_line(finding.camera_make), one_line(finding.camera_model)
    if make and model and model.lower().startswith(make.lower()):
        return model
    return _join(make, model)


def _join(*values: str | None) -> str | None:
    text = " ".join(filter(None, (one_line(value) for value in values)))
    return text or None
