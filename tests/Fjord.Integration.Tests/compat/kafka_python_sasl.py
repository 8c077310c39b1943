"""kafka-python over SASL_PLAINTEXT with PLAIN: produce COUNT records to TOPIC and read them back.

Prints one JSON line: {"consumed": N} on success, or {"error": "<exception class>"} and exits 1.
Usage: kafka_python_sasl.py BOOTSTRAP TOPIC USER PASSWORD COUNT
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, user, password, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
security = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
                sasl_plain_username=user, sasl_plain_password=password)
try:
    producer = KafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=10000, max_block_ms=10000, **security)
    for i in range(count):
        producer.send(topic, value=("value-%d" % i).encode()).get(timeout=10)
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=10000, **security)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    values = [m.value.decode() for _, m in zip(range(count), consumer)]
    consumer.close()
    print(json.dumps({"consumed": len(values), "last": values[-1] if values else None}))
except Exception as e:  # the test reads the class name of whatever the client raised
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
    sys.exit(1)
