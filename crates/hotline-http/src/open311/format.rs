//! One document, two renderings: Open311's schemaless XML and its JSON ("Spark" convention:
//! the root wrapper dropped, repeated children always an array, empty values `null`).

use std::io::Cursor;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// Splits `services.json` into `("services", Json)`.
    pub fn split(name: &str) -> Option<(&str, Self)> {
        let (stem, ext) = name.rsplit_once('.')?;
        let format = match ext {
            "xml" => Self::Xml,
            "json" => Self::Json,
            _ => return None,
        };
        Some((stem, format))
    }

    fn content_type(self, charset: bool) -> &'static str {
        match (self, charset) {
            (Self::Xml, true) => "text/xml; charset=utf-8",
            (Self::Xml, false) => "text/xml",
            (Self::Json, true) => "application/json; charset=utf-8",
            (Self::Json, false) => "application/json",
        }
    }
}

/// A value in an Open311 document.
#[derive(Clone, Debug)]
pub enum Node {
    Text(Option<String>),
    Integer(i64),
    Number(f64),
    Bool(bool),
    /// Repeated `child` elements: an array in JSON even with one element.
    List(&'static str, Vec<Node>),
    Record(Vec<(&'static str, Node)>),
}

impl Node {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(Some(value.into()))
    }

    pub fn maybe(value: Option<impl Into<String>>) -> Self {
        Self::Text(value.map(Into::into))
    }

    fn json(&self) -> Value {
        match self {
            Self::Text(v) => v.clone().map_or(Value::Null, Value::String),
            Self::Integer(n) => Value::Number((*n).into()),
            Self::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Self::Bool(b) => Value::Bool(*b),
            Self::List(_, items) => Value::Array(items.iter().map(Self::json).collect()),
            Self::Record(fields) => Value::Object(
                fields.iter().map(|(k, v)| ((*k).to_owned(), v.json())).collect::<Map<_, _>>(),
            ),
        }
    }

    fn xml(&self, tag: &str, out: &mut Writer<Cursor<Vec<u8>>>) -> std::io::Result<()> {
        let text = match self {
            Self::Text(None) => {
                return out.write_event(Event::Empty(BytesStart::new(tag)));
            }
            Self::Text(Some(v)) => v.clone(),
            Self::Integer(n) => n.to_string(),
            Self::Number(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::List(child, items) => {
                out.write_event(Event::Start(BytesStart::new(tag)))?;
                for item in items {
                    item.xml(child, out)?;
                }
                return out.write_event(Event::End(BytesEnd::new(tag)));
            }
            Self::Record(fields) => {
                out.write_event(Event::Start(BytesStart::new(tag)))?;
                for (name, value) in fields {
                    value.xml(name, out)?;
                }
                return out.write_event(Event::End(BytesEnd::new(tag)));
            }
        };
        out.write_event(Event::Start(BytesStart::new(tag)))?;
        out.write_event(Event::Text(BytesText::new(&text)))?;
        out.write_event(Event::End(BytesEnd::new(tag)))
    }

    /// The document under its XML root element, or as JSON.
    pub fn render(&self, root: &str, format: Format) -> Vec<u8> {
        match format {
            Format::Json => serde_json::to_vec(&self.json()).unwrap_or_default(),
            Format::Xml => {
                let mut out = Writer::new(Cursor::new(Vec::new()));
                let written = out
                    .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
                    .and_then(|()| self.xml(root, &mut out));
                match written {
                    Ok(()) => out.into_inner().into_inner(),
                    // Writing to memory does not fail; an empty body beats a panic if it did.
                    Err(_) => Vec::new(),
                }
            }
        }
    }
}

/// A rendered Open311 answer.
pub struct Document {
    pub status: StatusCode,
    pub root: &'static str,
    pub body: Node,
    pub format: Format,
    /// Discovery goes without `; charset=utf-8`: validators compare the content type exactly.
    pub charset: bool,
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.render(self.root, self.format)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.format.content_type(self.charset)),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        Node::List(
            "request",
            vec![Node::Record(vec![
                ("service_request_id", Node::text("2026112400001")),
                ("status_notes", Node::Text(None)),
                ("lat", Node::Number(39.9)),
                ("media", Node::List("url", vec![Node::text("a&b")])),
            ])],
        )
    }

    #[test]
    fn xml_has_the_declaration_empty_elements_and_escaping() {
        let xml = String::from_utf8(sample().render("service_requests", Format::Xml)).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>\
             <service_request_id>2026112400001</service_request_id><status_notes/>\
             <lat>39.9</lat><media><url>a&amp;b</url></media></request></service_requests>"
        );
    }

    #[test]
    fn json_drops_the_root_and_keeps_single_children_in_arrays() {
        let json: Value = serde_json::from_slice(&sample().render("x", Format::Json)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{
                "service_request_id": "2026112400001",
                "status_notes": null,
                "lat": 39.9,
                "media": ["a&b"],
            }])
        );
    }

    #[test]
    fn only_xml_and_json_are_formats() {
        assert_eq!(Format::split("services.json"), Some(("services", Format::Json)));
        assert_eq!(Format::split("010101.xml"), Some(("010101", Format::Xml)));
        assert_eq!(Format::split("services.html"), None);
        assert_eq!(Format::split("services"), None);
    }
}
