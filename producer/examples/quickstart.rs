//! Sends a few keyed records and prints where they landed.
//!
//! ```text
//! tests/interop/kafka.sh start single
//! KWIRE_BOOTSTRAP=127.0.0.1:19092 cargo run -p kwire-producer --example quickstart
//! ```

use std::time::Duration;

use kwire_producer::{Producer, ProducerConfig, ProducerRecord};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bootstrap =
        std::env::var("KWIRE_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:19092".to_string());
    let producer = Producer::new(
        ProducerConfig::builder()
            .bootstrap_servers(bootstrap)
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .build()?,
    )?;
    let mut pending = Vec::new();
    for i in 0..10 {
        let record = ProducerRecord::new("quickstart", format!("hello {i}"))
            .with_key(format!("user-{}", i % 3))
            .with_header("source", "example");
        pending.push(producer.enqueue(record).await?);
    }
    for d in pending {
        let md = d.await?;
        println!("{}-{} @ {}", md.topic, md.partition, md.offset);
    }
    println!("{:?}", producer.metrics());
    producer.close(Duration::from_secs(10)).await?;
    Ok(())
}
