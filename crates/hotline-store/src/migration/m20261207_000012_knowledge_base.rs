//! The knowledge base (知识库): articles with their working copy, every version kept, the
//! categories they answer, agents' feedback and files.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, date_null, integer, integer_null, pk_uuid, string_len, text, text_null,
    timestamp_with_time_zone, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KbArticle {
    Table,
    Id,
    Title,
    Body,
    ReplyTemplate,
    Keywords,
    OwnerOrgId,
    Status,
    ValidFrom,
    ValidTo,
    Version,
    PublishedVersion,
    Hits,
    Helpful,
    Outdated,
    ExpiryNoticeSent,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum KbArticleCategory {
    Table,
    ArticleId,
    CategoryId,
}

#[derive(DeriveIden)]
enum KbArticleVersion {
    Table,
    Id,
    ArticleId,
    Version,
    Title,
    Body,
    ReplyTemplate,
    Keywords,
    CategoryIds,
    ValidFrom,
    ValidTo,
    EditedBy,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum KbFeedback {
    Table,
    Id,
    ArticleId,
    UserId,
    Kind,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum KbAttachment {
    Table,
    Id,
    ArticleId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Org {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KbArticle::Table)
                    .col(pk_uuid(KbArticle::Id))
                    .col(string_len(KbArticle::Title, 200))
                    .col(text(KbArticle::Body))
                    .col(text_null(KbArticle::ReplyTemplate))
                    .col(text_null(KbArticle::Keywords))
                    .col(uuid(KbArticle::OwnerOrgId))
                    .col(string_len(KbArticle::Status, 16))
                    .col(date_null(KbArticle::ValidFrom))
                    .col(date_null(KbArticle::ValidTo))
                    .col(integer(KbArticle::Version))
                    .col(integer_null(KbArticle::PublishedVersion))
                    .col(big_integer(KbArticle::Hits).default(0))
                    .col(integer(KbArticle::Helpful).default(0))
                    .col(integer(KbArticle::Outdated).default(0))
                    .col(boolean(KbArticle::ExpiryNoticeSent).default(false))
                    .col(uuid_null(KbArticle::CreatedBy))
                    .col(timestamp_with_time_zone(KbArticle::CreatedAt))
                    .col(timestamp_with_time_zone(KbArticle::UpdatedAt))
                    .foreign_key(&mut fk(
                        (KbArticle::Table, KbArticle::OwnerOrgId),
                        (Org::Table, Org::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("kb_article_owner")
                    .table(KbArticle::Table)
                    .col(KbArticle::OwnerOrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KbArticleCategory::Table)
                    .col(uuid(KbArticleCategory::ArticleId))
                    .col(uuid(KbArticleCategory::CategoryId))
                    .primary_key(
                        Index::create()
                            .col(KbArticleCategory::ArticleId)
                            .col(KbArticleCategory::CategoryId),
                    )
                    .foreign_key(&mut fk(
                        (KbArticleCategory::Table, KbArticleCategory::ArticleId),
                        (KbArticle::Table, KbArticle::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("kb_article_category_by_category")
                    .table(KbArticleCategory::Table)
                    .col(KbArticleCategory::CategoryId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KbArticleVersion::Table)
                    .col(pk_uuid(KbArticleVersion::Id))
                    .col(uuid(KbArticleVersion::ArticleId))
                    .col(integer(KbArticleVersion::Version))
                    .col(string_len(KbArticleVersion::Title, 200))
                    .col(text(KbArticleVersion::Body))
                    .col(text_null(KbArticleVersion::ReplyTemplate))
                    .col(text_null(KbArticleVersion::Keywords))
                    .col(text(KbArticleVersion::CategoryIds))
                    .col(date_null(KbArticleVersion::ValidFrom))
                    .col(date_null(KbArticleVersion::ValidTo))
                    .col(uuid_null(KbArticleVersion::EditedBy))
                    .col(text_null(KbArticleVersion::Note))
                    .col(timestamp_with_time_zone(KbArticleVersion::CreatedAt))
                    .foreign_key(&mut fk(
                        (KbArticleVersion::Table, KbArticleVersion::ArticleId),
                        (KbArticle::Table, KbArticle::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("kb_article_version_unique")
                    .table(KbArticleVersion::Table)
                    .col(KbArticleVersion::ArticleId)
                    .col(KbArticleVersion::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KbFeedback::Table)
                    .col(pk_uuid(KbFeedback::Id))
                    .col(uuid(KbFeedback::ArticleId))
                    .col(uuid_null(KbFeedback::UserId))
                    .col(string_len(KbFeedback::Kind, 16))
                    .col(text_null(KbFeedback::Comment))
                    .col(timestamp_with_time_zone(KbFeedback::CreatedAt))
                    .foreign_key(&mut fk(
                        (KbFeedback::Table, KbFeedback::ArticleId),
                        (KbArticle::Table, KbArticle::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("kb_feedback_article")
                    .table(KbFeedback::Table)
                    .col(KbFeedback::ArticleId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KbAttachment::Table)
                    .col(pk_uuid(KbAttachment::Id))
                    .col(uuid(KbAttachment::ArticleId))
                    .col(string_len(KbAttachment::FileName, 255))
                    .col(string_len(KbAttachment::ContentType, 100))
                    .col(big_integer(KbAttachment::SizeBytes))
                    .col(string_len(KbAttachment::Sha256, 64))
                    .col(timestamp_with_time_zone(KbAttachment::CreatedAt))
                    .foreign_key(&mut fk(
                        (KbAttachment::Table, KbAttachment::ArticleId),
                        (KbArticle::Table, KbArticle::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            KbAttachment::Table.into_iden(),
            KbFeedback::Table.into_iden(),
            KbArticleVersion::Table.into_iden(),
            KbArticleCategory::Table.into_iden(),
            KbArticle::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
