//! The sync WebSocket over the pinned TLS connection, as a samod transport (binary
//! messages both ways; pings are answered by tungstenite; a close ends the stream).

use crate::{PinnedCertificate, SyncError};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

#[derive(Debug, thiserror::Error)]
#[error("the sync connection: {0}")]
pub struct WsError(String);

/// An open sync WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn open(
    url: &url::Url,
    pin: &Arc<PinnedCertificate>,
    headers: &[(&'static str, String)],
) -> Result<Socket, SyncError> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| SyncError::Bad(e.to_string()))?;
    for (name, value) in headers {
        request.headers_mut().insert(
            *name,
            value
                .parse()
                .map_err(|_| SyncError::Bad(format!("a bad {name} header")))?,
        );
    }
    let mut config = pin.client_config();
    config.alpn_protocols.clear();
    let connector = tokio_tungstenite::Connector::Rustls(Arc::new(config));
    let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(tungstenite::protocol::WebSocketConfig::default()),
        true,
        Some(connector),
    )
    .await
    .map_err(|e| match (pin.mismatch(), e) {
        (Some(wrong), _) => wrong,
        (None, tungstenite::Error::Http(reply)) => crate::refusal(
            reply.status().as_u16(),
            reply.body().as_deref().unwrap_or_default(),
        ),
        (None, e) => SyncError::Unreachable {
            url: url.to_string(),
            why: e.to_string(),
        },
    })?;
    Ok(ws)
}

/// A socket as a samod transport.
pub(crate) fn transport(ws: Socket) -> samod::Transport {
    let (sink, stream) = ws.split();
    let stream = stream.filter_map(|m| async move {
        match m {
            Ok(Message::Binary(b)) => Some(Ok(b.to_vec())),
            Ok(Message::Close(_)) => None,
            Ok(_) => None,
            Err(e) => Some(Err(WsError(e.to_string()))),
        }
    });
    let sink = sink
        .sink_map_err(|e| WsError(e.to_string()))
        .with(|b: Vec<u8>| async move { Ok::<_, WsError>(Message::Binary(b.into())) });
    samod::Transport::new(Box::pin(stream), Box::pin(sink))
}
