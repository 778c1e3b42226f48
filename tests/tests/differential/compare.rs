//! Field-by-field comparison of two decoded answers through their pretty `Debug` form: every
//! field of every kwire-protocol message is in it, one per line, nested by `{`, `[` and `(`. Both
//! texts are read back into trees and walked together, so that every differing field is found
//! with its path (e.g. `topics[0].partitions[2].leader_epoch`), not only the first.

/// One field that differs.
#[derive(Debug, PartialEq)]
pub struct Difference {
    /// Where, e.g. `responses[0].partitions[0].error_code`.
    pub path: String,
    /// Kafka's value (the opening line for a nested value, `(absent)` when missing).
    pub kafka: String,
    /// The mock's value.
    pub mock: String,
}

/// Every field in which `kafka` and `mock` (pretty `Debug` text of the same type) differ, in
/// order; empty when they are equal.
pub fn differences(kafka: &str, mock: &str) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(&parse(kafka), &parse(mock), "", &mut out);
    out
}

/// A value: its own line (a leaf value, or the opening of a nested one) and its children.
#[derive(Default)]
struct Node {
    head: String,
    children: Vec<(String, Node)>,
    list: bool,
}

fn parse(text: &str) -> Node {
    let mut stack = vec![Node::default()];
    for line in text.lines().map(str::trim) {
        if line.starts_with(['}', ']', ')']) {
            if stack.len() > 1 {
                let done = stack.pop().expect("open node");
                let parent = stack.last_mut().expect("parent");
                if let Some(last) = parent.children.last_mut() {
                    last.1 = done;
                }
            }
            continue;
        }
        let parent = stack.last_mut().expect("root");
        let (key, value) = match field(line) {
            Some((name, value)) => (name.to_owned(), value),
            None if parent.list => (format!("[{}]", parent.children.len()), line),
            None => (String::new(), line),
        };
        let head = value.trim_end_matches(',').to_owned();
        if value.ends_with(['{', '[', '(']) {
            parent.children.push((key, Node::default()));
            stack.push(Node {
                list: value.ends_with('['),
                head,
                children: Vec::new(),
            });
        } else {
            parent.children.push((
                key,
                Node {
                    head,
                    ..Node::default()
                },
            ));
        }
    }
    stack.swap_remove(0)
}

fn walk(k: &Node, m: &Node, path: &str, out: &mut Vec<Difference>) {
    if k.head != m.head {
        out.push(Difference {
            path: or_whole(path),
            kafka: k.head.clone(),
            mock: m.head.clone(),
        });
        return;
    }
    let n = k.children.len().max(m.children.len());
    for i in 0..n {
        match (k.children.get(i), m.children.get(i)) {
            (Some((kk, kn)), Some((mk, mn))) if kk == mk => walk(kn, mn, &join(path, kk), out),
            (kc, mc) => {
                let key = kc.or(mc).map(|(key, _)| key.as_str()).unwrap_or_default();
                out.push(Difference {
                    path: or_whole(&join(path, key)),
                    kafka: kc.map_or("(absent)".into(), |(_, n)| n.head.clone()),
                    mock: mc.map_or("(absent)".into(), |(_, n)| n.head.clone()),
                });
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() || key.is_empty() || key.starts_with('[') {
        format!("{path}{key}")
    } else {
        format!("{path}.{key}")
    }
}

fn or_whole(path: &str) -> String {
    if path.is_empty() {
        "(whole answer)".into()
    } else {
        path.to_owned()
    }
}

/// The name and value of a `name: value` line.
fn field(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(": ")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::differences;

    #[allow(dead_code)] // read through Debug only
    #[derive(Debug, Clone)]
    struct P {
        index: i32,
        replicas: Vec<i32>,
    }
    #[allow(dead_code)] // read through Debug only
    #[derive(Debug, Clone)]
    struct T {
        name: Option<String>,
        partitions: Vec<P>,
        epoch: i32,
    }

    fn paths(a: &T, b: &T) -> Vec<String> {
        differences(&format!("{a:#?}"), &format!("{b:#?}"))
            .into_iter()
            .map(|d| d.path)
            .collect()
    }

    #[test]
    fn names_every_differing_field() {
        let t = T {
            name: Some("t".into()),
            partitions: vec![
                P {
                    index: 0,
                    replicas: vec![1, 2],
                },
                P {
                    index: 1,
                    replicas: vec![1, 2],
                },
            ],
            epoch: 0,
        };
        assert!(paths(&t, &t).is_empty());
        let mut o = t.clone();
        o.partitions[1].replicas[1] = 3;
        o.epoch = 1;
        assert_eq!(paths(&t, &o), ["partitions[1].replicas[1]", "epoch"]);
        let mut o = t.clone();
        o.name = None;
        assert_eq!(paths(&t, &o), ["name"]);
        let mut o = t.clone();
        o.partitions.pop();
        let d = differences(&format!("{t:#?}"), &format!("{o:#?}"));
        assert_eq!(d[0].path, "partitions[1]");
        assert_eq!(d[0].mock, "(absent)");
    }
}
