//! Orgs, users and roles, sessions, API tokens and the audit trail.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, integer, pk_uuid, string_len, string_len_null,
    string_len_uniq, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
    uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    Path,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Username,
    DisplayName,
    OrgId,
    PasswordHash,
    MustChangePassword,
    PasswordChangedAt,
    FailedLogins,
    LockedUntil,
    TotpSecret,
    TotpEnabled,
    TotpLastStep,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserRole {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum UserSession {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastSeenAt,
    SourceIp,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    OrgId,
    Roles,
    SecretHash,
    Prefix,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Seq,
    At,
    ActorId,
    ActorName,
    ActorOrgId,
    SourceIp,
    RequestId,
    Action,
    Outcome,
    SubjectType,
    SubjectId,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

const SQLITE_AUDIT_GUARDS: &[&str] = &[
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head \
     WHEN NEW.seq <= OLD.seq OR NEW.id <> OLD.id \
     BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head \
     BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
];

const POSTGRES_AUDIT_GUARDS: &[&str] = &[
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event \
     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    "CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP <> 'UPDATE' OR NEW.seq <= OLD.seq OR NEW.id <> OLD.id THEN \
         RAISE EXCEPTION 'audit_head only moves forward'; \
       END IF; \
       RETURN NEW; \
     END $$",
    "CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON audit_head \
     FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
];

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Org::Table)
                    .col(pk_uuid(Org::Id))
                    .col(string_len_uniq(Org::Code, 32))
                    .col(string_len(Org::Name, 100))
                    .col(string_len(Org::Kind, 16))
                    .col(uuid_null(Org::ParentId))
                    .col(string_len(Org::Path, 1024))
                    .col(boolean(Org::Active))
                    .col(timestamp_with_time_zone(Org::CreatedAt))
                    .col(timestamp_with_time_zone(Org::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_parent")
                            .from(Org::Table, Org::ParentId)
                            .to(Org::Table, Org::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_org_parent", Org::Table, &["parent_id"])).await?;
        manager.create_index(index("idx_org_path", Org::Table, &["path"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(pk_uuid(AppUser::Id))
                    .col(string_len_uniq(AppUser::Username, 32))
                    .col(string_len(AppUser::DisplayName, 50))
                    .col(uuid(AppUser::OrgId))
                    .col(string_len(AppUser::PasswordHash, 255))
                    .col(boolean(AppUser::MustChangePassword))
                    .col(timestamp_with_time_zone(AppUser::PasswordChangedAt))
                    .col(integer(AppUser::FailedLogins))
                    .col(timestamp_with_time_zone_null(AppUser::LockedUntil))
                    .col(text_null(AppUser::TotpSecret))
                    .col(boolean(AppUser::TotpEnabled))
                    .col(big_integer_null(AppUser::TotpLastStep))
                    .col(boolean(AppUser::Active))
                    .col(timestamp_with_time_zone(AppUser::CreatedAt))
                    .col(timestamp_with_time_zone(AppUser::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_user_org")
                            .from(AppUser::Table, AppUser::OrgId)
                            .to(Org::Table, Org::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_app_user_org", AppUser::Table, &["org_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(uuid(UserRole::UserId))
                    .col(string_len(UserRole::Role, 32))
                    .primary_key(Index::create().col(UserRole::UserId).col(UserRole::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_role_user")
                            .from(UserRole::Table, UserRole::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserSession::Table)
                    .col(string_len(UserSession::Id, 64).primary_key())
                    .col(uuid(UserSession::UserId))
                    .col(timestamp_with_time_zone(UserSession::CreatedAt))
                    .col(timestamp_with_time_zone(UserSession::LastSeenAt))
                    .col(string_len_null(UserSession::SourceIp, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_session_user")
                            .from(UserSession::Table, UserSession::UserId)
                            .to(AppUser::Table, AppUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_user_session_user", UserSession::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_uuid(ApiToken::Id))
                    .col(string_len(ApiToken::Name, 100))
                    .col(uuid(ApiToken::OrgId))
                    .col(string_len(ApiToken::Roles, 255))
                    .col(string_len_uniq(ApiToken::SecretHash, 64))
                    .col(string_len(ApiToken::Prefix, 16))
                    .col(uuid_null(ApiToken::CreatedBy))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_org")
                            .from(ApiToken::Table, ApiToken::OrgId)
                            .to(Org::Table, Org::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(big_integer(AuditEvent::Seq).primary_key())
                    .col(timestamp_with_time_zone(AuditEvent::At))
                    .col(string_len_null(AuditEvent::ActorId, 64))
                    .col(string_len_null(AuditEvent::ActorName, 100))
                    .col(string_len_null(AuditEvent::ActorOrgId, 64))
                    .col(string_len_null(AuditEvent::SourceIp, 64))
                    .col(string_len_null(AuditEvent::RequestId, 64))
                    .col(string_len(AuditEvent::Action, 64))
                    .col(string_len(AuditEvent::Outcome, 16))
                    .col(string_len_null(AuditEvent::SubjectType, 32))
                    .col(string_len_null(AuditEvent::SubjectId, 64))
                    .col(text(AuditEvent::Detail))
                    .col(string_len(AuditEvent::PrevHash, 64))
                    .col(string_len(AuditEvent::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_audit_event_at", AuditEvent::Table, &["at"])).await?;
        manager
            .create_index(index("idx_audit_event_action", AuditEvent::Table, &["action", "seq"]))
            .await?;
        manager
            .create_index(index("idx_audit_event_actor", AuditEvent::Table, &["actor_id", "seq"]))
            .await?;
        manager
            .create_index(index(
                "idx_audit_event_subject",
                AuditEvent::Table,
                &["subject_type", "subject_id", "seq"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(integer(AuditHead::Id).primary_key())
                    .col(big_integer(AuditHead::Seq))
                    .col(string_len(AuditHead::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditHead::Table)
                    .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                    .values_panic([
                        1.into(),
                        0i64.into(),
                        hotline_domain::audit::GENESIS_HASH.into(),
                    ])
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let guards = match db.get_database_backend() {
            DbBackend::Sqlite => SQLITE_AUDIT_GUARDS,
            DbBackend::Postgres => POSTGRES_AUDIT_GUARDS,
            other => {
                return Err(DbErr::Migration(format!("unsupported database backend {other:?}")));
            }
        };
        for sql in guards {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
