//! # kwire-auth
//!
//! Authentication for Kafka connections, without IO:
//!
//! * [`sasl`]: client and server state machines for PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and
//!   OAUTHBEARER (with unsecured-JWT validation as Kafka's). They are stepped with the bytes
//!   of SaslAuthenticate requests and responses and take the current time as an argument.
//! * [`tls`]: rustls client and server configurations built from Kafka's `ssl.*` config names,
//!   and a CA generated at start for listeners without certificates of their own.
//! * [`Secret`]: passwords and tokens, redacted in `Debug`.
//! * [`SecurityProtocol`]: Kafka's `security.protocol`.
//!
//! ```
//! use std::time::SystemTime;
//! use kwire_auth::Secret;
//! use kwire_auth::sasl::{ClientStep, Mechanism, SaslClient, SaslServer, SaslServerConfig, ServerStep};
//!
//! let mut config = SaslServerConfig::default();
//! config.users.add_user("alice", Secret::new("alice-secret"), 4096).unwrap();
//!
//! let mut client = SaslClient::with_password(Mechanism::ScramSha256, "alice", Secret::new("alice-secret")).unwrap();
//! let mut server = SaslServer::start(&config, client.mechanism().name()).unwrap();
//! let mut to_server = client.initial_response().unwrap();
//! let principal = loop {
//!     match server.step(&config, &to_server, SystemTime::now()).unwrap() {
//!         ServerStep::Challenge(bytes) => match client.step(&bytes).unwrap() {
//!             ClientStep::Respond(bytes) => to_server = bytes,
//!             other => panic!("{other:?}"),
//!         },
//!         ServerStep::Authenticated(done) => {
//!             assert_eq!(client.step(&done.response).unwrap(), ClientStep::Done);
//!             break done.principal;
//!         }
//!     }
//! };
//! assert_eq!(principal, "alice");
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod protocol;
pub mod sasl;
mod secret;
pub mod tls;

pub use protocol::{SecurityProtocol, UnknownSecurityProtocol};
pub use secret::Secret;
