"""The protocol features librdkafka enables against one broker (from its debug=feature,broker log; "feature" alone does not log the final set).

Usage: features.py BOOTSTRAP   -> one JSON line: {"bootstrap": ..., "features": [...]}

librdkafka derives each feature from the API versions the broker advertises (LZ4 needs
FindCoordinator, the balanced consumer needs the group APIs, ...); the last "Updated enabled
protocol features to ..." line of a broker connection is the set it ended up with.
"""
import json
import logging
import sys

from confluent_kafka import Producer

PREFIX = "Updated enabled protocol features to "


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.features = None

    def emit(self, record):
        msg = record.getMessage()
        at = msg.find(PREFIX)
        if at >= 0:
            self.features = msg[at + len(PREFIX):].strip().split(",")


def main():
    bootstrap = sys.argv[1]
    collect = Collect()
    log = logging.getLogger("librdkafka")
    log.setLevel(logging.DEBUG)
    log.addHandler(collect)
    p = Producer({"bootstrap.servers": bootstrap, "debug": "feature,broker", "logger": log,
                  "socket.timeout.ms": 10000, "message.timeout.ms": 10000})
    # a produce makes the client talk to a partition leader past the bootstrap exchange
    p.produce("kwire-features-probe", b"x")
    p.flush(10)
    p.poll(0.2)
    print(json.dumps({"bootstrap": bootstrap, "features": sorted(collect.features or [])}))
    return 0 if collect.features else 1


if __name__ == "__main__":
    sys.exit(main())
