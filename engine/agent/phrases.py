"""Everything the simulated agent says, in English and Chinese.

Keys name the situation; `say` picks the language. GUI phrases mimic the cloud agent, which
talks as if its web editor were on screen; clients are expected to translate them.
"""

from __future__ import annotations

from collections.abc import Sequence

_TEXT: dict[str, tuple[str, str]] = {
    "card": ("What is an AI image?", "什么是 AI 图像？"),
    "card_sub": ("A short explainer", "一分钟看懂"),
    "what": (
        "An AI image is a picture a computer model made from a text prompt.",
        "AI 图像是计算机模型根据文字提示生成的图片。",
    ),
    "how": (
        "The model learned from millions of pictures, then turned noise into detail step by step.",
        "模型先学习了数百万张图片，再一步步把噪点变成细节。",
    ),
    "this_image": (
        "This one is {width}×{height}, {orientation}, mostly {colours}.",
        "这张图是 {width}×{height}，{orientation}，主色调是{colours}。",
    ),
    # What the voice says for it: the size shows well on screen and reads badly aloud.
    "this_image_said": (
        "This one is a {orientation} picture, mostly {colours}.",
        "这是一张{orientation}图片，主色调是{colours}。",
    ),
    "this_clip_said": (
        "This clip is {orientation}, {seconds} seconds long.",
        "这段视频是{orientation}的，时长 {seconds} 秒。",
    ),
    "this_clip": (
        "This clip is {width}×{height}, {orientation}, {seconds} seconds long.",
        "这段视频是 {width}×{height}，{orientation}，时长 {seconds} 秒。",
    ),
    "closing": ("Now you know what an AI image is.", "现在你知道什么是 AI 图像了。"),
    # The closing card's line says only what the file's own record supports.
    "closing_ai": (
        "Its own record says a model made it: every pixel was predicted.",
        "它自带的记录说是模型生成的：每个像素都是预测出来的。",
    ),
    "closing_camera": (
        "Its record names a camera: a photo records light through a lens.",
        "它的记录写着一台相机：照片记录的是穿过镜头的光。",
    ),
    "closing_edited": (
        "Its record names editing software, not whether a model made it.",
        "它的记录写着编辑软件，但没说是否由模型生成。",
    ),
    "closing_none": (
        "This file can't tell either way: look for a C2PA signature, or ask where it came from.",
        "这个文件无法说明：可以查看 C2PA 签名，或问问它的来源。",
    ),
    "closing_unstated": (
        "An AI image's pixels are predicted, not photographed.",
        "AI 图像的像素是预测出来的，而不是拍摄的。",
    ),
    "landscape": ("landscape", "横向"),
    "portrait": ("portrait", "竖向"),
    "square": ("square", "方形"),
    "need_photo": (
        "Send me a photo first and I'll turn it into a short video explaining what an AI image is.",
        "请先发一张图片，我会把它做成一段讲解“什么是 AI 图像”的短视频。",
    ),
    "built": (
        "I made a {seconds}-second explainer from {name}: an intro card, the photo with a slow "
        "zoom, {captions} captions and a closing card.",
        "我用 {name} 做了一段 {seconds} 秒的讲解视频："
        "开场卡片、缓慢推近的图片、{captions} 条字幕和结尾卡片。",
    ),
    "aspect": (
        "The canvas is now {aspect} ({width}×{height}).",
        "画面比例已改为 {aspect}（{width}×{height}）。",
    ),
    "duration": ("The video now runs {seconds} seconds.", "视频时长已改为 {seconds} 秒。"),
    "duration_voice": (
        "The voice-over needs {seconds} seconds, so the video now runs {seconds} seconds "
        "(say “no voice” for a shorter one).",
        "配音需要 {seconds} 秒，所以视频时长改为 {seconds} 秒（说“不要配音”可以更短）。",
    ),
    "title": ('Added the title "{title}".', "已添加标题“{title}”。"),
    "title_off": ("Removed the title.", "已去掉标题。"),
    "captions_on": ("Captions are on.", "字幕已打开。"),
    "captions_off": ("Captions are off.", "字幕已关闭。"),
    "caption_text": ('The caption now reads "{text}".', "字幕已改为“{text}”。"),
    "music_on": (
        "Added {style} background music at 35% volume.",
        "已添加 35% 音量的{style}背景音乐。",
    ),
    "style_lofi": ("lo-fi", " lo-fi "),
    "style_ambient": ("ambient", "氛围"),
    "style_upbeat": ("upbeat", "欢快"),
    "music_off": ("Removed the background music.", "已去掉背景音乐。"),
    "voice_on": ("The voice-over reads the video.", "已开启配音朗读。"),
    "voice_off": ("Turned the voice-over off.", "已关闭配音。"),
    "not_understood": (
        "I didn't understand “{wish}”, so nothing changed. You could say “make it 9:16”, "
        "“add the title 'Hello'” or “no music”.",
        "我没听懂“{wish}”，所以没有改动。可以试试“做成竖屏 9:16”、“加上标题 你好”或“去掉音乐”。",
    ),
    "already": (
        "“{wish}”: the video is already like that.",
        "“{wish}”：视频已经是这样了。",
    ),
    "not_understood_part": (
        "I didn't understand {wishes}, so I left that out.",
        "我没听懂{wishes}，这一条没有改。",
    ),
    "not_understood_parts": (
        "I didn't understand {wishes}, so I left those out.",
        "我没听懂{wishes}，这些没有改。",
    ),
    "wishes_and_more": ("{wishes} and {count} more", "{wishes}和另外 {count} 条"),
    "undone": ("Undone: the previous version is back.", "已撤销，恢复到上一个版本。"),
    "nothing_to_undo": ("There is nothing to undo yet.", "还没有可以撤销的操作。"),
}

_GUI: tuple[tuple[str, str], ...] = (
    ("Click the Export button to download your video.", "点击“导出”按钮即可下载视频。"),
    ("Open the timeline panel to preview the changes.", "打开时间线面板即可预览修改。"),
    ("You can drag the clip on the timeline to fine-tune it.", "你可以在时间线上拖拽片段来微调。"),
    ("Preview it in the timeline, then click Export.", "在时间线中预览后点击导出。"),
)

_LIST_JOINERS = ((", ", " and "), ("、", "和"))


def is_chinese(text: str) -> bool:
    """True when the text holds CJK ideographs."""
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def say(key: str, chinese: bool, **values: object) -> str:
    """The phrase `key` in the chosen language, with `values` filled in."""
    english, mandarin = _TEXT[key]
    return (mandarin if chinese else english).format(**values)


def gui_hint(index: int, chinese: bool) -> str:
    """One of the GUI-speaking sentences, chosen by `index`."""
    english, mandarin = _GUI[index % len(_GUI)]
    return mandarin if chinese else english


def join_words(words: Sequence[str], chinese: bool) -> str:
    """ "a, b and c" (or "a、b和c")."""
    comma, last = _LIST_JOINERS[1 if chinese else 0]
    if len(words) <= 1:
        return "".join(words)
    return comma.join(words[:-1]) + last + words[-1]


COLOUR_ZH = {
    "red": "红色",
    "orange": "橙色",
    "yellow": "黄色",
    "green": "绿色",
    "teal": "青色",
    "blue": "蓝色",
    "purple": "紫色",
    "pink": "粉色",
    "black": "黑色",
    "white": "白色",
    "grey": "灰色",
}


def colour_words(names: Sequence[str], chinese: bool) -> str:
    """Colour names as words in the chosen language ("dark blue" -> "深蓝色")."""
    if not chinese:
        return join_words(list(names), False)
    words = []
    for name in names:
        shade, _, base = name.rpartition(" ")
        prefix = {"dark": "深", "light": "浅"}.get(shade, "")
        words.append(prefix + COLOUR_ZH.get(base, base))
    return join_words(words, True)
