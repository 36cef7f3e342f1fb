"""Everything the bot says, in English and Chinese. Other languages fall back to English."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ACCEPTED_FORMATS = "JPG, PNG, WEBP, GIF, MP4, MOV, AVI, WEBM, MKV, MP3, WAV, M4A, AAC"

_TEXTS: dict[str, dict[str, str]] = {
    "command.help": {"en": "What I do, with an example", "zh": "我能做什么，附示例"},
    "command.new": {"en": "Start a fresh project", "zh": "开始新项目"},
    "command.export": {"en": "Render the current timeline", "zh": "渲染当前时间线"},
    "command.status": {"en": "Show the timeline", "zh": "查看时间线"},
    "command.credits": {"en": "Show the credits left", "zh": "查看剩余积分"},
    "command.cancel": {"en": "Stop the current job", "zh": "停止当前任务"},
    "command.lang": {"en": "Reply language: en or zh", "zh": "回复语言：en 或 zh"},
    "command.aspect": {
        "en": "Default shape of new videos here: 16:9, 9:16, 1:1",
        "zh": "这里新视频的默认画幅：16:9、9:16、1:1",
    },
    "command.access": {
        "en": "Who may export and start over in this group",
        "zh": "本群谁可以导出和重新开始",
    },
    "command.ack": {
        "en": "How I acknowledge requests here: message or reaction",
        "zh": "我在本群如何确认收到请求：message 或 reaction",
    },
    "command.photos": {
        "en": "Answer photos sent here without a mention",
        "zh": "回应本群未提及我的图片",
    },
    "stage.queued": {
        "en": "⏳ In line: {ahead} ahead of yours.",
        "zh": "⏳ 排队中：前面还有 {ahead} 条。",
    },
    "stage.received": {"en": "⏳ Got it…", "zh": "⏳ 收到…"},
    "stage.preparing": {"en": "⚙️ Setting things up…", "zh": "⚙️ 正在准备…"},
    "stage.uploading": {"en": "📤 Uploading {name}…", "zh": "📤 正在上传 {name}…"},
    "stage.thinking": {"en": "🧠 Working on it…", "zh": "🧠 正在处理…"},
    "stage.still_working": {"en": "⏳ Still working...", "zh": "⏳ 仍在处理中..."},
    "stage.rendering": {"en": "🎬 Rendering… {percent}%", "zh": "🎬 正在渲染… {percent}%"},
    "stage.rendering_left": {
        "en": "🎬 Rendering… {percent}% · about {left} left",
        "zh": "🎬 正在渲染… {percent}% · 大约还需 {left}",
    },
    "stage.delivering": {"en": "📦 Sending the video…", "zh": "📦 正在发送视频…"},
    "stage.done": {"en": "✅ Done.", "zh": "✅ 完成。"},
    "stage.failed": {"en": "❌ That didn't work.", "zh": "❌ 没有成功。"},
    "stage.cancelled": {"en": "🛑 Cancelled.", "zh": "🛑 已取消。"},
    "stage.item": {"en": " ({index}/{count})", "zh": "（{index}/{count}）"},
    "stage.elapsed": {"en": " · {elapsed}", "zh": " · {elapsed}"},
    "button.export": {"en": "Export", "zh": "导出"},
    "button.export_again": {"en": "Export again", "zh": "再次导出"},
    "button.refine": {"en": "Refine", "zh": "修改"},
    "button.new": {"en": "New", "zh": "新建"},
    "button.not_yours": {
        "en": "These buttons belong to the person who asked.",
        "zh": "这些按钮只属于提问的人。",
    },
    "reply.refine_prompt": {
        "en": "What should change? Reply to this message.",
        "zh": "需要改什么？请回复这条消息。",
    },
    "reply.unsupported_attachment": {
        "en": "I can explain images and videos; that file is {kind}. Send a JPG, PNG, WEBP, GIF "
        "or MP4 instead.",
        "zh": "我只能讲解图片和视频；这个文件是 {kind}。请改发 JPG、PNG、WEBP、GIF 或 MP4。",
    },
    "reply.no_image": {
        "en": "That message has no image or video to explain.",
        "zh": "这条消息里没有可讲解的图片或视频。",
    },
    "reply.unknown_chat": {
        "en": "I can't tell which chat this came from, so I can't work on it. Try again in a "
        "channel, or in a direct message to me.",
        "zh": "我无法确定这条消息来自哪个聊天，所以无法处理。请在频道里或私信我再试一次。",
    },
    "reply.late_by_dm": {
        "en": "I'm not a member of this chat: whatever takes over 15 minutes comes to your "
        "direct messages.",
        "zh": "我不是这个聊天的成员：超过 15 分钟才完成的内容会私信发给你。",
    },
    "help": {
        "en": "Send me a photo and I'll turn it into a 1080p video that explains it. Add a "
        "caption to say what you want, for example “make it 9:16” or “add a title "
        "'Sunset'”. Then say export, status, credits, new or cancel.",
        "zh": "发给我一张图片，我会把它做成一段 1080p 的讲解视频。可以在图片说明里写下要求，"
        "例如“改成 9:16”或“加标题 '日落'”。之后可以说：导出、状态、积分、新建、取消。",
    },
    "reply.offer_export": {
        "en": "{text}\n\nSay “export” when you're happy with it.",
        "zh": "{text}\n\n满意的话，说“导出”即可。",
    },
    "change.made": {"en": "The video: {parts}.", "zh": "视频：{parts}。"},
    "change.made_captions": {"en": "{count} captions", "zh": "{count} 条字幕"},
    "change.made_music": {"en": "music “{name}”", "zh": "背景音乐“{name}”"},
    "change.title_added": {"en": "Added the title “{title}”.", "zh": "已添加标题“{title}”。"},
    "change.title_removed": {"en": "Removed the title “{title}”.", "zh": "已去掉标题“{title}”。"},
    "change.title": {"en": "Title “{old}” → “{new}”.", "zh": "标题“{old}” → “{new}”。"},
    "change.aspect": {"en": "Aspect {old} → {new}.", "zh": "画面比例 {old} → {new}。"},
    "change.length": {"en": "Length {old} s → {new} s.", "zh": "时长 {old} 秒 → {new} 秒。"},
    "change.music_added": {"en": "Added music “{name}”.", "zh": "已添加背景音乐“{name}”。"},
    "change.music_removed": {"en": "Removed the music.", "zh": "已去掉背景音乐。"},
    "change.music": {"en": "Music “{old}” → “{new}”.", "zh": "背景音乐“{old}” → “{new}”。"},
    "change.volume": {"en": "Music volume {old}% → {new}%.", "zh": "音乐音量 {old}% → {new}%。"},
    "change.captions_on": {"en": "Captions on ({count}).", "zh": "字幕已打开（{count} 条）。"},
    "change.captions_off": {"en": "Captions off.", "zh": "字幕已关闭。"},
    "change.captions": {"en": "Captions changed ({count}).", "zh": "字幕已更改（{count} 条）。"},
    "change.voice_on": {"en": "Voice-over on.", "zh": "配音已开启。"},
    "change.voice_off": {"en": "Voice-over off.", "zh": "配音已关闭。"},
    "change.language": {
        "en": "Video language {old} → {new}.",
        "zh": "视频语言 {old} → {new}。",
    },
    "change.unknown": {
        "en": "Your wish reached the video service, but it cannot show me the video right now; "
        "say “status” in a moment to see it.",
        "zh": "你的要求已经送达视频服务，但现在无法查看视频；稍后说“状态”即可查看。",
    },
    "change.none": {
        "en": "Nothing in the video changed. You could say “make it 9:16” or “add the title "
        "'Hello'”.",
        "zh": "视频没有任何改动。可以试试“做成竖屏 9:16”或“加上标题 你好”。",
    },
    "reply.unknown_command": {
        "en": "I don't know the command /{command}. /help lists what I can do.",
        "zh": "我不认识 /{command} 这个命令。发送 /help 查看我能做什么。",
    },
    "reply.send_as_file": {
        "en": "Telegram re-compresses photos and removes their records: send the picture "
        "“as a file” (📎 → File) to keep its record.",
        "zh": "Telegram 会重新压缩照片并删除其中的记录："
        "请以“文件”方式发送图片（📎 → 文件）以保留记录。",
    },
    "reply.small_picture": {
        "en": "This picture is only {width}×{height} pixels, so it will look blocky at 1080p: "
        "a larger original makes a sharper video.",
        "zh": "这张图片只有 {width}×{height} 像素，放大到 1080p 会有明显的像素块；"
        "用更大的原图会更清晰。",
    },
    "reply.nothing_to_export": {
        "en": "There's nothing to export yet: send me a photo first.",
        "zh": "还没有可以导出的内容：请先发一张图片。",
    },
    "reply.send_a_file": {
        "en": "Send the photo or video as an attachment and I'll take it from there.",
        "zh": "请把图片或视频作为附件发来，剩下的交给我。",
    },
    "reply.credits": {
        "en": "Credits: {available} available, {frozen} reserved, {total} in total.",
        "zh": "积分：可用 {available}，冻结 {frozen}，共 {total}。",
    },
    "reply.new_session": {
        "en": "Started fresh: your next photo begins a new project.",
        "zh": "已重新开始：下一张图片将开启新项目。",
    },
    "reply.cancelling": {"en": "Stopping it…", "zh": "正在停止…"},
    "reply.nothing_to_cancel": {"en": "Nothing is running.", "zh": "当前没有进行中的任务。"},
    "reply.cancel_not_yours": {
        "en": "Only the person who asked for it or a group admin can cancel it.",
        "zh": "只有发起的人或群管理员可以取消它。",
    },
    "reply.language_set": {"en": "I'll answer in English.", "zh": "我会用中文回答。"},
    "reply.language_usage": {
        "en": "Say /lang en or /lang zh.",
        "zh": "请发送 /lang en 或 /lang zh。",
    },
    "reply.admins_only": {
        "en": "In this group only admins can do that.",
        "zh": "在本群中只有管理员可以这样做。",
    },
    "reply.access_set": {
        "en": "From now on {who} can export and start over in this group.",
        "zh": "从现在起，本群中{who}可以导出和重新开始。",
    },
    "reply.access_usage": {
        "en": "Say /access admins or /access anyone.",
        "zh": "请发送 /access admins 或 /access anyone。",
    },
    "reply.not_here": {
        "en": "I don't work in this channel here. An admin can add it with /channels.",
        "zh": "我不在这个频道工作。管理员可以用 /channels 添加它。",
    },
    "reply.channels_set": {
        "en": "I now work in: {where}.",
        "zh": "我现在工作的频道：{where}。",
    },
    "reply.channels_everywhere": {"en": "every channel", "zh": "所有频道"},
    "reply.channels_count": {"en": "{count} listed channel(s)", "zh": "{count} 个指定频道"},
    "reply.channels_usage": {
        "en": "Say /channels add (this channel), remove, or all.",
        "zh": "请发送 /channels add（本频道）、remove 或 all。",
    },
    "access.anyone": {"en": "anyone", "zh": "任何人"},
    "access.admins": {"en": "only admins", "zh": "仅管理员"},
    "reply.empty_timeline": {
        "en": "The timeline is empty: send me a photo to start.",
        "zh": "时间线是空的：发一张图片开始吧。",
    },
    "video.caption": {
        "en": "🎬 Your video · {size} · {duration}\nKeep editing it in the web editor: {link}",
        "zh": "🎬 你的视频 · {size} · {duration}\n可在网页编辑器中继续编辑：{link}",
    },
    "video.caption_plain": {
        "en": "🎬 Your video · {size} · {duration}",
        "zh": "🎬 你的视频 · {size} · {duration}",
    },
    "video.smaller_copy": {
        "en": "The original is {original}, over this chat's {limit} limit, so this is a smaller "
        "copy.",
        "zh": "原视频 {original}，超过本聊天 {limit} 的上限，这里发送的是压缩版。",
    },
    "video.link_only": {
        "en": "🎬 Your video is ready ({size}), but it is over this chat's {limit} upload limit. "
        "Download it here: {url}",
        "zh": "🎬 视频已完成（{size}），但超过本聊天 {limit} 的上传上限。请在此下载：{url}",
    },
    "problem.1001": {
        "en": "The video service didn't accept our sign-in. Please try again in a moment.",
        "zh": "视频服务没有接受登录，请稍后再试。",
    },
    "problem.1002": {
        "en": "Your project had expired and a new one could not be started. Please send the "
        "photo again.",
        "zh": "项目已过期，且无法新建。请重新发送图片。",
    },
    "problem.2001.anonymous": {
        "en": "You're out of free credits. Register to get more and keep this project: {link}",
        "zh": "免费积分已用完。注册即可获得更多积分并保留当前项目：{link}",
    },
    "problem.2001.registered": {
        "en": "The video account is out of credits. The bot's operator needs to top it up.",
        "zh": "视频账户积分已用完，需要机器人管理员充值。",
    },
    "problem.4001": {
        "en": "I can't use that file type. Send one of: {formats}.",
        "zh": "不支持这种文件类型。请发送以下格式之一：{formats}。",
    },
    "problem.4002": {
        "en": "That file is too large (the limit is {limit}). Compress or trim it and send it "
        "again.",
        "zh": "文件太大（上限 {limit}）。请压缩或剪短后重新发送。",
    },
    "problem.http_400": {
        "en": "The video service refused the request. Please try again.",
        "zh": "视频服务拒绝了请求，请重试。",
    },
    "problem.http_402": {
        "en": "Exporting isn't included in the video service plan in use. This is a "
        "subscription limit, not a credits problem.",
        "zh": "当前视频服务套餐不支持导出。这是订阅等级的限制，不是积分问题。",
    },
    "problem.http_403": {
        "en": "The video service token lacks the “{scope}” permission, so this can't work "
        "until the bot's operator fixes it.",
        "zh": "视频服务令牌缺少“{scope}”权限，需要机器人管理员处理后才能使用。",
    },
    "problem.http_429": {
        "en": "The video service is busy. Please try again in a minute.",
        "zh": "视频服务繁忙，请一分钟后再试。",
    },
    "problem.anonymous_refused": {
        "en": "The video service won't issue another free account to this bot right now. The "
        "bot's operator should set NEMO_TOKEN.",
        "zh": "视频服务暂时不再为本机器人发放免费账户。机器人管理员需要设置 NEMO_TOKEN。",
    },
    "problem.backend_unavailable": {
        "en": "The video service isn't answering right now. Please try again in a few minutes.",
        "zh": "视频服务暂时没有响应，请几分钟后再试。",
    },
    "problem.no_answer": {
        "en": "The video service didn't answer your message, and nothing in your video "
        "changed. Please send it again.",
        "zh": "视频服务没有回复你的消息，视频也没有任何变化。请重新发送。",
    },
    "problem.render_failed": {
        "en": "The render failed. Please try again.",
        "zh": "渲染失败，请重试。",
    },
    "problem.render_timeout": {
        "en": "The render is taking far longer than it should, so I stopped waiting. Please "
        "try again.",
        "zh": "渲染时间远超预期，已停止等待。请重试。",
    },
    "problem.attachment_unavailable": {
        "en": "I couldn't fetch that file from the chat ({reason}). Send a smaller file, or a "
        "different one.",
        "zh": "无法从聊天中获取该文件（{reason}）。请发送更小或其他的文件。",
    },
    "problem.empty_file": {
        "en": "That file is empty (0 bytes). Send the photo or video again.",
        "zh": "这个文件是空的（0 字节）。请重新发送图片或视频。",
    },
    "problem.rate_limited": {
        "en": "You're sending messages faster than this bot allows. Try again in {wait}.",
        "zh": "你发消息太快了。请在 {wait} 后再试。",
    },
    "problem.queue_full": {
        "en": "{count} messages are already waiting in this chat. Send this again once they "
        "are done.",
        "zh": "本聊天已有 {count} 条消息在排队。请等它们完成后再发。",
    },
    "problem.quota_user": {
        "en": "You've reached the limit of {count} videos {period}. Try again in {wait}.",
        "zh": "你已达到{period} {count} 个视频的上限。请在 {wait} 后再试。",
    },
    "problem.quota_chat": {
        "en": "This chat has reached its limit of {count} videos {period}. Try again in {wait}.",
        "zh": "本聊天已达到{period} {count} 个视频的上限。请在 {wait} 后再试。",
    },
    "problem.budget": {
        "en": "This chat has used its credits budget for today ({budget}). It renews in {wait}.",
        "zh": "本聊天今天的积分预算（{budget}）已用完，将在 {wait} 后恢复。",
    },
    "period.hour": {"en": "per hour", "zh": "每小时"},
    "period.day": {"en": "per day", "zh": "每天"},
    "reply.private": {
        "en": "This bot isn't open to this chat.",
        "zh": "本机器人未对此聊天开放。",
    },
    "reply.credits_budget": {
        "en": "This chat: {left} of its {budget} credits left today.",
        "zh": "本聊天今天的预算还剩 {left}/{budget} 积分。",
    },
    "reply.operators_only": {
        "en": "Only the bot's operators can change that.",
        "zh": "只有机器人运营者可以修改这一项。",
    },
    "reply.limit_set": {
        "en": "{name} is now {value} here.",
        "zh": "本聊天的 {name} 现为 {value}。",
    },
    "reply.limit_usage": {
        "en": "Say /limit NAME VALUE, NAME one of: {names}.",
        "zh": "请发送 /limit 名称 数值，名称可为：{names}。",
    },
    "reply.aspect_set": {
        "en": "New videos here will be {aspect}.",
        "zh": "此后本聊天的新视频比例为 {aspect}。",
    },
    "reply.aspect_usage": {
        "en": "Say /aspect 16:9, 9:16, 1:1 or off.",
        "zh": "请发送 /aspect 16:9、9:16、1:1 或 off。",
    },
    "reply.photos_set": {
        "en": "In this group I now answer plain photos: {state}.",
        "zh": "在本群中，我对未@我的图片的回应：{state}。",
    },
    "reply.ack_message": {
        "en": "In this group I now answer each request with a progress message.",
        "zh": "在本群，我会用一条进度消息回应每个请求。",
    },
    "reply.ack_reaction": {
        "en": "In this group I now react to each request instead of posting progress: 👀 received, "
        "✍ working, 🎉 done. The video and any problem still come as replies.",
        "zh": "在本群，我会用表情回应请求，不再发进度消息：👀 已收到，✍ 处理中，🎉 完成。"
        "视频和问题仍会回复发送。",
    },
    "reply.ack_usage": {
        "en": "Say /ack message or /ack reaction.",
        "zh": "请发送 /ack message 或 /ack reaction。",
    },
    "reply.ack_groups_only": {
        "en": "/ack is for groups: in a private chat I always answer with a progress message.",
        "zh": "/ack 仅用于群组：私聊中我总是用进度消息回应。",
    },
    "reply.photos_usage": {
        "en": "Say /photos on or /photos off.",
        "zh": "请发送 /photos on 或 off。",
    },
    "state.on": {"en": "on", "zh": "开启"},
    "state.off": {"en": "off", "zh": "关闭"},
    "problem.internal": {
        "en": "Something went wrong on our side. The chat can go on: please try again.",
        "zh": "我们这边出了点问题。可以继续聊天，请重试。",
    },
    "problem.gave_up": {
        "en": "This message failed several times, so I skipped it. Please send it again.",
        "zh": "这条消息多次处理失败，已跳过。请重新发送。",
    },
}


def language_of(code: str | None, default: str = "en") -> str:
    """The reply language for a platform language code: 'zh' for any Chinese, else 'en'."""
    value = (code or default or "en").strip().lower()
    return "zh" if value.startswith("zh") else "en"


def backend_language(code: str | None, default: str = "en") -> str:
    """The ISO code the backend session gets: zh-CN for Chinese, else the primary subtag."""
    value = (code or default or "en").strip().replace("_", "-")
    if value.lower().startswith("zh"):
        return "zh-CN"
    primary = value.split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else "en"


def text(key: str, language: str, **values: Any) -> str:
    variants = _TEXTS[key]
    template = variants.get(language) or variants["en"]
    return template.format(**values) if values else template


def join_sentences(parts: Iterable[str]) -> str:
    """Sentences as one text: a space after each, except after a full-width (Chinese) stop."""
    text = ""
    for part in (part.strip() for part in parts):
        if part:
            text += part if not text or text[-1] in "。！？；：" else f" {part}"
    return text


def human_size(size_bytes: int) -> str:
    if size_bytes >= 1 << 30:
        return f"{size_bytes / (1 << 30):.1f} GB"
    if size_bytes >= 1 << 20:
        return f"{size_bytes / (1 << 20):.1f} MB"
    return f"{max(1, size_bytes // 1024)} KB"


def human_duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
