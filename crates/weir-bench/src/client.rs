//! A lean, signed HTTP/1.1 client for `POST /` AWS JSON calls over one keep-alive connection.
//!
//! Two transports, chosen with `--client`: `raw` writes each request with one
//! `write_all` and parses the response with `httparse` from a reused buffer;
//! `hyper` uses `hyper::client::conn::http1`. Either reconnects when the server
//! closes the connection (moto's server may answer `Connection: close`).
//! A [`Client`] belongs to one task: it owns its connection, signer and buffers.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use weir_test_support::sign::{Signer, CONTENT_TYPE};

pub const TARGET_PREFIX: &str = "KinesisAnalytics_20180523.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// Hand-written HTTP/1.1 over a TcpStream (one write, one parse per call).
    Raw,
    /// hyper 1 `client::conn::http1`.
    Hyper,
}

pub struct Client {
    addr: SocketAddr,
    transport: Transport,
    signer: Signer,
    conn: Option<Conn>,
    /// Connections opened so far (keep-alive working means one per client).
    pub connects: u64,
    /// `X-Amz-Target` is this prefix followed by the operation.
    prefix: &'static str,
    target: String,
    request: Vec<u8>,
    body: Vec<u8>,
}

enum Conn {
    Raw(RawConn),
    Hyper(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
}

impl Client {
    pub fn new(addr: SocketAddr, transport: Transport, signer: Signer) -> Client {
        Client {
            addr,
            transport,
            signer,
            conn: None,
            connects: 0,
            prefix: TARGET_PREFIX,
            target: String::with_capacity(64),
            request: Vec::with_capacity(1024),
            body: Vec::with_capacity(8192),
        }
    }

    /// Sends `<prefix><Operation>` targets instead of Kinesis Analytics ones
    /// (e.g. `Logs_20140328.` for the CloudWatch Logs API on the same endpoint).
    pub fn with_target_prefix(mut self, prefix: &'static str) -> Client {
        self.prefix = prefix;
        self
    }

    /// Calls `operation` (e.g. `DescribeApplication`) with a JSON body; returns the
    /// HTTP status and the response body. An `Err` is a transport failure; the
    /// next call reconnects.
    pub async fn call(&mut self, operation: &str, json: &[u8]) -> Result<(u16, &[u8])> {
        let target = &mut self.target;
        target.clear();
        target.push_str(self.prefix);
        target.push_str(operation);
        if self.conn.is_none() {
            self.conn = Some(self.connect().await?);
            self.connects += 1;
        }
        let signed = self.signer.sign(SystemTime::now(), &self.target, json);
        let result = match self.conn.as_mut().expect("connected above") {
            Conn::Raw(raw) => {
                let r = &mut self.request;
                r.clear();
                r.extend_from_slice(b"POST / HTTP/1.1\r\nHost: ");
                r.extend_from_slice(signed.host.as_bytes());
                r.extend_from_slice(b"\r\nContent-Type: ");
                r.extend_from_slice(CONTENT_TYPE.as_bytes());
                r.extend_from_slice(b"\r\nX-Amz-Target: ");
                r.extend_from_slice(self.target.as_bytes());
                r.extend_from_slice(b"\r\nX-Amz-Date: ");
                r.extend_from_slice(signed.amz_date.as_bytes());
                r.extend_from_slice(b"\r\nAuthorization: ");
                r.extend_from_slice(signed.authorization.as_bytes());
                r.extend_from_slice(b"\r\nContent-Length: ");
                write!(r, "{}", json.len())?;
                r.extend_from_slice(b"\r\n\r\n");
                r.extend_from_slice(json);
                raw.round_trip(&self.request, &mut self.body).await
            }
            Conn::Hyper(sender) => {
                let request = http::Request::post("/")
                    .header(http::header::HOST, signed.host)
                    .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
                    .header("x-amz-target", self.target.as_str())
                    .header("x-amz-date", signed.amz_date)
                    .header(http::header::AUTHORIZATION, signed.authorization)
                    .header(http::header::CONTENT_LENGTH, json.len())
                    .body(Full::new(Bytes::copy_from_slice(json)))
                    .context("building request")?;
                hyper_round_trip(sender, request, &mut self.body).await
            }
        };
        match result {
            Ok((status, keep_alive)) => {
                if !keep_alive {
                    self.conn = None;
                }
                Ok((status, &self.body))
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    async fn connect(&self) -> Result<Conn> {
        let stream = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connecting to {}", self.addr))?;
        stream.set_nodelay(true)?;
        Ok(match self.transport {
            Transport::Raw => Conn::Raw(RawConn::new(stream)),
            Transport::Hyper => {
                let (sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                Conn::Hyper(sender)
            }
        })
    }
}

async fn hyper_round_trip(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    request: http::Request<Full<Bytes>>,
    body: &mut Vec<u8>,
) -> Result<(u16, bool)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let collected = response.into_body().collect().await?.to_bytes();
    body.clear();
    body.extend_from_slice(&collected);
    // hyper closes the sender itself when the server asked to close.
    Ok((status, !sender.is_closed()))
}

/// One HTTP/1.1 connection; `buf[start..filled]` holds bytes read but not yet consumed.
struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    filled: usize,
}

/// Where the response's body ends.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

impl RawConn {
    fn new(stream: TcpStream) -> RawConn {
        RawConn {
            stream,
            buf: vec![0; 16 * 1024],
            start: 0,
            filled: 0,
        }
    }

    /// Sends `request`, reads one response into `body`; returns (status, keep-alive).
    async fn round_trip(&mut self, request: &[u8], body: &mut Vec<u8>) -> Result<(u16, bool)> {
        self.stream.write_all(request).await?;
        let (status, framing, mut keep_alive) = loop {
            if let Some(head) = self.parse_head()? {
                break head;
            }
            if self.fill().await? == 0 {
                bail!("connection closed before the response head");
            }
        };
        body.clear();
        match framing {
            Framing::Length(n) => {
                while self.filled - self.start < n {
                    if self.fill().await? == 0 {
                        bail!("connection closed inside the response body");
                    }
                }
                body.extend_from_slice(&self.buf[self.start..self.start + n]);
                self.start += n;
            }
            Framing::Chunked => self.read_chunked(body).await?,
            Framing::UntilClose => {
                loop {
                    body.extend_from_slice(&self.buf[self.start..self.filled]);
                    self.start = self.filled;
                    if self.fill().await? == 0 {
                        break;
                    }
                }
                keep_alive = false;
            }
        }
        Ok((status, keep_alive))
    }

    /// Parses a complete response head at `start`, consuming it.
    fn parse_head(&mut self) -> Result<Option<(u16, Framing, bool)>> {
        let mut headers = [httparse::EMPTY_HEADER; 48];
        let mut response = httparse::Response::new(&mut headers);
        let n = match response.parse(&self.buf[self.start..self.filled])? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => return Ok(None),
        };
        let status = response.code.unwrap_or(0);
        let mut keep_alive = response.version == Some(1);
        let mut framing = Framing::UntilClose;
        for h in response.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                let v = std::str::from_utf8(h.value)?.trim();
                framing = Framing::Length(v.parse().context("Content-Length")?);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                if h.value.eq_ignore_ascii_case(b"chunked") {
                    framing = Framing::Chunked;
                }
            } else if h.name.eq_ignore_ascii_case("connection") {
                if h.value.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if h.value.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
        if status == 204 || status == 304 || (100..200).contains(&status) {
            framing = Framing::Length(0);
        }
        self.start += n;
        Ok(Some((status, framing, keep_alive)))
    }

    async fn read_chunked(&mut self, body: &mut Vec<u8>) -> Result<()> {
        loop {
            let line = self.read_line().await?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).context("chunk size")?;
            if size == 0 {
                // Trailers, then the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(());
            }
            while self.filled - self.start < size + 2 {
                if self.fill().await? == 0 {
                    bail!("connection closed inside a chunk");
                }
            }
            body.extend_from_slice(&self.buf[self.start..self.start + size]);
            self.start += size + 2;
        }
    }

    async fn read_line(&mut self) -> Result<String> {
        loop {
            let pending = &self.buf[self.start..self.filled];
            if let Some(i) = pending.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&pending[..i]).into_owned();
                self.start += i + 2;
                return Ok(line);
            }
            if self.fill().await? == 0 {
                bail!("connection closed inside chunked framing");
            }
        }
    }

    /// Reads more bytes after `filled`, compacting or growing the buffer first.
    async fn fill(&mut self) -> Result<usize> {
        if self.start == self.filled {
            self.start = 0;
            self.filled = 0;
        } else if self.filled == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.filled, 0);
                self.filled -= self.start;
                self.start = 0;
            } else {
                let len = self.buf.len();
                self.buf.resize(len * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.filled..]).await?;
        self.filled += n;
        Ok(n)
    }
}
