"""The Discord side: the bot, its command tree, and the channel transport for alerts.

This is the only core module that imports discord; the cogs under ``cogs/`` are thin.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from bot.alerts.render import AlertMessage, render_notice
from bot.alerts.transports import (
    THREAD_NAME_MAX,
    Forbidden,
    NotFound,
    NotFoundWhat,
    RateLimited,
    Rejected,
    SentMessage,
    TransientError,
    destination_channel,
    retry_after_seconds,
)
from bot.errors import ConfigError, DisputewatchError
from bot.settings import Settings
from cogs.common import NO_MENTIONS, user_message

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

T = TypeVar("T")

# Loaded in this order by setup_hook; an explicit list, never a directory scan.
COGS: tuple[str, ...] = ("cogs.disputes", "cogs.feeds", "cogs.alerts", "cogs.admin")

# What the bot needs in an alert channel, with the names Discord shows in its settings.
ALERT_CHANNEL_PERMISSIONS: dict[str, str] = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}
# Everything in the invite link (docs/discord.md explains the integer).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    create_public_threads=True,
    send_messages_in_threads=True,
)
FORBIDDEN_RENOTIFY_S = 24 * 3600.0
MAX_RATELIMIT_WAIT_S = 30.0
APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."

DEFAULT_API_BASE = discord.http.Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at DISCORD_API_BASE / DISCORD_GATEWAY_URL (a proxy, or a test fake)."""
    discord.http.Route.BASE = settings.discord_api_base or DEFAULT_API_BASE
    gateway = settings.discord_gateway_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
        yarl.URL(gateway) if gateway else DEFAULT_GATEWAY
    )
    if settings.discord_api_base or gateway:
        log.info(
            "Discord endpoints: REST %s, gateway %s",
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        )


def bot_intents() -> discord.Intents:
    """The minimal intents: guilds only (no members, no message content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


def invite_url(client_id: int) -> str:
    """The OAuth2 link that adds the bot with exactly the permissions it needs."""
    return discord.utils.oauth_url(
        client_id,
        permissions=INVITE_PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )


def missing_channel_permissions(
    channel: discord.abc.GuildChannel, member: discord.Member
) -> list[str]:
    """Name what ``member`` (the bot) lacks to post alerts in ``channel``."""
    perms = channel.permissions_for(member)
    return [label for attr, label in ALERT_CHANNEL_PERMISSIONS.items() if not getattr(perms, attr)]


# -- the command tree --------------------------------------------------------------------------


class DisputeTree(app_commands.CommandTree["DisputeBot"]):
    """Command tree with one error handler for every command."""

    async def on_error(
        self, interaction: discord.Interaction[DisputeBot], error: app_commands.AppCommandError
    ) -> None:
        """Show expected errors to the user; log the rest with context and apologise."""
        message = user_message(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            original = getattr(error, "original", error)
            log.error(
                "command /%s failed (guild %s, channel %s, user %s)",
                command,
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                exc_info=original,
            )
            message = APOLOGY
        await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer privately, as a first response or a followup; never raise."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)


# -- the bot -----------------------------------------------------------------------------------


class DisputeBot(commands.Bot):
    """The Discord bot around an ``App``: commands in, alerts out."""

    def __init__(
        self,
        app: App,
        *,
        cogs: Sequence[str] = COGS,
        manage_app: bool = True,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT_S)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            tree_cls=DisputeTree,
            allowed_mentions=NO_MENTIONS,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
            **options,
        )
        self.app = app
        self.cog_modules = tuple(cogs)
        self.manage_app = manage_app
        self.channel_transport = DiscordChannelTransport(self)
        self._forbidden_notified: dict[tuple[int, int | None], float] = {}
        self._app_started = False

    async def setup_hook(self) -> None:
        """Wire the Discord transport into the app, load the cogs, start the app's work."""
        for module in self.cog_modules:
            await self.load_extension(module)
        if self.manage_app:
            # The app is built before the bot; its outbox gets the bot's transport here.
            self.app.outbox.transports["channel"] = self.channel_transport
            self.app.outbox.on_forbidden = self.notify_forbidden
            await self.app.start()
            self._app_started = True
        log.info("loaded %d cogs; commands are synced only by `python -m bot sync`", len(self.cogs))

    async def close(self) -> None:
        """Stop the poller and finish in-flight deliveries, then disconnect."""
        if self._app_started:
            self._app_started = False
            try:
                await self.app.stop()
            except Exception:
                log.exception("error while stopping the app")
        await super().close()

    async def on_ready(self) -> None:
        """Log who we are once connected."""
        user = self.user
        log.info(
            "connected as %s (%s) in %d servers", user, user.id if user else "?", len(self.guilds)
        )

    async def notify_forbidden(self, guild_id: int, channel_id: int | None, reason: str) -> None:
        """Tell a server's admins, once a day at most, that alerts cannot be posted."""
        key = (guild_id, channel_id)
        now = time.monotonic()
        last = self._forbidden_notified.get(key)
        if last is not None and now - last < FORBIDDEN_RENOTIFY_S:
            return
        self._forbidden_notified[key] = now
        where = f"<#{channel_id}>" if channel_id else "the alert channel"
        text = (
            f"I can't post disputewatch alerts in {where}: {reason}. Give me "
            f"{', '.join(ALERT_CHANNEL_PERMISSIONS.values())} there, or pick another channel "
            "with /alerts channel. Alerts are held until then."
        )
        notice = render_notice(text).to_dict()
        embeds = [discord.Embed.from_dict(e) for e in notice["embeds"]]
        guild = self.get_guild(guild_id)
        if guild is None:
            log.warning("alerts forbidden in guild %s, which I am no longer in", guild_id)
            return
        system = guild.system_channel
        if (
            system is not None
            and system.id != channel_id
            and guild.me is not None
            and not missing_channel_permissions(system, guild.me)
        ):
            try:
                await system.send(embeds=embeds, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException as exc:
                log.info("could not warn guild %s in its system channel: %s", guild_id, exc)
        try:
            owner = guild.owner or await self.fetch_user(guild.owner_id or 0)
            await owner.send(
                f"About your server {guild.name}:", embeds=embeds, allowed_mentions=NO_MENTIONS
            )
        except discord.HTTPException as exc:
            log.info("could not warn the owner of guild %s: %s", guild_id, exc)


class ShardedDisputeBot(DisputeBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (SHARD_COUNT, SHARD_IDS).

    Each process connects only its own shards and answers the commands that arrive on them;
    alerts go out over REST, so any process may deliver any alert.
    """


def make_bot(app: App, settings: Settings, **options: Any) -> DisputeBot:
    """Build the bot for these settings: sharded when SHARD_COUNT is set, as one shard if not."""
    settings.check_shards()
    if settings.shard_count is None:
        return DisputeBot(app, **options)
    ids = list(settings.shard_ids) or None
    log.info(
        "gateway shards %s of %d",
        ",".join(map(str, ids)) if ids else "all",
        settings.shard_count,
    )
    return ShardedDisputeBot(app, shard_count=settings.shard_count, shard_ids=ids, **options)


# -- the channel transport -----------------------------------------------------------------------

_NOT_FOUND: dict[int, NotFoundWhat] = {10003: "channel", 10008: "message", 10015: "webhook"}
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080


class DiscordChannelTransport:
    """Deliver alerts to channels and threads through the bot's own HTTP client.

    discord.py handles rate-limit buckets and short retries; what is left is mapped to the
    alerts' typed errors so the outbox knows whether to wait, retry, hold or give up.
    """

    supports_threads = True

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "DiscordChannelTransport()"

    async def send(
        self, dest: str, message: AlertMessage, *, nonce: str, thread_id: int | None = None
    ) -> SentMessage:
        """POST the rendered message with a nonce Discord enforces (no duplicate on retry)."""
        channel_id = thread_id if thread_id is not None else _channel_id(dest)
        payload = {**message.to_dict(), "nonce": nonce, "enforce_nonce": True}
        route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        what: NotFoundWhat = "thread" if thread_id is not None else "channel"
        data = await _mapped(self._client.http.request(route, json=payload), what)
        if not isinstance(data, dict) or "id" not in data:
            raise TransientError("Discord answered without a message")
        return SentMessage(
            message_id=int(data["id"]), channel_id=int(data.get("channel_id") or channel_id)
        )

    async def edit(
        self, dest: str, message_id: int, message: AlertMessage, *, thread_id: int | None = None
    ) -> None:
        """PATCH a message sent earlier with the story's new rendering."""
        channel_id = thread_id if thread_id is not None else _channel_id(dest)
        route = discord.http.Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=int(message_id),
        )
        await _mapped(self._client.http.request(route, json=message.to_dict()), "message")

    async def create_thread(self, dest: str, message_id: int, name: str) -> int:
        """Start a public thread on an alert; later developments are posted in it."""
        channel_id = _channel_id(dest)
        data = await _mapped(
            self._client.http.start_thread_with_message(
                channel_id,
                int(message_id),
                name=name[:THREAD_NAME_MAX] or "dispute",
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                reason="disputewatch: follow-ups of a dispute",
            ),
            "message",
        )
        return int(data["id"])


def _channel_id(dest: str) -> int:
    channel_id = destination_channel(dest)
    if channel_id is None:
        raise Rejected(f"{dest!r} is not a channel destination")
    return channel_id


def _retry_after(exc: discord.HTTPException) -> float:
    return retry_after_seconds(getattr(exc.response, "headers", None) or {})


async def _mapped(call: Awaitable[T], what: NotFoundWhat) -> T:
    """Await a discord.py HTTP call, turning its exceptions into the transport errors."""
    try:
        return await call
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after) from exc
    except discord.Forbidden as exc:
        raise Forbidden(f"HTTP 403: {exc.text or 'Missing Permissions'}") from exc
    except discord.NotFound as exc:
        raise NotFound(f"HTTP 404: {exc.text}", what=_NOT_FOUND.get(exc.code, what)) from exc
    except discord.DiscordServerError as exc:
        raise TransientError(f"HTTP {exc.status}: {exc.text}") from exc
    except discord.HTTPException as exc:
        if exc.status == 429:
            raise RateLimited(_retry_after(exc)) from exc
        if exc.status == 401:
            raise Forbidden(f"HTTP 401: {exc.text}") from exc
        if exc.status >= 500:
            raise TransientError(f"HTTP {exc.status}: {exc.text}") from exc
        raise Rejected(f"HTTP {exc.status}: {exc.text}") from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc


# -- syncing slash commands (python -m bot sync) ----------------------------------------------

NO_TOKEN = (
    "DISCORD_TOKEN is not set: copy the token from the Bot page of your Discord application "
    "into .env (see docs/discord.md)"
)


def describe_commands(commands: list[discord.app_commands.AppCommand]) -> list[str]:
    """One line per synced command, subcommands listed."""
    lines = []
    for cmd in sorted(commands, key=lambda c: c.name):
        subs = [o.name for o in cmd.options if isinstance(o, discord.app_commands.AppCommandGroup)]
        suffix = f" ({', '.join(subs)})" if subs else ""
        lines.append(f"  /{cmd.name}{suffix}")
    return lines


async def sync_for_cli(settings: Settings, *, sync_global: bool = False) -> list[str]:
    """Sync for the command line: Discord's errors become ConfigError / DisputewatchError."""
    try:
        return await sync_commands(settings, sync_global=sync_global)
    except discord.LoginFailure as exc:
        raise ConfigError("DISCORD_TOKEN: Discord rejected this token; reset it") from exc
    except discord.HTTPException as exc:
        raise DisputewatchError(f"Discord refused the sync: HTTP {exc.status} {exc.text}") from exc


async def sync_commands(settings: Settings, *, sync_global: bool = False) -> list[str]:
    """Log in over REST only, sync the command tree, and describe what was synced."""
    if not settings.discord_token:
        raise ConfigError(NO_TOKEN)
    apply_endpoints(settings)
    from bot.app import App

    app = App(settings, web=False)
    bot = DisputeBot(app, manage_app=False)
    try:
        async with bot:
            await bot.login(settings.discord_token.get())
            if settings.dev_guild_id and not sync_global:
                guild = discord.Object(id=settings.dev_guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                where = f"to server {settings.dev_guild_id} (instant)"
            else:
                synced = await bot.tree.sync()
                where = "globally (may take up to an hour to appear)"
            application_id = bot.application_id
    finally:
        await app.close()
    lines = [f"synced {len(synced)} commands {where}:", *describe_commands(synced)]
    if application_id:
        lines.append(f"invite link: {invite_url(application_id)}")
    return lines


async def run_until(app: App, settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot (which starts and stops ``app``) until ``stop`` is set or it disconnects."""
    apply_endpoints(settings)
    bot = make_bot(app, settings)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.get()), name="discord")
        waiter = asyncio.create_task(stop.wait(), name="signal")
        await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not runner.done():
            log.info("stopping: closing the Discord connection and finishing deliveries")
            await bot.close()
        waiter.cancel()
        try:
            await runner
        except discord.LoginFailure as exc:
            raise ConfigError("DISCORD_TOKEN: Discord rejected this token; reset it") from exc
