//! Produces over SASL_SSL with SCRAM-SHA-256 to kwire-mock's secured listener: the mock
//! generates a CA at start, the producer trusts it through `ssl.ca.location` and logs in with
//! a user the mock knows.
//!
//! ```text
//! cargo run -p kwire-producer --example secured
//! ```
//!
//! Against real or hosted Kafka, set the same `security.protocol`, `sasl.*` and `ssl.*`
//! configs with their values (Kafka's names; see the crate's README).

use std::time::Duration;

use kwire_mock::{MockCluster, SecurityProtocol};
use kwire_producer::{Producer, ProducerConfig, ProducerRecord};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockCluster::builder()
        .brokers(3)
        .topic("secured", 3, 3)
        .security_protocol(SecurityProtocol::SaslSsl)
        .sasl_user("alice", "alice-secret")
        .start()
        .await?;
    let ca = mock
        .ca_location()
        .expect("a generated CA")
        .display()
        .to_string();
    println!("bootstrap {} (SASL_SSL), CA {ca}", mock.bootstrap());

    let producer = Producer::new(
        ProducerConfig::builder()
            .bootstrap_servers(mock.bootstrap())
            .set("security.protocol", "SASL_SSL")
            .set("sasl.mechanism", "SCRAM-SHA-256")
            .set("sasl.username", "alice")
            .set("sasl.password", "alice-secret")
            .set("ssl.ca.location", &ca)
            .set("acks", "all")
            .build()?,
    )?;
    let mut pending = Vec::new();
    for i in 0..100 {
        let record = ProducerRecord::new("secured", format!("value {i}")).with_key(format!("k{i}"));
        pending.push(producer.enqueue(record).await?);
    }
    for d in pending {
        d.await?;
    }
    producer.close(Duration::from_secs(10)).await?;

    let state = mock.state();
    let topic = state
        .topics
        .iter()
        .find(|t| t.name == "secured")
        .expect("topic");
    let committed: i64 = topic.partitions.iter().map(|p| p.high_watermark).sum();
    println!(
        "100 records acknowledged over SASL_SSL; the mock's high watermarks sum to {committed}"
    );
    assert_eq!(committed, 100);
    mock.shutdown().await;
    Ok(())
}
