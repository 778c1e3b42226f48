//! Connection-level faults: what a broker's connections do to their responses (delay, hold,
//! drop after an append), set per broker or for every broker.

use std::collections::BTreeMap;

use crate::cluster::BrokerId;

/// Connection-level faults, per broker (id 0 = every broker).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionFaults {
    /// Extra delay before every response, in milliseconds.
    pub latency_ms: u64,
    /// Close the connection after the next N Produce requests were appended, without answering
    /// (the client must retry; idempotence must deduplicate).
    pub drop_after_append: u32,
    /// Hold every response until this is cleared.
    pub stall: bool,
}

/// The faults set per broker; key 0 holds the ones for every broker.
#[derive(Debug, Default)]
pub(crate) struct FaultTable(BTreeMap<BrokerId, ConnectionFaults>);

impl FaultTable {
    /// The faults a broker's connections apply: its own merged over the cluster-wide ones.
    pub(crate) fn effective(&self, broker: BrokerId) -> ConnectionFaults {
        if self.0.is_empty() {
            return ConnectionFaults::default();
        }
        let all = self.0.get(&0).cloned().unwrap_or_default();
        let own = self.0.get(&broker).cloned().unwrap_or_default();
        ConnectionFaults {
            latency_ms: all.latency_ms.max(own.latency_ms),
            drop_after_append: own.drop_after_append.max(all.drop_after_append),
            stall: all.stall || own.stall,
        }
    }

    /// Consumes one "drop after append" of a broker (its own first, then the cluster-wide
    /// one); true if the connection must close.
    pub(crate) fn take_drop_after_append(&mut self, broker: BrokerId) -> bool {
        for key in [broker, 0] {
            if let Some(c) = self.0.get_mut(&key)
                && c.drop_after_append > 0
            {
                c.drop_after_append -= 1;
                return true;
            }
        }
        false
    }

    /// Replaces what was set for `broker` (0 = every broker); the default clears it.
    pub(crate) fn set(&mut self, broker: BrokerId, faults: ConnectionFaults) {
        if faults == ConnectionFaults::default() {
            self.0.remove(&broker);
        } else {
            self.0.insert(broker, faults);
        }
    }

    /// What is set, per broker (0 = every broker).
    pub(crate) fn all(&self) -> &BTreeMap<BrokerId, ConnectionFaults> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_faults_merge_over_cluster_wide_ones_and_drops_count_down() {
        let mut t = FaultTable::default();
        t.set(
            0,
            ConnectionFaults {
                latency_ms: 10,
                drop_after_append: 1,
                stall: false,
            },
        );
        t.set(
            2,
            ConnectionFaults {
                latency_ms: 50,
                stall: true,
                ..Default::default()
            },
        );
        let f = t.effective(2);
        assert_eq!((f.latency_ms, f.drop_after_append, f.stall), (50, 1, true));
        assert_eq!(t.effective(1).latency_ms, 10);
        assert!(t.take_drop_after_append(2));
        assert!(!t.take_drop_after_append(1));
        t.set(0, ConnectionFaults::default());
        t.set(2, ConnectionFaults::default());
        assert!(t.all().is_empty());
    }
}
