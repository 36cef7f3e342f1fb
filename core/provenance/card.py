"""A Finding in words: a short plain-text card for the chat, in its language, and one compact
English line for the video agent's instruction. Values are flattened to one line each; a value
that is itself JSON is left out, so no card ever shows raw JSON."""

from __future__ import annotations

import re

from core.languages import language_of
from core.provenance.finding import PROMPT_LIMIT, C2paFinding, Finding, Kind, is_id
from core.provenance.webui_records import load_json
from core.texts import msg, text

_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")

_HEADLINE: dict[Kind, str] = {
    "ai": msg("card.headline.ai", "The file's own record says: AI-generated image"),
    "camera": msg("card.headline.camera", "The file's own record says: camera photo"),
    "edited": msg(
        "card.headline.edited", "The file's own record says: made or edited with software"
    ),
    "unknown": msg(
        "card.headline.unknown",
        "The file carries a record, but it does not say how the image was made",
    ),
}
# The IPTC digital source type vocabulary (cv.iptc.org/newscodes/digitalsourcetype), in words.
# A code not in it is left out: a raw code is never shown.
SOURCE_TYPES: dict[str, str] = {
    "trainedAlgorithmicMedia": msg(
        "card.source.trainedAlgorithmicMedia", "made by a generative AI model"
    ),
    "compositeWithTrainedAlgorithmicMedia": msg(
        "card.source.compositeWithTrainedAlgorithmicMedia",
        "a composite that includes AI-generated parts",
    ),
    "algorithmicMedia": msg(
        "card.source.algorithmicMedia", "made by an algorithm, not by a model trained on pictures"
    ),
    "compositeSynthetic": msg(
        "card.source.compositeSynthetic", "a composite that includes synthetic parts"
    ),
    "dataDrivenMedia": msg(
        "card.source.dataDrivenMedia", "made from data (a chart, a visualisation)"
    ),
    "digitalCapture": msg("card.source.digitalCapture", "captured with a digital camera"),
    "computationalCapture": msg(
        "card.source.computationalCapture", "captured with computational photography"
    ),
    "negativeFilm": msg("card.source.negativeFilm", "scanned from a film negative"),
    "positiveFilm": msg("card.source.positiveFilm", "scanned from a film slide"),
    "print": msg("card.source.print", "scanned from a print"),
    "screenCapture": msg("card.source.screenCapture", "a screenshot"),
    "virtualRecording": msg("card.source.virtualRecording", "recorded in a virtual environment"),
    "humanEdits": msg("card.source.humanEdits", "edited by a person"),
    "minorHumanEdits": msg("card.source.minorHumanEdits", "lightly edited by a person"),
    "algorithmicallyEnhanced": msg(
        "card.source.algorithmicallyEnhanced", "enhanced by an algorithm"
    ),
    "composite": msg("card.source.composite", "a composite of several images"),
    "compositeCapture": msg("card.source.compositeCapture", "a composite of several captures"),
    "digitalCreation": msg(
        "card.source.digitalCreation", "drawn or made by a person with software"
    ),
    "digitalArt": msg("card.source.digitalArt", "drawn or made by a person with software"),
}


def source_type_words(code: str | None, language: str = "en") -> str | None:
    """The digital source type in words; None for no code or one outside the vocabulary."""
    key = SOURCE_TYPES.get(code or "")
    return text(key, language) if key else None


_VERDICTS = {
    "trusted": msg("card.verdict.trusted", "content intact, signer verified"),
    "untrusted": msg(
        "card.verdict.untrusted",
        "content intact, but the signer is not on a trust list this bot knows, so not verified",
    ),
    "rejected": msg(
        "card.verdict.rejected", "content intact, but the signer's certificate is not accepted"
    ),
    "invalid": msg("card.verdict.invalid", "the picture or its record was altered after signing"),
    "unverified": msg("card.verdict.unverified", "could not be verified"),
}
_WORDS = {
    "made_with": msg("card.made_with", "Made with: {what}"),
    "model": msg("card.model", "model {name}"),
    "settings": msg("card.settings", "Settings: {list}"),
    "steps": msg("card.steps", "{count} steps"),
    "sampler": msg("card.sampler", "sampler {name}"),
    "seed": msg("card.seed", "seed {seed}"),
    "prompt": msg("card.prompt", "Prompt: “{prompt}”"),
    "c2pa": msg("card.c2pa", "Content Credentials (C2PA): {details}"),
    "claimed": msg("card.claimed", "made with {name}"),
    "agent": msg("card.agent", "by {name}"),
    "edited_last": msg("card.edited_last", "then {action}"),
    "signed": msg("card.signed", "signed by {name}"),
    "camera": msg("card.camera", "Camera: {details}"),
    "taken": msg("card.taken", "taken {date}"),
    "software": msg("card.software", "Software: {name}"),
    "caveat": msg(
        "card.caveat", "Metadata can be edited, so this is what the file claims, not proof."
    ),
    "none": msg(
        "card.none",
        "No provenance record found in the file. That is not proof either way: most platforms "
        "strip metadata.",
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
    language = language_of(language)

    def say(key: str, **values: object) -> str:
        return text(_WORDS[key], language, **values)

    if not finding.found:
        return say("none")
    lines = [_headline(finding, language)]
    model = one_line(finding.model)
    made = " · ".join(
        filter(
            None,
            (
                _join(finding.generator, finding.generator_version),
                model and say("model", name=model),
            ),
        )
    )
    if made:
        lines.append(say("made_with", what=made))
    settings = " · ".join(_settings(finding, language))
    if settings:
        lines.append(say("settings", list=settings))
    prompt = cut_prompt(finding.prompt or "")
    if prompt:
        lines.append(say("prompt", prompt=prompt))
    if finding.c2pa:
        lines.append(say("c2pa", details=_c2pa_words(finding.c2pa, language)))
    taken = one_line(finding.taken_at)
    camera = " · ".join(filter(None, (_camera(finding), taken and say("taken", date=taken))))
    if camera:
        lines.append(say("camera", details=camera))
    if finding.software and finding.software != finding.generator:
        lines.append(say("software", name=one_line(finding.software) or ""))
    lines.append(say("caveat"))
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
    settings = ", ".join(_settings(finding, "en"))
    parts += [settings] if settings else []
    prompt = cut_prompt(finding.prompt or "").replace('"', "'")
    parts += [f'prompt: "{prompt}"'] if prompt else []
    if finding.c2pa:
        parts.append(f"C2PA: {_c2pa_words(finding.c2pa, 'en')}")
    camera = _camera(finding)
    parts += [f"camera: {camera}"] if camera else []
    parts += [f"taken: {one_line(finding.taken_at)}"] if one_line(finding.taken_at) else []
    if finding.software and finding.software != finding.generator:
        parts.append(f"software: {one_line(finding.software)}")
    return "; ".join(parts) + " (metadata is the file's claim, not proof)"


def _headline(finding: Finding, language: str) -> str:
    headline = text(_HEADLINE[finding.kind], language)
    phrase = source_type_words(finding.digital_source_type, language)
    if phrase:
        headline = text("punct.aside", language, text=headline, aside=phrase)
    return text("punct.sentence", language, text=headline)


def _settings(finding: Finding, language: str) -> list[str]:
    parts = []
    if finding.steps is not None:
        parts.append(text(_WORDS["steps"], language, count=finding.steps))
    if one_line(finding.sampler):
        parts.append(text(_WORDS["sampler"], language, name=one_line(finding.sampler)))
    if one_line(finding.cfg):
        parts.append(f"CFG {one_line(finding.cfg)}")
    if one_line(finding.seed):
        parts.append(text(_WORDS["seed"], language, seed=one_line(finding.seed)))
    if finding.width and finding.height and (parts or finding.prompt):
        parts.append(f"{finding.width}×{finding.height}")
    return parts


# What C2PA says was done last (core.provenance.c2pa_reader), in words.
_EDITED = {
    "watermarked": msg("card.edited.watermarked", "watermarked"),
    "edited": msg("card.edited.edited", "edited"),
    "cropped": msg("card.edited.cropped", "cropped"),
    "resized": msg("card.edited.resized", "resized"),
    "converted": msg("card.edited.converted", "converted"),
    "transcoded": msg("card.edited.transcoded", "transcoded"),
    "colour-adjusted": msg("card.edited.colour-adjusted", "colour-adjusted"),
    "filtered": msg("card.edited.filtered", "filtered"),
    "repackaged": msg("card.edited.repackaged", "repackaged"),
    "opened": msg("card.edited.opened", "opened"),
}


def _c2pa_words(c2pa: C2paFinding, language: str) -> str:
    def say(key: str, **values: object) -> str:
        return text(_WORDS[key], language, **values)

    parts = []
    if c2pa.claim_generator:
        parts.append(say("claimed", name=one_line(c2pa.claim_generator)))
    agent = one_line(c2pa.software_agent)
    if agent and agent.lower() not in (c2pa.claim_generator or "").lower():
        parts.append(say("agent", name=agent))
    if c2pa.edited_last:
        done = c2pa.edited_last
        done = text(_EDITED[done], language) if done in _EDITED else done
        parts.append(say("edited_last", action=done))
    if c2pa.signer:
        parts.append(say("signed", name=one_line(c2pa.signer)))
    verdict = text(_VERDICTS[c2pa.status], language)
    # The validator's own note is English: it is added to the English card only.
    if c2pa.status in ("unverified", "rejected") and c2pa.validation_note and language == "en":
        reason = c2pa.validation_note.rpartition(": ")[2] if c2pa.status == "rejected" else ""
        verdict += f" ({reason or c2pa.validation_note})"
    parts.append(verdict)
    return text("punct.semicolon", language).join(parts)


def _camera(finding: Finding) -> str | None:
    """Make and model, the make once: cameras often repeat it in the model ("Canon EOS R5")."""
    make, model = one_line(finding.camera_make), one_line(finding.camera_model)
    if make and model and model.lower().startswith(make.lower()):
        return model
    return _join(make, model)


def _join(*values: str | None) -> str | None:
    text = " ".join(filter(None, (one_line(value) for value in values)))
    return text or None
