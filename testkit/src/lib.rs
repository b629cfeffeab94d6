//! Real protocol peers for Roster's tests. [`DnsFixture`] is a small authoritative DNS server on a
//! loopback UDP socket: it answers TXT queries from records the test sets, so domain verification
//! is tested through the DNS protocol itself.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// Where the fixture reads its TXT records from.
#[derive(Clone)]
pub enum Records {
    /// Set by the test in the same process.
    Memory(Arc<Mutex<HashMap<String, Vec<String>>>>),
    /// One file per host name, one TXT value per line: other processes (Playwright) write them.
    Dir(PathBuf),
}

impl Records {
    /// The TXT values of `host`, or None when the name does not exist.
    async fn lookup(&self, host: &str) -> Option<Vec<String>> {
        match self {
            Records::Memory(map) => map
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(host)
                .cloned(),
            Records::Dir(dir) => {
                // Host names are checked before they become paths: no separators, no "..".
                if host.contains('/') || host.starts_with('.') {
                    return None;
                }
                let text = tokio::fs::read_to_string(dir.join(host)).await.ok()?;
                Some(text.lines().map(str::to_owned).collect())
            }
        }
    }
}

/// A DNS server on loopback answering from [`Records`]; stops when dropped.
pub struct DnsFixture {
    addr: SocketAddr,
    records: Records,
    task: JoinHandle<()>,
}

impl DnsFixture {
    /// Listens on a free loopback port, with records the test sets by [`DnsFixture::set_txt`].
    pub async fn start() -> io::Result<Self> {
        Self::serve(
            "127.0.0.1:0".parse().expect("a socket address"),
            Records::Memory(Arc::default()),
        )
        .await
    }

    pub async fn serve(listen: SocketAddr, records: Records) -> io::Result<Self> {
        let socket = UdpSocket::bind(listen).await?;
        let addr = socket.local_addr()?;
        let task = tokio::spawn(answer_queries(socket, records.clone()));
        Ok(DnsFixture {
            addr,
            records,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes `host` answer these TXT values (replacing any it had).
    pub fn set_txt(&self, host: &str, values: &[&str]) {
        if let Records::Memory(map) = &self.records {
            map.lock().unwrap_or_else(PoisonError::into_inner).insert(
                host_key(host),
                values.iter().map(|v| (*v).to_owned()).collect(),
            );
        }
    }

    /// Makes `host` a name that does not exist.
    pub fn remove(&self, host: &str) {
        if let Records::Memory(map) = &self.records {
            map.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&host_key(host));
        }
    }

    /// Serves until the process ends (the stand-alone binary).
    pub async fn run_forever(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for DnsFixture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn host_key(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

async fn answer_queries(socket: UdpSocket, records: Records) {
    let mut buffer = [0u8; 4096];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        if let Some(reply) = reply_to(&query, &records).await {
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}

async fn reply_to(query: &Message, records: &Records) -> Option<Vec<u8>> {
    let question = query.queries().first()?.clone();
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_authoritative(true)
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .add_query(question.clone());
    match records.lookup(&host_key(&question.name().to_ascii())).await {
        None => {
            reply.set_response_code(ResponseCode::NXDomain);
        }
        Some(values) if question.query_type() == RecordType::TXT => {
            for value in values {
                reply.add_answer(Record::from_rdata(
                    question.name().clone(),
                    1,
                    RData::TXT(TXT::new(vec![value])),
                ));
            }
        }
        // The name exists without records of the asked type: an empty NOERROR answer.
        Some(_) => {}
    }
    reply.to_vec().ok()
}
