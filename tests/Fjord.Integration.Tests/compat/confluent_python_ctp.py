"""A consume-transform-produce job with confluent-kafka-python (Debian's python3-confluent-kafka on librdkafka 2.0.x).

Arguments: BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID EXPECTED BATCH PACE_SECONDS. Reads INPUT in group GROUP
(read_committed, no auto commit), and for every polled batch of at most BATCH records writes "out-<value>" to OUTPUT
and the consumer's positions in one transaction of TRANSACTIONAL_ID, then sleeps PACE_SECONDS. Runs until every partition reached EXPECTED
records of input, then exits 0. Errors follow the client's contract: an abortable error aborts and rewinds the
consumer to its committed offsets; a retriable commit is retried; a fatal error exits 3 (the test starts a new job).

Prints one line per event, flushed, for the test to follow: `ready`, `committed <n> <total>`, `aborted <reason>`,
`done <total>`.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, input_topic, output_topic, group, transactional_id, expected = sys.argv[1:7]
expected = int(expected)
batch = int(sys.argv[7])
pace_s = float(sys.argv[8])


def say(line):
    print(line, flush=True)


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
    "session.timeout.ms": 10000,
})
producer = Producer({
    "bootstrap.servers": bootstrap,
    "transactional.id": transactional_id,
    "transaction.timeout.ms": 30000,
    "linger.ms": 5,
})
producer.init_transactions(60)
consumer.subscribe([input_topic])
say("ready")


def rewind():
    """After an abort: back to the group's committed offsets (the start when none)."""
    assignment = consumer.assignment()
    if not assignment:
        return
    for tp in consumer.committed(assignment, timeout=30):
        consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))


def end_offsets_reached():
    committed = consumer.committed([TopicPartition(input_topic, p) for p in partitions], timeout=30)
    return sum(max(tp.offset, 0) for tp in committed) >= expected


metadata = consumer.list_topics(input_topic, timeout=30)
partitions = sorted(metadata.topics[input_topic].partitions)
total = 0
while True:
    messages = [m for m in consumer.consume(num_messages=batch, timeout=1.0) if m.error() is None]
    if not messages:
        if end_offsets_reached():
            break
        continue
    try:
        producer.begin_transaction()
        for m in messages:
            producer.produce(output_topic, key=m.key(), value=b"out-" + m.value())
        positions = consumer.position(consumer.assignment())
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 60)
        for attempt in range(3):
            try:
                producer.commit_transaction(60)
                break
            except KafkaException as e:
                if e.args[0].retriable() and attempt < 2:
                    continue
                raise
        total += len(messages)
        say(f"committed {len(messages)} {total}")
    except KafkaException as e:
        error = e.args[0]
        if error.fatal():
            say(f"fatal {error}")
            sys.exit(3)
        say(f"aborted {error}")
        try:
            producer.abort_transaction(60)
        except KafkaException as abort_error:
            say(f"fatal abort failed: {abort_error.args[0]}")
            sys.exit(3)
        rewind()
    if pace_s:
        time.sleep(pace_s)

say(f"done {total}")
consumer.close()
