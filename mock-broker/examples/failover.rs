//! Embeds a three-broker kwire-mock in a program, stalls the followers of a partition, kills its
//! leader and shows the failover: a new leader from the ISR with a new epoch, and the old leader
//! rejoining the ISR once it is back.
//!
//! ```text
//! cargo run -p kwire-mock --example failover
//! ```
//!
//! In a test the same calls run inside `#[tokio::test] async fn ...` (see the crate's README).

use std::time::Duration;

use kwire_mock::{FollowerLag, MockCluster};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockCluster::builder()
        .brokers(3)
        .topic("orders", 1, 3)
        .start()
        .await?;
    println!("bootstrap: {}", mock.bootstrap());
    let partition = |mock: &MockCluster| {
        let state = mock.state();
        let topic = state.topics.into_iter().find(|t| t.name == "orders");
        topic.expect("orders exists").partitions.remove(0)
    };

    let before = partition(&mock);
    let leader = before.leader.expect("a leader");
    println!(
        "before: leader {leader} epoch {} isr {:?}",
        before.leader_epoch, before.isr
    );

    // Followers stop copying (a client's acks=1 writes now live on the leader only) ...
    mock.set_lag(None, None, Some(FollowerLag::Stalled))?;
    // ... and the leader dies: a clean election among the rest of the ISR.
    mock.broker_down(leader);
    let after = partition(&mock);
    println!(
        "leader {leader} down: leader {:?} epoch {} isr {:?}",
        after.leader, after.leader_epoch, after.isr
    );
    assert_ne!(after.leader, Some(leader));
    assert_eq!(after.leader_epoch, before.leader_epoch + 1);

    // Followers copy again; the old leader comes back, truncates what the new leader lacks and
    // rejoins the ISR once it has caught up.
    mock.set_lag(None, None, None)?;
    mock.broker_up(leader);
    for _ in 0..100 {
        if partition(&mock).isr.contains(&leader) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let back = partition(&mock);
    println!("leader {leader} up: isr {:?}", back.isr);
    assert!(back.isr.contains(&leader));
    mock.shutdown().await;
    Ok(())
}
