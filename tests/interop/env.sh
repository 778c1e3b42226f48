#!/usr/bin/env bash
# Print `export ...` lines for the Kafka started by kafka.sh, for the Rust interop tests:
#   eval "$(tests/interop/env.sh)"
#   KWIRE_KAFKA_BOOTSTRAP          single node, 127.0.0.1:19092          (when running)
#   KWIRE_KAFKA_CLUSTER_BOOTSTRAP  three brokers, 127.0.0.1:29092,29093,29094 (when running)
#   KWIRE_KAFKA_SINGLE_VERSION / KWIRE_KAFKA_CLUSTER_VERSION   the broker versions
#   KWIRE_INTEROP_KAFKA_SH         this folder's kafka.sh (kill-broker / start-broker / leader)
#   KWIRE_INTEROP_CLIENT           clients/run.sh (run a real client driver)
#   KWIRE_INTEROP_WORK, KWIRE_KAFKA_PORT_OFFSET   which instance (for kafka.sh calls from tests)
# Exits 1 (printing nothing) when no Kafka is running.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka.sh" env
