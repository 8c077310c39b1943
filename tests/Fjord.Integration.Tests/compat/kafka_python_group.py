"""kafka-python 2.0.2 consumer groups against Fjord.
  seed BOOTSTRAP TOPIC COUNT        the README seed: producer writes COUNT records, group 'my-group' reads them all
  member BOOTSTRAP TOPIC GROUP SECS join GROUP, print the assignment as JSON lines whenever it changes, for SECS seconds
Prints JSON lines; exits non-zero on failure."""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer

mode, bootstrap, topic = sys.argv[1], sys.argv[2], sys.argv[3]

if mode == "seed":
    count = int(sys.argv[4])
    producer = KafkaProducer(bootstrap_servers=[bootstrap], value_serializer=lambda x: str(x).encode('utf-8'))
    for i in range(count):
        producer.send(topic, i).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(topic, group_id='my-group', bootstrap_servers=[bootstrap],
                             auto_offset_reset='earliest', consumer_timeout_ms=15000)
    values = []
    for message in consumer:
        values.append(int(message.value.decode()))
        if len(values) == count:
            break
    consumer.commit()
    consumer.close()
    print(json.dumps({"consumed": len(values), "distinct": len(set(values))}))
elif mode == "member":
    import signal
    stopping = []
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    group, seconds = sys.argv[4], float(sys.argv[5])
    consumer = KafkaConsumer(topic, group_id=group, bootstrap_servers=[bootstrap],
                             session_timeout_ms=6000, heartbeat_interval_ms=500)
    last = None
    deadline = time.time() + seconds
    while time.time() < deadline and not stopping:
        consumer.poll(timeout_ms=200)
        current = sorted(tp.partition for tp in consumer.assignment())
        if current != last:
            print(json.dumps({"assignment": current}), flush=True)
            last = current
    consumer.close()
else:
    sys.exit("unknown mode " + mode)
