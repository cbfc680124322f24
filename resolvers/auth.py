"""Login, tokens, password change/reset, and the viewer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.services import auth as auth_service
from domcctv.services import passwords
from domcctv.services import preferences as prefs_service
from domcctv.services.auth import TokenPair
from domcctv.services.passwords import RESET_PASSWORD_PER_IP
from domcctv.services.preferences import PreferencesInput as PrefsData
from resolvers.common import mutate
from schema.context import Info
from schema.inputs import PreferencesInput
from schema.payloads import (
    AuthSuccess,
    LoginResult,
    OkResult,
    OkSuccess,
    PreferencesResult,
    PreferencesSuccess,
    RefreshTokenResult,
)
from schema.permissions import describe, requires
from schema.users import User, UserPreferences, Viewer


async def _auth_success(info: Info, pair: TokenPair) -> AuthSuccess:
    # The rest of this response describes the newly signed-in user: resolve it with that
    # user's scope, not the anonymous caller's (else a client user's company reads as null).
    ctx = info.context
    ctx.set_actor(await auth_service.build_actor(pair.user, pair.session_id, ctx.request_info))
    return AuthSuccess(
        access_token=pair.access_token,
        access_token_expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        user=User.from_model(pair.user),
    )


@strawberry.type
class AuthQuery:
    @strawberry.field(
        description="The signed-in user and effective permissions; null if not signed in."
    )
    async def me(self, info: Info) -> Viewer | None:
        ctx = info.context
        if not ctx.authenticated or ctx.actor.user_id is None:
            return None
        row = await ctx.loaders.user_by_id.load(ctx.actor.user_id)
        if row is None:
            return None
        return Viewer(user=User.from_model(row), permissions=sorted(ctx.actor.permissions))

    @strawberry.field(
        description=describe("The signed-in user's UI preferences."), extensions=requires()
    )
    async def my_preferences(self, info: Info) -> UserPreferences:
        return UserPreferences.from_model(await prefs_service.get_preferences(info.context.actor))


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Log in with e-mail and password. LOGIN_MAX_FAILURES failures within "
        "LOGIN_LOCKOUT_SECONDS lock the e-mail (ACCOUNT_LOCKED) for LOGIN_LOCKOUT_SECONDS, "
        "whether or not it has an account."
    )
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Login e-mail (case-insensitive).")],
        password: Annotated[str, strawberry.argument(description="Password.")],
    ) -> LoginResult:
        ctx = info.context

        async def run() -> AuthSuccess:
            pair = await auth_service.login(
                email,
                password,
                settings=ctx.settings,
                tokens=ctx.services.tokens,
                info=ctx.request_info,
                limiter=ctx.services.limiter,
            )
            return await _auth_success(info, pair)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. The presented "
        "token is spent; replaying it revokes the session."
    )
    async def refresh_token(
        self,
        info: Info,
        refresh_token: Annotated[
            str, strawberry.argument(description="The refresh token from the last AuthSuccess.")
        ],
    ) -> RefreshTokenResult:
        ctx = info.context

        async def run() -> AuthSuccess:
            pair = await auth_service.refresh(
                refresh_token,
                settings=ctx.settings,
                tokens=ctx.services.tokens,
                info=ctx.request_info,
            )
            return await _auth_success(info, pair)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe("Revoke the current session (refresh and access tokens)."),
        extensions=requires(),
    )
    async def logout(self, info: Info) -> OkResult:
        await auth_service.logout(info.context.actor)
        return OkSuccess(ok=True)

    @strawberry.mutation(
        description=describe("Change your password; other sessions are revoked."),
        extensions=requires(),
    )
    async def change_password(
        self,
        info: Info,
        current_password: Annotated[str, strawberry.argument(description="Your current password.")],
        new_password: Annotated[
            str, strawberry.argument(description="The new password (10-72 chars, 2 classes).")
        ],
    ) -> OkResult:
        ctx = info.context

        async def run() -> OkSuccess:
            await passwords.change_password(
                ctx.actor,
                current_password,
                new_password,
                settings=ctx.settings,
                limiter=ctx.services.limiter,
            )
            return OkSuccess(ok=True)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description="E-mail a password-reset link. Always succeeds, so it "
        "does not reveal which e-mails have accounts."
    )
    async def request_password_reset(
        self, info: Info, email: Annotated[str, strawberry.argument(description="Account e-mail.")]
    ) -> OkResult:
        ctx = info.context
        await passwords.request_password_reset(
            email,
            settings=ctx.settings,
            mailer=ctx.services.mailer,
            info=ctx.request_info,
            limiter=ctx.services.limiter,
        )
        return OkSuccess(ok=True)

    @strawberry.mutation(
        description="Set a new password with an e-mailed reset token (unlocks the account). "
        f"At most {RESET_PASSWORD_PER_IP} attempts per client IP in 15 minutes (RATE_LIMITED)."
    )
    async def reset_password(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="Token from the e-mailed link.")],
        new_password: Annotated[
            str, strawberry.argument(description="The new password (10-72 chars, 2 classes).")
        ],
    ) -> OkResult:
        ctx = info.context

        async def run() -> OkSuccess:
            await passwords.reset_password(
                token,
                new_password,
                settings=ctx.settings,
                info=ctx.request_info,
                limiter=ctx.services.limiter,
            )
            return OkSuccess(ok=True)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(description=describe("Update your UI preferences."), extensions=requires())
    async def update_my_preferences(
        self,
        info: Info,
        input: Annotated[PreferencesInput, strawberry.argument(description="The changes.")],
    ) -> PreferencesResult:
        async def run() -> PreferencesSuccess:
            prefs = await prefs_service.update_preferences(
                info.context.actor,
                PrefsData(
                    language=input.language,
                    timezone=input.timezone,
                    theme=input.theme,
                    default_page_size=input.default_page_size,
                    video_quality=input.video_quality,
                    auto_play=input.auto_play,
                ),
            )
            return PreferencesSuccess(preferences=UserPreferences.from_model(prefs))

        return await mutate(run)  # type: ignore[return-value]
