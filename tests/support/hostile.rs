//! A hostile HTTP server of the tests' own, on loopback: it records every connection and
//! every request's headers, and answers as each test tells it (a file, a redirect, a stall
//! after the headers, a hang-up). One request per connection (`Connection: close`), so that
//! what reaches it can be counted exactly.
#![allow(dead_code)] // each test crate uses a different part of this

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request as it arrived: its path and headers (names in lower case).
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
pub enum Reply {
    /// A status, headers and a body (`Content-Length` added).
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers announcing `len` bytes, then `bytes`, then nothing more: the connection is
    /// held open until the test ends.
    Stall { len: u64, bytes: Vec<u8> },
}

impl Reply {
    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::Full(status, vec![("Location".into(), location.into())], Vec::new())
    }

    /// `data` as a file: all of it, or from `Range: bytes=N-` (206).
    pub fn file(req: &Request, data: &[u8]) -> Reply {
        let len = data.len();
        let from = req
            .header("range")
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.parse::<usize>().ok());
        match from {
            Some(n) if n < len => Reply::Full(
                206,
                vec![
                    ("Content-Range".into(), format!("bytes {n}-{}/{len}", len - 1)),
                    ("Accept-Ranges".into(), "bytes".into()),
                ],
                data[n..].to_vec(),
            ),
            _ => Reply::Full(200, vec![("Accept-Ranges".into(), "bytes".into())], data.to_vec()),
        }
    }

    /// A JSON body.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::Full(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            value.to_string().into_bytes(),
        )
    }
}

pub struct Server {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Listens on 127.0.0.1 (a port of its own) and answers each request with `handler`.
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let (count, seen) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (handler, seen) = (handler.clone(), seen.clone());
                tokio::spawn(async move { serve(socket, &*handler, &seen).await });
            }
        });
        Server {
            addr,
            connections,
            requests,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far (a TLS hello counts, though it is no request).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    handler: &(dyn Fn(&Request) -> Reply + Send + Sync),
    seen: &Mutex<Vec<Request>>,
) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        // Not HTTP (a TLS hello): hang up.
        if !head[0].is_ascii_uppercase() || head.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("").to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let request = Request { path, headers };
    seen.lock().unwrap().push(request.clone());
    let reason = |status: u16| match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        _ => "Whatever",
    };
    match handler(&request) {
        Reply::Full(status, headers, body) => {
            let mut out = format!("HTTP/1.1 {status} {}\r\nConnection: close\r\n", reason(status));
            for (n, v) in headers {
                out.push_str(&format!("{n}: {v}\r\n"));
            }
            out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let _ = socket.write_all(out.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
        Reply::Stall { len, bytes } => {
            let out = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nAccept-Ranges: bytes\r\nContent-Length: {len}\r\n\r\n"
            );
            let _ = socket.write_all(out.as_bytes()).await;
            let _ = socket.write_all(&bytes).await;
            let _ = socket.flush().await;
            // Nothing more, and no close: the client has to notice by itself.
            std::future::pending::<()>().await;
        }
    }
}
