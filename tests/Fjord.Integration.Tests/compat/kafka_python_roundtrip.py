"""kafka-python 2.0.2 against Fjord: admin creates a topic, the producer's future.get()
returns topic/partition/offset, a manually assigned consumer reads everything back.
Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC COUNT. Prints one JSON line; exits non-zero on failure."""
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

admin = KafkaAdminClient(bootstrap_servers=[bootstrap])
admin.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1)])
described = admin.describe_topics([topic]) if hasattr(admin, "describe_topics") else None
admin.close()

# The seed example from the README, unchanged but for the address.
producer = KafkaProducer(bootstrap_servers=[bootstrap], value_serializer=lambda x: str(x).encode('utf-8'))
first = producer.send(topic, b'some message').get(timeout=10)
metas = [producer.send(topic, key=str(i).encode(), value=i).get(timeout=10) for i in range(count - 1)]
producer.flush()
producer.close()

consumer = KafkaConsumer(bootstrap_servers=[bootstrap], auto_offset_reset='earliest',
                         enable_auto_commit=False, consumer_timeout_ms=10000)
partitions = [TopicPartition(topic, p) for p in range(3)]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
seen = []
for message in consumer:
    seen.append((message.partition, message.offset, message.value.decode()))
    if len(seen) == count:
        break
consumer.close()

print(json.dumps({
    "first": {"topic": first.topic, "partition": first.partition, "offset": first.offset},
    "produced": 1 + len(metas),
    "partitions_used": sorted({m.partition for m in metas + [first]}),
    "consumed": len(seen),
    "values": sorted(v for _, _, v in seen),
}))
