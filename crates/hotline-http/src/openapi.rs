//! The OpenAPI 3.1 document of the JSON API. Paths come from the handlers' `#[utoipa::path]`
//! annotations as the router registers them, schemas from the types the handlers take and
//! return, so the document cannot drift from the code; a snapshot test shows every change.

use std::sync::Arc;

use axum::Json;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use crate::error::ErrorEnvelope;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hotline API",
        description = "The JSON API of hotline, the 12345 government service hotline platform: \
            intake, the work-order lifecycle, org tree, users and roles, reference data, the audit \
            trail, webhooks for units' office systems and federation between hotline instances.\n\n\
            Sign in with `POST /api/v1/auth/login` (session cookie) or send an org-scoped API token \
            as `Authorization: Bearer hlt_…`. Writes that create or act accept an \
            `Idempotency-Key` header. Errors share one envelope with a stable `code`. \
            Open311 GeoReport v2 is served separately at `/open311/v2/` as its own spec describes.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "auth", description = "Sign-in, sessions, password and second factor"),
        (name = "tickets", description = "Work orders (工单): intake, work lists, the lifecycle actions"),
        (name = "orgs", description = "The org tree: center, districts, bureaus, streets, communities"),
        (name = "users", description = "Staff accounts and their roles"),
        (name = "api_tokens", description = "Org-scoped tokens for machine clients (OA systems, intake apps, Open311)"),
        (name = "webhooks", description = "Signed event deliveries to units' own office systems"),
        (name = "federation", description = "City ↔ district hotline instances (数据联网)"),
        (name = "reference", description = "Categories, the working-day calendar, SLA policies, routing catalogue"),
        (name = "search", description = "Full-text search over tickets (tantivy + jieba) and its index"),
        (name = "kb", description = "The knowledge base (知识库): articles, their versions and review, feedback"),
        (name = "stats", description = "Figures for leaders"),
        (name = "briefings", description = "The leaders' daily briefing (要情摘报) from agents' excerpts"),
        (name = "reports", description = "The report builder (自定义报表) over the rollups, and each user's saved reports"),
        (name = "callcenter", description = "The call center (呼叫中心): seats, queues, agents' states, the wallboard, call records"),
        (name = "cti", description = "The softswitch's decisions and call events (Kamailio, with a `softswitch` token), under /cti/v1"),
        (name = "audit", description = "The hash-chained audit trail (auditor)"),
        (name = "system", description = "The running system: background jobs (admin)"),
        (name = "events", description = "Live updates for the console"),
        (name = "health", description = "Probes for the process supervisor"),
    )
)]
pub struct ApiDoc;

/// Adds what holds for every operation, once the router has collected them: who may call it
/// and how errors look.
pub fn complete(openapi: &mut utoipa::openapi::OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::extract::SESSION_COOKIE,
            "Set by `POST /api/v1/auth/login`",
        ))),
    );
    components.add_security_scheme(
        "token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("An API token, `hlt_…`, issued per org with a role set"))
                .build(),
        ),
    );
    let mut schemas = vec![(ErrorEnvelope::name().into_owned(), ErrorEnvelope::schema())];
    ErrorEnvelope::schemas(&mut schemas);
    components.schemas.extend(schemas);
    openapi.security = Some(vec![
        SecurityRequirement::new("session", Vec::<String>::new()),
        SecurityRequirement::new("token", Vec::<String>::new()),
    ]);
    let error = ResponseBuilder::new()
        .description(
            "The error envelope: a stable `code` (`validation_failed` with `fields`, \
             `unauthenticated`, `forbidden`, `not_found`, `invalid_transition`, …) and a \
             translated `message`",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name(ErrorEnvelope::name()))))
                .build(),
        )
        .build();
    // Said once and referred to: Swagger UI stops rendering after the first tag when a few
    // hundred operations each carry the response inline.
    openapi
        .components
        .get_or_insert_with(Default::default)
        .responses
        .insert("Error".to_owned(), RefOr::T(error));
    for item in openapi.paths.paths.values_mut() {
        let operations =
            [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .insert("default".to_owned(), RefOr::Ref(Ref::new("#/components/responses/Error")));
            bound_paging(operation);
        }
    }
}

/// Every list takes `page` and `per_page` with the bounds of `hotline_app::paging`; said once
/// here rather than on each list's query type.
fn bound_paging(operation: &mut utoipa::openapi::path::Operation) {
    use hotline_app::paging::{MAX_PAGE, MAX_PER_PAGE};
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    let parameters = operation.parameters.iter_mut().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(p),
        RefOr::Ref(_) => None,
    });
    for parameter in parameters {
        let maximum = match parameter.name.as_str() {
            "page" => MAX_PAGE,
            "per_page" => MAX_PER_PAGE,
            _ => continue,
        };
        if !matches!(parameter.parameter_in, ParameterIn::Query) {
            continue;
        }
        parameter.schema = Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(1))
                .maximum(Some(maximum))
                .build(),
        )));
    }
}

/// `GET /api/openapi.json`.
pub async fn serve(document: Arc<utoipa::openapi::OpenApi>) -> Json<Arc<utoipa::openapi::OpenApi>> {
    Json(document)
}
