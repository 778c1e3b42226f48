//! Answers to parked JoinGroup and SyncGroup calls. A parked call holds a [`Ticket`]; the
//! coordinator files the answer under it when the group gets there, and the caller collects it.

use std::collections::{HashMap, HashSet};

use super::classic::{JoinResponse, SyncResponse};

/// Names one parked JoinGroup or SyncGroup call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub(crate) u64);

/// An answer filed for a ticket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Join(JoinResponse),
    Sync(SyncResponse),
}

/// Tickets handed out and the answers not yet collected.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    next: u64,
    ready: HashMap<Ticket, Reply>,
    /// Tickets whose caller went away: their answers are dropped when filed.
    abandoned: HashSet<Ticket>,
}

impl Outbox {
    /// A fresh ticket.
    pub(crate) fn ticket(&mut self) -> Ticket {
        self.next += 1;
        Ticket(self.next)
    }

    /// Files the answer for `ticket`.
    pub(crate) fn file(&mut self, ticket: Ticket, reply: Reply) {
        if !self.abandoned.remove(&ticket) {
            self.ready.insert(ticket, reply);
        }
    }

    /// Takes the answer for `ticket`, if filed.
    pub(crate) fn take(&mut self, ticket: Ticket) -> Option<Reply> {
        self.ready.remove(&ticket)
    }

    /// The caller of `ticket` no longer waits: drop its answer now or when filed.
    pub(crate) fn abandon(&mut self, ticket: Ticket) {
        if self.ready.remove(&ticket).is_none() {
            self.abandoned.insert(ticket);
        }
    }
}
