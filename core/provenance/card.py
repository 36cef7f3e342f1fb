"""A Finding in words: a short plain-text card for the chat (English or Chinese), and one compact
English line for the video agent's instruction. Values are flattened to one line each; a value
that is itself JSON is left out, so no card ever shows raw JSON."""

from __future__ import annotations

import re

from core.provenance.finding import PROMPT_LIMIT, C2paFinding, Finding, Kind, is_id
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
# The IPTC digital source type vocabulary (cv.iptc.org/newscodes/digitalsourcetype), in words.
# A code not in it is left out: a raw code is never shown.
SOURCE_TYPES: dict[str, tuple[str, str]] = {
    "trainedAlgorithmicMedia": ("made by a generative AI model", "由生成式 AI 模型生成"),
    "compositeWithTrainedAlgorithmicMedia": (
        "a composite that includes AI-generated parts",
        "包含 AI 生成部分的合成图",
    ),
    "algorithmicMedia": (
        "made by an algorithm, not by a model trained on pictures",
        "由算法生成，而不是由用图片训练的模型生成",
    ),
    "compositeSynthetic": (
        "a composite that includes synthetic parts",
        "包含合成元素的拼合图",
    ),
    "dataDrivenMedia": (
        "made from data (a chart, a visualisation)",
        "根据数据生成（图表、可视化）",
    ),
    "digitalCapture": ("captured with a digital camera", "数码相机拍摄"),
    "computationalCapture": ("captured with computational photography", "计算摄影拍摄"),
    "negativeFilm": ("scanned from a film negative", "由胶片底片扫描"),
    "positiveFilm": ("scanned from a film slide", "由正片（幻灯片）扫描"),
    "print": ("scanned from a print", "由印刷品扫描"),
    "screenCapture": ("a screenshot", "屏幕截图"),
    "virtualRecording": ("recorded in a virtual environment", "在虚拟环境中录制"),
    "humanEdits": ("edited by a person", "经过人工编辑"),
    "minorHumanEdits": ("lightly edited by a person", "经过少量人工编辑"),
    "algorithmicallyEnhanced": ("enhanced by an algorithm", "经过算法增强"),
    "composite": ("a composite of several images", "多张图片的合成"),
    "compositeCapture": ("a composite of several captures", "多次拍摄的合成"),
    "digitalCreation": ("drawn or made by a person with software", "由人用软件绘制或制作"),
    "digitalArt": ("drawn or made by a person with software", "由人用软件绘制或制作"),
}


def source_type_words(code: str | None, language: str = "en") -> str | None:
    """The digital source type in words; None for no code or one outside the vocabulary."""
    words = SOURCE_TYPES.get(code or "")
    return words[int(language_of(language) == "zh")] if words else None


_VERDICTS = {
    "trusted": ("content intact, signer verified", "内容完整，签名者已验证"),
    "untrusted": (
        "content intact, but the signer is not on a trust list this bot knows, so not verified",
        "内容完整，但签名者不在本机器人所知的信任列表中，因此未能验证",
    ),
    "rejected": (
        "content intact, but the signer's certificate is not accepted",
        "内容完整，但签名者的证书未被接受",
    ),
    "invalid": (
        "the picture or its record was altered after signing",
        "签名之后图片或其记录被改动过",
    ),
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
    "agent": ("by {}", "由 {} 生成"),
    "edited_last": ("then {}", "之后{}"),
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
    """A value as one line of text; None for nothing, for JSON or for a bare UUID (an id is not
    a name: never shown as the software or the model)."""
    if value is None:
        return None
    text = _SPACE.sub(" ", str(value)).strip()
    if text[:1] in "{[" and isinstance(load_json(text), dict | list):
        return None
    if is_id(text):
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
    source_type = source_type_words(finding.digital_source_type)
    if source_type:
        kind += f" ({source_type})"
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
    phrase = source_type_words(finding.digital_source_type, "zh" if zh else "en")
    if phrase:
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


_EDITED_ZH = {
    "watermarked": "加了水印",
    "edited": "经过编辑",
    "cropped": "经过裁剪",
    "resized": "调整了尺寸",
    "converted": "转换了格式",
    "transcoded": "重新编码",
    "colour-adjusted": "调整了颜色",
    "filtered": "加了滤镜",
    "repackaged": "重新封装",
    "opened": "被打开编辑",
}


def _c2pa_words(c2pa: C2paFinding, zh: int) -> str:
    parts = []
    if c2pa.claim_generator:
        parts.append(_WORDS["claimed"][zh].format(one_line(c2pa.claim_generator)))
    agent = one_line(c2pa.software_agent)
    if agent and agent.lower() not in (c2pa.claim_generator or "").lower():
        parts.append(_WORDS["agent"][zh].format(agent))
    if c2pa.edited_last:
        done = _EDITED_ZH.get(c2pa.edited_last, c2pa.edited_last) if zh else c2pa.edited_last
        parts.append(_WORDS["edited_last"][zh].format(done))
    if c2pa.signer:
        parts.append(_WORDS["signed"][zh].format(one_line(c2pa.signer)))
    verdict = _VERDICTS[c2pa.status][zh]
    if c2pa.status in ("unverified", "rejected") and c2pa.validation_note and not zh:
        reason = c2pa.validation_note.rpartition(": ")[2] if c2pa.status == "rejected" else ""
        verdict += f" ({reason or c2pa.validation_note})"
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
