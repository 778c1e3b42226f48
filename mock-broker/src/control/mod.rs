//! Driving a running cluster: the [`Controller`] handle, one JSON vocabulary of [`Action`]s
//! shared by the Rust API ([`Controller::apply`]), scenario files ([`scenario`]) and the
//! HTTP/JSON control endpoint ([`http`]), and the [`State`] snapshot they report.
//!
//! ```json
//! {"action": "broker_down", "broker": 2}
//! {"action": "move_leader", "topic": "t", "partition": 0, "to": 3}
//! {"action": "inject", "api": "produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": 3}
//! ```

mod action;
mod controller;
mod group_state;
pub mod http;
pub(crate) mod records;
pub mod scenario;
mod state;
pub mod view;

pub use action::{Action, Applied, ControlError, NameOrCode};
pub use controller::Controller;
pub use group_state::{CommittedOffset, GroupMemberState, GroupState};
pub use records::{
    BatchRecords, DEFAULT_RECORDS_LIMIT, HeaderEntry, MAX_RECORDS_LIMIT, Payload, RecordEntry,
    Records, RecordsError,
};
pub use state::{
    BrokerState, ConfigEntry, ConfigSynonym, ExpiryState, InjectionState, PartitionState,
    SecurityState, State, TopicState,
};
