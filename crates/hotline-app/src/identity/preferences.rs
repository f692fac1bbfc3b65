//! A person's own choices in the personal centre (个人中心): language and notifications. They
//! follow the person from desk to desk, so they live on the server, not in one browser.

use hotline_domain::audit::AuditAction;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AuditEntry, Ctx, Error, Result};

/// The console's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub language: Language,
    /// A desktop notification when new work arrives in one of the person's queues.
    pub notify_new_work: bool,
    /// A sound with it.
    pub notify_sound: bool,
}

impl App {
    pub async fn preferences(&self, ctx: &Ctx) -> Result<Preferences> {
        let user = ctx
            .principal
            .as_ref()
            .ok_or(Error::Unauthenticated)?
            .user_id()
            .ok_or(Error::Forbidden)?;
        let row = hotline_store::users::find(self.store.reader(), user.as_uuid())
            .await?
            .ok_or(Error::NotFound("user"))?;
        // Stored choices that no longer parse (a field since renamed) fall back to defaults.
        Ok(row.preferences.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default())
    }

    pub async fn set_preferences(
        &self,
        ctx: &Ctx,
        preferences: Preferences,
    ) -> Result<Preferences> {
        let user = ctx
            .principal
            .as_ref()
            .ok_or(Error::Unauthenticated)?
            .user_id()
            .ok_or(Error::Forbidden)?;
        let stored = serde_json::to_string(&preferences).map_err(anyhow::Error::from)?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::PreferencesUpdate)
                .subject("user", user)
                .detail(json!({"preferences": preferences})),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::users::set_preferences(tx, user.as_uuid(), stored).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        Ok(preferences)
    }
}
