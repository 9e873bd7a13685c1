//! `/api/docs`: the API's reference for people, rendered on the server from the same
//! OpenAPI document `/api/v1/openapi.json` serves ([`ApiDoc`]), so it cannot drift
//! from the code and works offline: no CDN, no script. The document is walked as
//! JSON, the form every OpenAPI reader sees, rather than through utoipa's builder
//! types, whose fields are the generator's business.
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use super::openapi::ApiDoc;
use super::problem::Kind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::page::{self, Page, PageContext};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One parameter or one field of a body.
struct Field {
    name: String,
    location: String,
    kind: String,
    required: bool,
    description: String,
}

/// One answer an operation may give.
struct Answer {
    status: String,
    description: String,
    content_type: String,
    schema: String,
    /// For problem details: the `type`s and titles this status is answered with.
    problems: Vec<(String, &'static str)>,
}

struct Body {
    content_type: String,
    schema: String,
    fields: Vec<Field>,
    /// A body of the schema's shape, for the example.
    example: Value,
}

struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    scopes: Vec<String>,
    parameters: Vec<Field>,
    body: Option<Body>,
    answers: Vec<Answer>,
    curl: String,
}

#[derive(Template)]
#[template(path = "public/api_docs.html")]
struct ApiDocsTemplate<'a> {
    page: &'a PageContext,
    title: String,
    version: String,
    description: String,
    operations: Vec<Operation>,
}

pub async fn show(State(state): State<AppState>, Page(page): Page) -> Result<Response, AppError> {
    let document = serde_json::to_value(ApiDoc::openapi()).map_err(AppError::internal)?;
    let text = |pointer: &str| string(document.pointer(pointer));
    page::ok(&ApiDocsTemplate {
        page: &page,
        title: text("/info/title"),
        version: text("/info/version"),
        description: text("/info/description"),
        operations: operations(&document, &state.settings.public_url, page.lang),
    })
}

fn string(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Every operation of the document, path by path, in the order of [`METHODS`].
fn operations(document: &Value, base_url: &str, lang: Lang) -> Vec<Operation> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                operations.push(Operation::read(
                    document, path, method, operation, base_url, lang,
                ));
            }
        }
    }
    operations
}

impl Operation {
    fn read(
        document: &Value,
        path: &str,
        method: &str,
        operation: &Value,
        base_url: &str,
        lang: Lang,
    ) -> Self {
        let parameters: Vec<Field> = operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|parameter| Field {
                name: string(parameter.get("name")),
                location: string(parameter.get("in")),
                kind: type_name(parameter.get("schema").unwrap_or(&Value::Null)),
                required: parameter.get("required").and_then(Value::as_bool) == Some(true),
                description: string(parameter.get("description")),
            })
            .collect();
        let body = operation
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
            .and_then(|content| content.iter().next())
            .map(|(content_type, media)| {
                let schema = media.get("schema").unwrap_or(&Value::Null);
                Body {
                    content_type: content_type.clone(),
                    schema: type_name(schema),
                    fields: fields(document, schema),
                    example: example(document, schema),
                }
            });
        let answers = operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, response)| answer(document, status, response, lang))
            .collect();
        let scopes = operation
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|requirement| requirement.values())
            .filter_map(Value::as_array)
            .flatten()
            .map(|scope| string(Some(scope)))
            .collect();
        let method = method.to_uppercase();
        let summary = string(operation.get("summary"));
        // A one-line doc comment is both; shown once.
        let description = Some(string(operation.get("description")))
            .filter(|description| *description != summary)
            .unwrap_or_default();
        Self {
            anchor: format!(
                "{}-{}",
                method.to_lowercase(),
                path.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ),
            curl: curl(&method, path, &parameters, body.as_ref(), base_url),
            method,
            path: path.to_owned(),
            summary,
            description,
            scopes,
            parameters,
            body,
            answers,
        }
    }
}

fn answer(document: &Value, status: &str, response: &Value, lang: Lang) -> Answer {
    let response = resolve(document, response);
    let (content_type, schema) = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| content.iter().next())
        .map(|(content_type, media)| {
            (
                content_type.clone(),
                type_name(media.get("schema").unwrap_or(&Value::Null)),
            )
        })
        .unwrap_or_default();
    let problems = if content_type == PROBLEM_CONTENT_TYPE {
        Kind::ALL
            .into_iter()
            .filter(|kind| kind.status().as_str() == status)
            .map(|kind| (kind.type_uri(), lang.t(kind.title_key())))
            .collect()
    } else {
        Vec::new()
    };
    Answer {
        status: status.to_owned(),
        description: string(response.get("description")),
        content_type,
        schema,
        problems,
    }
}

/// What a `$ref` points to in the same document; anything else as it is.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(schema)
}

/// A schema's type in a few words: the referenced name, `string (uuid)`,
/// `array of string`, `integer | null`…
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    if let Some(alternatives) = ["oneOf", "anyOf"]
        .into_iter()
        .find_map(|key| schema.get(key).and_then(Value::as_array))
    {
        return alternatives
            .iter()
            .map(type_name)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(several)) => several.iter().map(|t| string(Some(t))).collect(),
        _ => return "any".to_owned(),
    };
    types
        .iter()
        .map(|kind| match kind.as_str() {
            "array" => format!(
                "array of {}",
                type_name(schema.get("items").unwrap_or(&Value::Null))
            ),
            other => match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("{other} ({format})"),
                None => other.to_owned(),
            },
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The fields of an object schema, required ones first as the document lists them.
fn fields(document: &Value, schema: &Value) -> Vec<Field> {
    let schema = resolve(document, schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut fields: Vec<Field> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, property)| Field {
            name: name.clone(),
            location: "body".to_owned(),
            kind: type_name(property),
            required: required.contains(&name.as_str()),
            description: string(resolve(document, property).get("description")),
        })
        .collect();
    fields.sort_by_key(|field| !field.required);
    fields
}

/// A value of the schema's type for the example: its `example` if it has one.
fn example(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        return Value::Object(
            properties
                .iter()
                .map(|(name, property)| (name.clone(), example(document, property)))
                .collect::<Map<_, _>>(),
        );
    }
    let kind = match schema.get("type") {
        Some(Value::Array(several)) => several
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("null"),
        Some(Value::String(one)) => one.as_str(),
        _ => "object",
    };
    match kind {
        "string" => json!("…"),
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([example(
            document,
            schema.get("items").unwrap_or(&Value::Null)
        )]),
        "null" => Value::Null,
        _ => json!({}),
    }
}

/// A shell variable's name for a parameter: `institution_id` → `INSTITUTION_ID`.
fn shell_variable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The operation as a `curl` command, with the token and every parameter as shell
/// variables.
fn curl(
    method: &str,
    path: &str,
    parameters: &[Field],
    body: Option<&Body>,
    base_url: &str,
) -> String {
    let mut url = format!("{}{path}", base_url.trim_end_matches('/'));
    let mut query = Vec::new();
    let mut lines = Vec::new();
    for parameter in parameters {
        let variable = format!("${{{}}}", shell_variable(&parameter.name));
        match parameter.location.as_str() {
            "path" => url = url.replace(&format!("{{{}}}", parameter.name), &variable),
            "query" => query.push(format!("{}={variable}", parameter.name)),
            "header" => lines.push(format!("-H \"{}: {variable}\"", parameter.name)),
            _ => {}
        }
    }
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let mut command = vec![
        format!("curl -X {method} \"{url}\""),
        "-H \"Authorization: Bearer ${TCS_TOKEN}\"".to_owned(),
    ];
    command.extend(lines);
    if let Some(body) = body {
        let example = serde_json::to_string_pretty(&body.example)
            .unwrap_or_default()
            // Inside single quotes, a quote ends the argument: close, escape, reopen.
            .replace('\'', r"'\''");
        command.push(format!("-H \"Content-Type: {}\"", body.content_type));
        command.push(format!("--data-binary '{example}'"));
    }
    command.join(" \\\n  ")
}
