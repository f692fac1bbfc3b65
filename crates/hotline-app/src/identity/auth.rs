//! Signing in and out, sessions, API tokens as credentials, password change and TOTP.

use chrono::Duration;
use hotline_domain::audit::{AuditAction, Outcome};
use hotline_domain::auth::{LoginFailures, totp_step_is_fresh};
use hotline_domain::conflict::Conflict;
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Actor, Permission, Principal, Reach, Role};
use hotline_domain::{ApiTokenId, FieldError, FieldErrors, FieldIssue, OrgId, UserId};
use hotline_store::sessions::{SessionHolder, SessionRow};
use hotline_store::users::UserRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::crypto::{random_bytes, random_token, sha256_hex};
use crate::identity::orgs::{OrgView, path_of};
use crate::identity::users::UserView;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Sessions are touched in the database at most this often, so reading pages does not turn
/// into a stream of writes; idle expiry also compares against the true last use in memory.
const TOUCH_INTERVAL_SECS: i64 = 60;
/// Usernames and passwords longer than this are refused before any hashing work.
const MAX_CREDENTIAL_LEN: usize = 1024;
const TOTP_STEP_SECS: i64 = 30;
pub const API_TOKEN_PREFIX: &str = "hlt_";

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub totp: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

/// What a session may do before it is fully usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Restriction {
    /// First sign-in or after an admin reset: choose a password first.
    PasswordChangeRequired,
    /// The role requires a second factor the user has not enrolled yet.
    TotpEnrollmentRequired,
}

impl Restriction {
    #[must_use]
    pub fn error(self) -> Error {
        match self {
            Self::PasswordChangeRequired => Error::PasswordChangeRequired,
            Self::TotpEnrollmentRequired => Error::TotpEnrollmentRequired,
        }
    }
}

/// A resolved browser session.
#[derive(Clone, Debug)]
pub struct Session {
    pub principal: Principal,
    pub restriction: Option<Restriction>,
    /// SHA-256 of the cookie value (the stored id).
    pub id: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionView {
    pub permission: Permission,
    pub reach: Reach,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub org: OrgView,
    pub permissions: Vec<PermissionView>,
    pub restriction: Option<Restriction>,
    pub totp_required: bool,
}

pub struct LoginOutcome {
    /// The new session cookie value; shown to the client once.
    pub session_token: String,
    pub me: MeView,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TotpEnrollment {
    /// Base32 secret for manual entry.
    pub secret: String,
    /// `otpauth://` URI for a QR code.
    pub otpauth_url: String,
}

fn totp_for(secret: Vec<u8>, username: &str) -> Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        TOTP_STEP_SECS as u64,
        secret,
        Some("hotline".to_owned()),
        username.to_owned(),
    )
    .map_err(|e| Error::Internal(anyhow::anyhow!("invalid TOTP secret: {e}")))
}

impl App {
    fn totp_required(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.config.security.totp_required_roles.contains(r))
    }

    fn restriction_for(&self, user: &UserRow, roles: &[Role]) -> Option<Restriction> {
        if user.must_change_password {
            Some(Restriction::PasswordChangeRequired)
        } else if self.totp_required(roles) && !user.totp_enabled {
            Some(Restriction::TotpEnrollmentRequired)
        } else {
            None
        }
    }

    /// The TOTP step `code` matches (allowing one step of clock drift), if it was not used yet.
    fn check_totp(&self, user: &UserRow, code: &str) -> Result<Option<i64>> {
        let Some(sealed) = &user.totp_secret else { return Ok(None) };
        let secret = Secret::Encoded(self.data_key.decrypt(sealed)?).to_bytes().map_err(|e| {
            Error::Internal(anyhow::anyhow!("stored TOTP secret unreadable: {e:?}"))
        })?;
        let totp = totp_for(secret, &user.username)?;
        let current = self.now().timestamp().div_euclid(TOTP_STEP_SECS);
        let code = code.trim();
        Ok([current - 1, current, current + 1].into_iter().find(|step| {
            u64::try_from(step * TOTP_STEP_SECS).is_ok_and(|t| totp.generate(t) == code)
                && totp_step_is_fresh(*step, user.totp_last_step)
        }))
    }

    pub(crate) async fn principal_for(
        &self,
        user: &UserRow,
    ) -> Result<(Principal, Vec<Role>, hotline_store::orgs::OrgRow)> {
        let db = self.store.reader();
        let roles = hotline_store::users::roles_of(db, user.id).await?;
        let org =
            hotline_store::orgs::find(db, user.org_id).await?.ok_or(Error::NotFound("org"))?;
        Ok((principal_of(user, &org, roles.clone()), roles, org))
    }

    async fn me_for(&self, user: UserRow) -> Result<MeView> {
        let (principal, roles, org) = self.principal_for(&user).await?;
        let restriction = self.restriction_for(&user, &roles);
        Ok(MeView {
            permissions: principal
                .permissions()
                .into_iter()
                .map(|(permission, reach)| PermissionView { permission, reach })
                .collect(),
            restriction,
            totp_required: self.totp_required(&roles),
            user: UserView::new(user, &roles, self.now()),
            org: org.into(),
        })
    }

    /// Records a failed attempt on the account and locks it when the policy says so.
    async fn login_failed(&self, ctx: &Ctx, user: &UserRow, reason: &str) -> Result<()> {
        let now = self.now();
        let policy = self.config.security.lockout_policy();
        let (ctx, user, reason) = (ctx.clone(), user.clone(), reason.to_owned());
        self
            .store
            .write(move |tx| {
                Box::pin(async move {
                // Re-read inside the write transaction so concurrent failures all count.
                let mut fresh =
                    hotline_store::users::find(tx, user.id).await?.ok_or(Error::NotFound("user"))?;
                let state = LoginFailures {
                    count: u32::try_from(fresh.failed_logins).unwrap_or(0),
                    locked_until: fresh.locked_until,
                };
                let next = policy.after_failure(state, now);
                fresh.failed_logins = i32::try_from(next.count).unwrap_or(i32::MAX);
                fresh.locked_until = next.locked_until;
                hotline_store::users::update(tx, fresh).await?;
                let actor = (user.id, user.username.clone(), Some(user.org_id.to_string()));
                let mut records = vec![
                    ctx.record(
                        AuditEntry::new(AuditAction::LoginFailed)
                            .outcome(Outcome::Failure)
                            .actor(actor.0, &actor.1, actor.2.clone())
                            .subject("user", user.id)
                            .detail(json!({ "reason": reason, "consecutive_failures": next.count })),
                        now,
                    ),
                ];
                if let Some(until) = next.locked_until {
                    records.push(
                        ctx.record(
                            AuditEntry::new(AuditAction::AccountLocked)
                                .outcome(Outcome::Denied)
                                .actor(actor.0, &actor.1, actor.2)
                                .subject("user", user.id)
                                .detail(
                                    json!({ "locked_until": until, "consecutive_failures": next.count }),
                                ),
                            now,
                        ),
                    );
                }
                tx.audit(records);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(())
    }

    /// Counts a failed sign-in against its place; the failure that starts a wait is audited
    /// (the throttled attempts after it are not, so a flood cannot flood the trail).
    async fn throttle_failure(
        &self,
        ctx: &Ctx,
        username: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        if let Some(wait) = self.sign_in.failed(username, ctx.source_ip.as_deref(), now) {
            let attempted: String = username.chars().take(64).collect();
            self.audit_now(vec![
                ctx.record(
                    AuditEntry::new(AuditAction::LoginThrottled)
                        .outcome(Outcome::Denied)
                        .detail(json!({ "username": attempted, "wait_secs": wait.num_seconds() })),
                    now,
                ),
            ])
            .await?;
        }
        Ok(())
    }

    /// Checks the credentials and opens a new session (a new id every time, so a session id
    /// planted before sign-in is worthless). `previous` is the caller's old cookie, ended here.
    pub async fn login(
        &self,
        ctx: &Ctx,
        req: LoginRequest,
        previous: Option<&str>,
    ) -> Result<LoginOutcome> {
        let mut errors = FieldErrors::new();
        for (field, value) in [("username", &req.username), ("password", &req.password)] {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, FieldIssue::Required));
            } else if value.len() > MAX_CREDENTIAL_LEN {
                errors.push(
                    FieldError::new(field, FieldIssue::TooLong).with_limit(MAX_CREDENTIAL_LEN),
                );
            }
        }
        errors.into_result()?;
        let now = self.now();
        let username = req.username.trim().to_lowercase();
        let address = ctx.source_ip.as_deref();
        // Checked before anything is looked up, so it answers alike for every username.
        if let Some(wait) = self.sign_in.wait(&username, address, now) {
            return Err(Error::too_many_requests(wait));
        }
        let db = self.store.reader();
        let user = hotline_store::users::find_by_username(db, &username).await?;
        let policy = self.config.security.lockout_policy();
        // A username without an account keeps a lockout count of its own, so that both reach
        // `account_locked` alike and nothing tells them apart.
        let state = match &user {
            Some(user) => LoginFailures {
                count: u32::try_from(user.failed_logins).unwrap_or(0),
                locked_until: user.locked_until,
            },
            None => self.sign_in.unknown_account(&username),
        };
        if let (true, Some(until)) = (policy.is_locked(state, now), state.locked_until) {
            // The same work as a real attempt, so a locked account answers in the same time.
            self.hasher.verify(&req.password, None).await?;
            self.throttle_failure(ctx, &username, now).await?;
            let mut entry = AuditEntry::new(AuditAction::AccountLocked)
                .outcome(Outcome::Denied)
                .detail(json!({ "reason": "login_while_locked", "locked_until": until }));
            if let Some(user) = &user {
                entry = entry
                    .actor(user.id, &user.username, Some(user.org_id.to_string()))
                    .subject("user", user.id);
            }
            self.audit_now(vec![ctx.record(entry, now)]).await?;
            return Err(Error::AccountLocked { until });
        }

        let Some(user) = user else {
            self.hasher.verify(&req.password, None).await?;
            self.throttle_failure(ctx, &username, now).await?;
            let next = self.sign_in.unknown_account_failed(&username, &policy, now);
            let attempted: String = username.chars().take(64).collect();
            self.audit_now(vec![ctx.record(
                AuditEntry::new(AuditAction::LoginFailed).outcome(Outcome::Failure).detail(
                    json!({ "reason": "unknown_user", "username": attempted, "consecutive_failures": next.count }),
                ),
                now,
            )])
            .await?;
            return Err(Error::InvalidCredentials);
        };

        if !self.hasher.verify(&req.password, Some(&user.password_hash)).await? {
            self.throttle_failure(ctx, &username, now).await?;
            self.login_failed(ctx, &user, "wrong_password").await?;
            return Err(Error::InvalidCredentials);
        }
        let (_, roles, org) = self.principal_for(&user).await?;
        if !user.active || !org.active {
            self.audit_now(vec![
                ctx.record(
                    AuditEntry::new(AuditAction::LoginFailed)
                        .outcome(Outcome::Denied)
                        .actor(user.id, &user.username, Some(user.org_id.to_string()))
                        .subject("user", user.id)
                        .detail(json!({ "reason": "account_disabled" })),
                    now,
                ),
            ])
            .await?;
            return Err(Error::AccountDisabled);
        }
        let mut totp_step = user.totp_last_step;
        if user.totp_enabled {
            let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
                return Err(Error::TotpRequired);
            };
            match self.check_totp(&user, code)? {
                Some(step) => totp_step = Some(step),
                None => {
                    self.throttle_failure(ctx, &username, now).await?;
                    self.login_failed(ctx, &user, "wrong_totp").await?;
                    return Err(Error::InvalidTotp);
                }
            }
        }

        let token = random_token(32);
        let session = SessionRow {
            id: sha256_hex(&token),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
            source_ip: ctx.source_ip.clone(),
        };
        let restriction = self.restriction_for(&user, &roles);
        let (ctx, user, previous_id) = (ctx.clone(), user.clone(), previous.map(sha256_hex));
        let updated = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut updated = user.clone();
                    updated.failed_logins = 0;
                    updated.locked_until = None;
                    updated.totp_last_step = totp_step;
                    let updated = hotline_store::users::update(tx, updated).await?;
                    if let Some(previous) = previous_id {
                        hotline_store::sessions::delete(tx, &previous).await?;
                    }
                    hotline_store::sessions::insert(tx, session).await?;
                    let factors = if user.totp_enabled {
                        json!(["password", "totp"])
                    } else {
                        json!(["password"])
                    };
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::Login)
                            .actor(user.id, &user.username, Some(user.org_id.to_string()))
                            .subject("user", user.id)
                            .detail(json!({ "factors": factors, "restriction": restriction })),
                        now,
                    )]);
                    Ok::<_, Error>(updated)
                })
            })
            .await?;
        self.sign_in.succeeded(&username, address);
        Ok(LoginOutcome { session_token: token, me: self.me_for(updated).await? })
    }

    /// Resolves a session cookie. Expired sessions are removed and the expiry audited.
    pub async fn resolve_session(&self, ctx: &Ctx, token: &str) -> Result<Session> {
        let id = sha256_hex(token);
        let Some(holder) = hotline_store::sessions::find_holder(self.store.reader(), &id).await?
        else {
            return Err(Error::Unauthenticated);
        };
        let SessionHolder { session: row, user, org, roles } = holder;
        let now = self.now();
        let last_use =
            self.session_uses.last(&id).map_or(row.last_seen_at, |t| t.max(row.last_seen_at));
        if self.config.security.session_policy().is_expired(row.created_at, last_use, now) {
            self.session_uses.forget(&id);
            let audit = ctx.record(
                AuditEntry::new(AuditAction::SessionExpired)
                    .actor(user.id, &user.username, Some(user.org_id.to_string()))
                    .subject("user", user.id)
                    .detail(
                        json!({ "last_seen_at": row.last_seen_at, "created_at": row.created_at }),
                    ),
                now,
            );
            let expired = id.clone();
            self.store
                .write(move |tx| {
                    Box::pin(async move {
                        hotline_store::sessions::delete(tx, &expired).await?;
                        tx.audit([audit]);
                        Ok::<_, Error>(())
                    })
                })
                .await?;
            return Err(Error::SessionExpired);
        }
        let principal = principal_of(&user, &org, roles.clone());
        if !user.active || !org.active {
            let txn = self.store.begin().await?;
            hotline_store::sessions::delete(&txn, &id).await?;
            txn.commit().await?;
            return Err(Error::Unauthenticated);
        }
        self.rate_limits
            .session(&id)
            .map_err(|secs| Error::TooManyRequests { retry_after_secs: secs })?;
        self.session_uses.record(&id, now);
        if now - row.last_seen_at >= Duration::seconds(TOUCH_INTERVAL_SECS) {
            let txn = self.store.begin().await?;
            hotline_store::sessions::touch(&txn, &id, now).await?;
            txn.commit().await?;
        }
        Ok(Session { restriction: self.restriction_for(&user, &roles), principal, id })
    }

    /// Resolves `Authorization: Bearer hlt_…` for machine clients.
    pub async fn resolve_api_token(&self, raw: &str) -> Result<Principal> {
        if !raw.starts_with(API_TOKEN_PREFIX) || raw.len() > 128 {
            return Err(Error::Unauthenticated);
        }
        let db = self.store.reader();
        let token = hotline_store::tokens::find_by_secret_hash(db, &sha256_hex(raw))
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or(Error::Unauthenticated)?;
        let org = hotline_store::orgs::find(db, token.org_id)
            .await?
            .filter(|o| o.active)
            .ok_or(Error::Unauthenticated)?;
        self.rate_limits
            .token(token.id)
            .map_err(|secs| Error::TooManyRequests { retry_after_secs: secs })?;
        let now = self.now();
        if token.last_used_at.is_none_or(|t| now - t >= Duration::seconds(TOUCH_INTERVAL_SECS)) {
            let txn = self.store.begin().await?;
            hotline_store::tokens::touch(&txn, token.id, now).await?;
            txn.commit().await?;
        }
        Ok(Principal {
            actor: Actor::Token(ApiTokenId::from_uuid(token.id)),
            name: token.name,
            org_id: OrgId::from_uuid(org.id),
            org_path: OrgPath::from_stored(org.path),
            roles: token.roles.split(',').filter_map(|r| r.parse().ok()).collect(),
        })
    }

    /// Deletes sessions past their idle or absolute lifetime; returns how many. The stored
    /// last use may lag the true one by a touch interval, so idle ones are left that long more
    /// (`resolve_session` ends them exactly).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let policy = self.config.security.session_policy();
        let now = self.now();
        let txn = self.store.begin().await?;
        let removed = hotline_store::sessions::purge_expired(
            &txn,
            now - Duration::minutes(policy.idle_minutes) - Duration::seconds(TOUCH_INTERVAL_SECS),
            now - Duration::hours(policy.absolute_hours),
        )
        .await?;
        txn.commit().await?;
        self.session_uses.forget_before(now - Duration::minutes(policy.idle_minutes));
        self.rate_limits.forget_idle();
        Ok(removed)
    }

    pub async fn logout(&self, ctx: &Ctx, session: &Session) -> Result<()> {
        self.session_uses.forget(&session.id);
        let audit = ctx.record(AuditEntry::new(AuditAction::Logout), self.now());
        let id = session.id.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::sessions::delete(tx, &id).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(())
    }

    async fn session_user(&self, session: &Session) -> Result<UserRow> {
        let id = session.principal.user_id().ok_or(Error::Forbidden)?;
        hotline_store::users::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::Unauthenticated)
    }

    pub async fn me(&self, session: &Session) -> Result<MeView> {
        self.me_for(self.session_user(session).await?).await
    }

    /// The signed-in user changes their own password; other sessions of theirs end.
    pub async fn change_password(
        &self,
        ctx: &Ctx,
        session: &Session,
        req: PasswordChange,
    ) -> Result<MeView> {
        let user = self.session_user(session).await?;
        // A stolen session must not become a way to guess the password: the same back-off as
        // signing in.
        let now = self.now();
        if let Some(wait) = self.sign_in.wait(&user.username, ctx.source_ip.as_deref(), now) {
            return Err(Error::too_many_requests(wait));
        }
        if req.current_password.len() > MAX_CREDENTIAL_LEN
            || !self.hasher.verify(&req.current_password, Some(&user.password_hash)).await?
        {
            self.throttle_failure(ctx, &user.username, now).await?;
            return Err(FieldError::new("current_password", FieldIssue::InvalidValue).into());
        }
        self.config.security.password_policy().check(
            "new_password",
            &req.new_password,
            &user.username,
        )?;
        if req.new_password == req.current_password {
            return Err(FieldError::new("new_password", FieldIssue::PasswordReused).into());
        }
        let hash = self.hasher.hash(&req.new_password).await?;
        let (ctx, user, session_id) = (ctx.clone(), user.clone(), session.id.clone());
        let updated = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut updated = user.clone();
                    updated.password_hash = hash;
                    updated.must_change_password = false;
                    updated.password_changed_at = now;
                    updated.updated_at = now;
                    let updated = hotline_store::users::update(tx, updated).await?;
                    let ended = hotline_store::sessions::delete_for_user(tx, user.id).await?;
                    hotline_store::sessions::insert(
                        tx,
                        SessionRow {
                            id: session_id,
                            user_id: user.id,
                            created_at: now,
                            last_seen_at: now,
                            source_ip: ctx.source_ip.clone(),
                        },
                    )
                    .await?;
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::PasswordChanged)
                            .subject("user", user.id)
                            .detail(json!({ "other_sessions_ended": ended.saturating_sub(1) })),
                        now,
                    )]);
                    Ok::<_, Error>(updated)
                })
            })
            .await?;
        self.me_for(updated).await
    }

    /// Starts TOTP enrolment: a new secret, stored encrypted, active once a code confirms it.
    pub async fn totp_setup(&self, session: &Session) -> Result<TotpEnrollment> {
        let user = self.session_user(session).await?;
        if user.totp_enabled {
            return Err(Error::conflict(Conflict::TotpAlreadyEnabled));
        }
        let secret = Secret::Raw(random_bytes(20));
        let encoded = secret.to_encoded().to_string();
        let totp = totp_for(
            secret.to_bytes().map_err(|e| Error::Internal(anyhow::anyhow!("{e:?}")))?,
            &user.username,
        )?;
        let now = self.now();
        let txn = self.store.begin().await?;
        let mut updated = user;
        updated.totp_secret = Some(self.data_key.encrypt(&encoded)?);
        updated.updated_at = now;
        hotline_store::users::update(&txn, updated).await?;
        txn.commit().await?;
        Ok(TotpEnrollment { secret: encoded, otpauth_url: totp.get_url() })
    }

    pub async fn totp_enable(&self, ctx: &Ctx, session: &Session, req: TotpCode) -> Result<MeView> {
        let user = self.session_user(session).await?;
        if user.totp_enabled {
            return Err(Error::conflict(Conflict::TotpAlreadyEnabled));
        }
        if user.totp_secret.is_none() {
            return Err(Error::conflict(Conflict::TotpSetupRequired));
        }
        // Six digits are guessed quickly without a back-off.
        let now = self.now();
        if let Some(wait) = self.sign_in.wait(&user.username, ctx.source_ip.as_deref(), now) {
            return Err(Error::too_many_requests(wait));
        }
        let Some(step) = self.check_totp(&user, &req.code)? else {
            self.throttle_failure(ctx, &user.username, now).await?;
            return Err(FieldError::new("code", FieldIssue::InvalidValue).into());
        };
        let (ctx, user) = (ctx.clone(), user.clone());
        let updated = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut updated = user.clone();
                    updated.totp_enabled = true;
                    updated.totp_last_step = Some(step);
                    updated.updated_at = now;
                    let updated = hotline_store::users::update(tx, updated).await?;
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::TotpEnrolled).subject("user", user.id),
                        now,
                    )]);
                    Ok::<_, Error>(updated)
                })
            })
            .await?;
        self.me_for(updated).await
    }
}

fn principal_of(user: &UserRow, org: &hotline_store::orgs::OrgRow, roles: Vec<Role>) -> Principal {
    Principal {
        actor: Actor::User(UserId::from_uuid(user.id)),
        name: user.username.clone(),
        org_id: OrgId::from_uuid(org.id),
        org_path: path_of(org),
        roles,
    }
}
