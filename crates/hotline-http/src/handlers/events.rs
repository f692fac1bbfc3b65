use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_core::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::extract::Caller;

/// Server-sent events for the console: ticket changes and deadline warnings the caller may see.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    responses((status = 200, description = "`text/event-stream`: `ticket` and `deadline` events the caller may see", body = String, content_type = "text/event-stream"))
)]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let app = state.app.clone();
    let principal = caller.ctx.principal;
    let events = async_stream::stream! {
        let mut rx = app.subscribe();
        let Some(principal) = principal else { return };
        loop {
            match rx.recv().await {
                Ok(event) => {
                    if app.visible_to(&principal, &event).await.unwrap_or(false)
                        && let Ok(e) = Event::default().json_data(&event)
                    {
                        yield Ok(e);
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    };
    Sse::new(events).keep_alive(KeepAlive::default())
}
