"""Which broker version kafka-python 2.0.2 infers from our ApiVersions (decides the message
format and request versions it hard-codes). Usage: kafka_python_probe.py BOOTSTRAP"""
import sys

from kafka import KafkaClient

client = KafkaClient(bootstrap_servers=[sys.argv[1]])
print(".".join(str(p) for p in client.check_version()))
client.close()
