//! Scenario files: a timeline of [`Action`]s, each at a time in milliseconds from when the
//! scenario starts (the cluster's start for `kwire-mock --scenario`, the request for
//! `POST /scenario`).
//!
//! ```json
//! [
//!   {"at_ms": 2000, "action": "move_leader", "topic": "orders", "partition": 0},
//!   {"at_ms": 4000, "action": "broker_down", "broker": 2, "note": "optional comment"},
//!   {"at_ms": 6000, "action": "broker_up", "broker": 2}
//! ]
//! ```
//!
//! `{"steps": [...]}` is accepted too. Steps run in time order (ties in file order).

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::{Action, Applied, ControlError, Controller};

/// One timed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// When, in ms from the scenario's start.
    pub at_ms: u64,
    /// What.
    pub action: Action,
}

/// A timeline of actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    /// The steps, in time order.
    pub steps: Vec<Step>,
}

/// Why a scenario could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not JSON, or not a list of steps.
    #[error("bad scenario: {0}")]
    Json(String),
    /// A step is malformed.
    #[error("step {index}: {message}")]
    Step {
        /// Its index in the file.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

impl Scenario {
    /// Parses a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ScenarioError::Json(e.to_string()))?;
        let list = match v {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(mut o) => match o.remove("steps") {
                Some(serde_json::Value::Array(a)) if o.is_empty() => a,
                _ => {
                    return Err(ScenarioError::Json(
                        "expected a list of steps or {\"steps\": [...]}".into(),
                    ));
                }
            },
            _ => return Err(ScenarioError::Json("expected a list of steps".into())),
        };
        let mut steps = Vec::with_capacity(list.len());
        for (index, item) in list.into_iter().enumerate() {
            let serde_json::Value::Object(mut o) = item else {
                return Err(ScenarioError::Step {
                    index,
                    message: "not an object".into(),
                });
            };
            let at_ms = match o.remove("at_ms") {
                Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                    n.as_u64().unwrap_or(0)
                }
                _ => {
                    return Err(ScenarioError::Step {
                        index,
                        message: "needs \"at_ms\": a non-negative integer".into(),
                    });
                }
            };
            o.remove("note");
            let action: Action =
                serde_json::from_value(serde_json::Value::Object(o)).map_err(|e| {
                    ScenarioError::Step {
                        index,
                        message: e.to_string(),
                    }
                })?;
            steps.push(Step { at_ms, action });
        }
        steps.sort_by_key(|s| s.at_ms);
        Ok(Scenario { steps })
    }

    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Scenario::from_json(&text)
    }
}

/// What one step did.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Scheduled time.
    pub at_ms: u64,
    /// Model time when it was applied.
    pub applied_at_ms: u64,
    /// The action's name.
    pub action: &'static str,
    /// The result, or why it failed.
    pub result: Result<Applied, String>,
}

/// Runs a scenario on a cluster, starting now: each step is applied at `start + at_ms`
/// (model milliseconds). A failing step is logged and reported; the rest still run.
pub async fn run(controller: Controller, scenario: Scenario) -> Vec<StepReport> {
    let start = controller.now_ms();
    let mut reports = Vec::with_capacity(scenario.steps.len());
    for step in scenario.steps {
        let due = start.saturating_add(step.at_ms);
        let now = controller.now_ms();
        if due > now {
            tokio::time::sleep(Duration::from_millis(due - now)).await;
        }
        let result = controller.apply(&step.action);
        if let Err(e) = &result {
            tracing::warn!(at_ms = step.at_ms, error = %e, "scenario step failed");
        }
        reports.push(StepReport {
            at_ms: step.at_ms,
            applied_at_ms: controller.now_ms().saturating_sub(start),
            action: step.action.name(),
            result: result.map_err(|e: ControlError| e.to_string()),
        });
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_sort() {
        let s = Scenario::from_json(
            r#"[
              {"at_ms": 3000, "action": "broker_up", "broker": 2},
              {"at_ms": 1000, "action": "broker_down", "broker": 2, "note": "kill it"},
              {"at_ms": 2000, "action": "inject", "api": "produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": 2}
            ]"#,
        )
        .unwrap();
        let times: Vec<u64> = s.steps.iter().map(|s| s.at_ms).collect();
        assert_eq!(times, [1000, 2000, 3000]);
        assert_eq!(s.steps[0].action, Action::BrokerDown { broker: 2 });
        let wrapped = Scenario::from_json(r#"{"steps": []}"#).unwrap();
        assert!(wrapped.steps.is_empty());
    }

    #[test]
    fn bad_steps_say_where() {
        let e = Scenario::from_json(r#"[{"at_ms": 1, "action": "broker_down"}]"#).unwrap_err();
        assert!(matches!(e, ScenarioError::Step { index: 0, .. }), "{e}");
        let e = Scenario::from_json(r#"[{"action": "clear_injections"}]"#).unwrap_err();
        assert!(e.to_string().contains("at_ms"), "{e}");
        assert!(Scenario::from_json("{").is_err());
    }
}
