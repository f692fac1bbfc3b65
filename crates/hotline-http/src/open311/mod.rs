//! Open311 GeoReport v2 at `/open311/v2/`: thin handlers over [`hotline_app::open311`].
//!
//! The format comes from the path (`services.xml`, `requests/2026112400001.json`); errors are
//! Open311 `errors` documents in that format, not our JSON envelope. Public apps call from
//! other origins without cookies, so these routes sit outside the console's origin check.

pub mod format;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Response};
use hotline_app::Error;
use hotline_app::integrations::open311::{
    CreatedRequest, Discovery, Media, NewServiceRequest, RequestQuery, SPECIFICATION,
    ServiceDefinition, ServiceRequest,
};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use self::format::{Document, Format, Node};
use crate::AppState;
use crate::extract::Anonymous;
use crate::i18n::{self, Lang};

/// The arguments of a query string or form body, in order; repeated names are kept.
type Args = Vec<(String, String)>;

fn parse_args(raw: &[u8]) -> Args {
    form_urlencoded::parse(raw).into_owned().collect()
}

fn arg(args: &Args, name: &str) -> Option<String> {
    args.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Where clients reach us, for links in answers.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.app.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// An Open311 `errors` document.
fn errors(format: Format, status: StatusCode, list: Vec<(u16, String)>) -> Response {
    let body = Node::List(
        "error",
        list.into_iter()
            .map(|(code, description)| {
                Node::Record(vec![
                    ("code", Node::Integer(i64::from(code))),
                    ("description", Node::text(description)),
                ])
            })
            .collect(),
    );
    Document { status, root: "errors", body, format, charset: true }.into_response()
}

/// Our error, as the spec wants it: 404 for what is not found, 403 for the key, 400 otherwise.
fn failure(format: Format, lang: Lang, err: Error) -> Response {
    let (status, list) = match err {
        Error::Validation(fields) => (
            StatusCode::BAD_REQUEST,
            fields
                .into_vec()
                .into_iter()
                .map(|f| (400, format!("{}: {}", f.field, i18n::field_message(&f, lang))))
                .collect(),
        ),
        Error::NotFound(what) => (
            StatusCode::NOT_FOUND,
            vec![(
                404,
                match lang {
                    Lang::Zh => format!("{what} 不存在"),
                    Lang::En => format!("{what} not found"),
                },
            )],
        ),
        Error::Unauthenticated | Error::Forbidden => (
            StatusCode::FORBIDDEN,
            vec![(
                403,
                match lang {
                    Lang::Zh => "api_key 无效或无权提交诉求，无法创建请求。".to_owned(),
                    Lang::En => {
                        "Invalid api_key received -- can't proceed with create_request.".to_owned()
                    }
                },
            )],
        ),
        Error::TooManyRequests { retry_after_secs } => {
            let mut response = errors(
                format,
                StatusCode::TOO_MANY_REQUESTS,
                vec![(429, i18n::error_message("too_many_requests", lang).to_owned())],
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        Error::Internal(e) => {
            tracing::error!(error = ?e, "internal error in Open311");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                vec![(500, i18n::error_message("internal", lang).to_owned())],
            )
        }
        other => (
            StatusCode::BAD_REQUEST,
            vec![(400, i18n::error_message(other.code(), lang).to_owned())],
        ),
    };
    errors(format, status, list)
}

/// `name` without a known extension: answered in XML, the required format.
fn no_format(lang: Lang) -> Response {
    errors(
        Format::Xml,
        StatusCode::BAD_REQUEST,
        vec![(
            400,
            match lang {
                Lang::Zh => "请在路径末尾指定格式：.xml 或 .json".to_owned(),
                Lang::En => "end the path in .xml or .json".to_owned(),
            },
        )],
    )
}

fn not_found(format: Format, lang: Lang) -> Response {
    failure(format, lang, Error::NotFound("resource"))
}

fn discovery_doc(d: Discovery) -> Node {
    Node::Record(vec![
        ("changeset", Node::text(d.changeset.clone())),
        ("contact", Node::text(d.contact)),
        ("key_service", Node::text(d.key_service)),
        (
            "endpoints",
            Node::List(
                "endpoint",
                vec![Node::Record(vec![
                    ("specification", Node::text(SPECIFICATION)),
                    ("url", Node::text(d.url)),
                    ("changeset", Node::text(d.changeset)),
                    ("type", Node::text(d.endpoint_type)),
                    (
                        "formats",
                        Node::List(
                            "format",
                            vec![Node::text("text/xml"), Node::text("application/json")],
                        ),
                    ),
                ])],
            ),
        ),
    ])
}

fn definition_doc(d: ServiceDefinition) -> Node {
    let attributes = d
        .attributes
        .into_iter()
        .map(|a| {
            let mut fields = vec![
                ("variable", Node::Bool(a.variable)),
                ("code", Node::text(a.code)),
                ("datatype", Node::text(a.datatype)),
                ("required", Node::Bool(a.required)),
                ("datatype_description", Node::text(a.datatype_description)),
                ("order", Node::Integer(i64::from(a.order))),
                ("description", Node::text(a.description)),
            ];
            if !a.values.is_empty() {
                fields.push((
                    "values",
                    Node::List(
                        "value",
                        a.values
                            .into_iter()
                            .map(|(key, name)| {
                                Node::Record(vec![
                                    ("key", Node::text(key)),
                                    ("name", Node::text(name)),
                                ])
                            })
                            .collect(),
                    ),
                ));
            }
            Node::Record(fields)
        })
        .collect();
    Node::Record(vec![
        ("service_code", Node::text(d.service_code)),
        ("attributes", Node::List("attribute", attributes)),
    ])
}

fn request_doc(r: ServiceRequest) -> Node {
    Node::Record(vec![
        ("service_request_id", Node::text(r.service_request_id)),
        ("status", Node::text(r.status)),
        ("status_notes", Node::text(r.status_notes)),
        ("service_name", Node::maybe(r.service_name)),
        ("service_code", Node::maybe(r.service_code)),
        ("description", Node::text(r.description)),
        ("agency_responsible", Node::maybe(r.agency_responsible)),
        ("service_notice", Node::maybe(r.service_notice)),
        ("requested_datetime", Node::text(r.requested_datetime)),
        ("updated_datetime", Node::text(r.updated_datetime)),
        ("expected_datetime", Node::maybe(r.expected_datetime)),
        ("address", Node::maybe(r.address)),
        ("address_id", Node::Text(None)),
        ("zipcode", Node::Text(None)),
        ("lat", r.lat.map_or(Node::Text(None), Node::Number)),
        ("long", r.long.map_or(Node::Text(None), Node::Number)),
        ("media_url", Node::maybe(r.media_url)),
    ])
}

fn requests_doc(format: Format, list: Vec<ServiceRequest>) -> Response {
    let body = Node::List("request", list.into_iter().map(request_doc).collect());
    Document { status: StatusCode::OK, root: "service_requests", body, format, charset: true }
        .into_response()
}

fn query_of(args: &Args) -> RequestQuery {
    RequestQuery {
        jurisdiction_id: arg(args, "jurisdiction_id"),
        service_request_id: arg(args, "service_request_id"),
        service_code: arg(args, "service_code"),
        start_date: arg(args, "start_date"),
        end_date: arg(args, "end_date"),
        status: arg(args, "status"),
        page: arg(args, "page"),
        page_size: arg(args, "page_size"),
    }
}

/// `GET discovery.{fmt}`, `services.{fmt}`, `requests.{fmt}`.
pub async fn read(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let Some((resource, format)) = Format::split(&name) else {
        return no_format(lang);
    };
    let args = parse_args(query.unwrap_or_default().as_bytes());
    let jurisdiction = arg(&args, "jurisdiction_id");
    let app = &state.app;
    match resource {
        "discovery" => match app.open311_discovery(&base_url(&state, &headers)).await {
            Ok(d) => Document {
                status: StatusCode::OK,
                root: "discovery",
                body: discovery_doc(d),
                format,
                charset: false,
            }
            .into_response(),
            Err(e) => failure(format, lang, e),
        },
        "services" => match app.open311_services(jurisdiction.as_ref()).await {
            Ok(services) => {
                let body = Node::List(
                    "service",
                    services
                        .into_iter()
                        .map(|s| {
                            Node::Record(vec![
                                ("service_code", Node::text(s.code)),
                                ("service_name", Node::text(s.name)),
                                ("description", Node::text(s.description)),
                                ("metadata", Node::Bool(true)),
                                ("type", Node::text("realtime")),
                                ("keywords", Node::text(s.keywords)),
                                ("group", Node::text(s.group)),
                            ])
                        })
                        .collect(),
                );
                Document { status: StatusCode::OK, root: "services", body, format, charset: true }
                    .into_response()
            }
            Err(e) => failure(format, lang, e),
        },
        "requests" => {
            match app.open311_requests(&query_of(&args), &base_url(&state, &headers)).await {
                Ok(list) => requests_doc(format, list),
                Err(e) => failure(format, lang, e),
            }
        }
        _ => not_found(format, lang),
    }
}

/// `GET services/{code}.{fmt}` (also at the singular `service/…`, which a popular client uses).
pub async fn service_definition(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let Some((code, format)) = Format::split(&name) else {
        return no_format(lang);
    };
    let args = parse_args(query.unwrap_or_default().as_bytes());
    match state.app.open311_service_definition(arg(&args, "jurisdiction_id").as_ref(), code).await {
        Ok(d) => Document {
            status: StatusCode::OK,
            root: "service_definition",
            body: definition_doc(d),
            format,
            charset: true,
        }
        .into_response(),
        Err(e) => failure(format, lang, e),
    }
}

/// `GET requests/{id}.{fmt}`.
pub async fn request(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let Some((id, format)) = Format::split(&name) else {
        return no_format(lang);
    };
    let args = parse_args(query.unwrap_or_default().as_bytes());
    let base = base_url(&state, &headers);
    match state.app.open311_request(arg(&args, "jurisdiction_id").as_ref(), id, &base).await {
        Ok(r) => requests_doc(format, vec![r]),
        Err(e) => failure(format, lang, e),
    }
}

/// `GET tokens/{token}.{fmt}`.
pub async fn token(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let Some((token, format)) = Format::split(&name) else {
        return no_format(lang);
    };
    let args = parse_args(query.unwrap_or_default().as_bytes());
    match state.app.open311_token(arg(&args, "jurisdiction_id").as_ref(), token).await {
        Ok(t) => {
            let body = Node::List(
                "request",
                vec![Node::Record(vec![
                    ("service_request_id", Node::text(t.service_request_id)),
                    ("token", Node::text(t.token)),
                ])],
            );
            Document {
                status: StatusCode::OK,
                root: "service_requests",
                body,
                format,
                charset: true,
            }
            .into_response()
        }
        Err(e) => failure(format, lang, e),
    }
}

/// A photo sent with a public request (the `media_url` of our answers).
pub async fn media(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.app.open311_media(&id).await {
        Ok((content_type, bytes)) => {
            let mut response = bytes.into_response();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
            response
        }
        Err(Error::NotFound(_)) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "reading Open311 media");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Why a POST body could not be read.
#[derive(Clone, Copy)]
enum BodyError {
    ContentType,
    Malformed,
    /// The form fields alone are over `http.body_limit_bytes`.
    TooLarge(usize),
    MediaTooLarge(usize),
}

impl BodyError {
    fn respond(self, format: Format, lang: Lang) -> Response {
        let text = match (self, lang) {
            (Self::ContentType, Lang::Zh) => {
                "请以 application/x-www-form-urlencoded 或 multipart/form-data 提交".to_owned()
            }
            (Self::ContentType, Lang::En) => {
                "send application/x-www-form-urlencoded or multipart/form-data".to_owned()
            }
            (Self::Malformed, Lang::Zh) => "请求体格式错误".to_owned(),
            (Self::Malformed, Lang::En) => "the request body is malformed".to_owned(),
            (Self::MediaTooLarge(max), Lang::Zh) => format!("media: 文件不能超过 {max} 字节"),
            (Self::MediaTooLarge(max), Lang::En) => {
                format!("media: the file must be at most {max} bytes")
            }
            (Self::TooLarge(max), Lang::Zh) => format!("表单字段合计不能超过 {max} 字节"),
            (Self::TooLarge(max), Lang::En) => {
                format!("the form fields must be at most {max} bytes together")
            }
        };
        let status = match self {
            Self::ContentType | Self::Malformed => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) | Self::MediaTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        };
        errors(format, status, vec![(status.as_u16(), text)])
    }
}

/// The form fields of a POST (query string first, body over it) and its `media` file.
async fn read_form(
    state: &AppState,
    query: Option<String>,
    request: Request,
) -> Result<(Args, Option<Media>), BodyError> {
    let mut args = parse_args(query.unwrap_or_default().as_bytes());
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let max_media = state.app.config.open311.max_media_bytes;
    if content_type.starts_with("multipart/form-data") {
        let mut multipart =
            Multipart::from_request(request, state).await.map_err(|_| BodyError::Malformed)?;
        let mut media = None;
        while let Some(mut field) = multipart.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                BodyError::MediaTooLarge(max_media)
            } else {
                BodyError::Malformed
            }
        })? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "media" {
                let file_name = field.file_name().unwrap_or("media").to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        BodyError::MediaTooLarge(max_media)
                    } else {
                        BodyError::Malformed
                    }
                })? {
                    if bytes.len() + chunk.len() > max_media {
                        return Err(BodyError::MediaTooLarge(max_media));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !bytes.is_empty() {
                    media = Some(Media { file_name, bytes });
                }
            } else {
                let value = field.text().await.map_err(|_| BodyError::Malformed)?;
                args.retain(|(k, _)| *k != name || name.ends_with("[]"));
                args.push((name, value));
            }
        }
        return Ok((args, media));
    }
    if !(content_type.is_empty() || content_type.starts_with("application/x-www-form-urlencoded")) {
        return Err(BodyError::ContentType);
    }
    let limit = state.app.config.http.body_limit_bytes;
    let bytes = axum::body::to_bytes(Body::new(request.into_body()), limit).await.map_err(|e| {
        if is_length_limit(&e) { BodyError::TooLarge(limit) } else { BodyError::Malformed }
    })?;
    for (k, v) in parse_args(&bytes) {
        if !k.ends_with("[]") {
            args.retain(|(name, _)| *name != k);
        }
        args.push((k, v));
    }
    Ok((args, None))
}

fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Any method the spec does not define on a resource (PUT, DELETE, …): an Open311 error
/// document, in the format the path asks for, with `Allow` left to the router.
pub async fn method_not_allowed(uri: http::Uri, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let name = uri.path().rsplit('/').next().unwrap_or_default();
    let format = Format::split(name).map_or(Format::Xml, |(_, f)| f);
    let text = match lang {
        Lang::Zh => "Open311 不支持此请求方法".to_owned(),
        Lang::En => "this method is not part of Open311 GeoReport v2".to_owned(),
    };
    errors(format, StatusCode::METHOD_NOT_ALLOWED, vec![(405, text)])
}

/// `attribute[CODE]=v` and `attribute[CODE][]=v1&attribute[CODE][]=v2`.
fn attributes(args: &Args) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (k, v) in args {
        let Some(rest) = k.strip_prefix("attribute[") else { continue };
        let code = rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']'));
        if let Some(code) = code.filter(|c| !c.is_empty()) {
            out.entry(code.to_owned()).or_default().push(v.clone());
        }
    }
    out
}

/// `POST requests.{fmt}`.
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    Anonymous(ctx): Anonymous,
    request: Request,
) -> Response {
    let lang = Lang::from_headers(request.headers());
    let Some((resource, format)) = Format::split(&name) else {
        return no_format(lang);
    };
    if resource != "requests" {
        return not_found(format, lang);
    }
    let key =
        request.headers().get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let (args, media) = match read_form(&state, query, request).await {
        Ok(form) => form,
        Err(e) => return e.respond(format, lang),
    };
    let input = NewServiceRequest {
        api_key: arg(&args, "api_key"),
        jurisdiction_id: arg(&args, "jurisdiction_id"),
        service_code: arg(&args, "service_code"),
        lat: arg(&args, "lat"),
        long: arg(&args, "long"),
        address_string: arg(&args, "address_string"),
        address_id: arg(&args, "address_id"),
        email: arg(&args, "email"),
        device_id: arg(&args, "device_id"),
        account_id: arg(&args, "account_id"),
        first_name: arg(&args, "first_name"),
        last_name: arg(&args, "last_name"),
        phone: arg(&args, "phone"),
        description: arg(&args, "description"),
        media_url: arg(&args, "media_url"),
        attributes: attributes(&args),
        media,
    };
    match state.app.open311_create(&ctx, input, key.as_deref()).await {
        // 200 for a new request and for a retry alike: clients written against the spec's
        // examples check for 200.
        Ok(CreatedRequest { service_request_id, service_notice, account_id, created: _ }) => {
            let mut fields = vec![("service_request_id", Node::text(service_request_id))];
            fields.push(("service_notice", Node::maybe(service_notice)));
            if let Some(account) = account_id {
                fields.push(("account_id", Node::text(account)));
            }
            let body = Node::List("request", vec![Node::Record(fields)]);
            Document {
                status: StatusCode::OK,
                root: "service_requests",
                body,
                format,
                charset: true,
            }
            .into_response()
        }
        Err(e) => failure(format, lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_collect_single_and_list_values() {
        let args = parse_args(
            b"attribute%5Bappeal_type%5D=complaint&attribute[tags][]=a&attribute[tags][]=b&x=1",
        );
        let map = attributes(&args);
        assert_eq!(map["appeal_type"], vec!["complaint"]);
        assert_eq!(map["tags"], vec!["a", "b"]);
        assert_eq!(map.len(), 2);
    }
}
