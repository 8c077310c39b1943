// kafkajs 2.2.4 transactions against Fjord: a transactional producer (idempotent, one request in flight) commits one
// transaction over two partitions, aborts a second, commits a third; then a consume-transform-produce loop commits
// output with its input offsets (sendOffsets) and aborts the next batch. A read_committed kafkajs consumer reads the
// topics back. Usage: node transactions.js BOOTSTRAP TOPIC INPUT OUTPUT GROUP
// Prints one JSON line: {"topic": [values], "output": [values], "committedOffset": "N"}; exits non-zero on failure.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, input, output, group] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'fjord-kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.WARN, retry: { retries: 8 } })

async function inTransaction (producer, messages, commit, offsets) {
  const transaction = await producer.transaction()
  try {
    await transaction.send({ topic: messages.topic, messages: messages.records })
    if (offsets) await transaction.sendOffsets(offsets)
  } catch (e) {
    await transaction.abort()
    throw e
  }
  if (commit) await transaction.commit()
  else await transaction.abort()
}

// Reads every partition of the topics from the beginning in a fresh group until `expected` records came, then waits
// two seconds more so an extra (aborted) record would show.
async function readAll (topics, expected, isolation) {
  const consumer = kafka.consumer({ groupId: `fjord-kafkajs-reader-${Date.now()}-${Math.random()}`, readUncommitted: isolation === 'read_uncommitted' })
  await consumer.connect()
  for (const t of topics) await consumer.subscribe({ topic: t, fromBeginning: true })
  const seen = []
  await consumer.run({ eachMessage: async ({ topic: t, partition, message }) => { seen.push({ topic: t, partition, offset: message.offset, value: message.value.toString() }) } })
  const deadline = Date.now() + 60000
  while (seen.length < expected && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  await new Promise(resolve => setTimeout(resolve, 2000))
  await consumer.disconnect()
  return seen
}

function records (prefix, count, partitions) {
  return Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${prefix}-${i}`, partition: i % partitions }))
}

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }, { topic: input, numPartitions: 1 }, { topic: output, numPartitions: 1 }] })

  const producer = kafka.producer({ idempotent: true, transactionalId: `fjord-kafkajs-${topic}`, maxInFlightRequests: 1 })
  await producer.connect()
  await inTransaction(producer, { topic, records: records('first', 20, 2) }, true)
  await inTransaction(producer, { topic, records: records('aborted', 20, 2) }, false)
  await inTransaction(producer, { topic, records: records('second', 20, 2) }, true)

  // Consume-transform-produce: the group reads the input, the output and the group's offsets go in one transaction.
  const plain = kafka.producer()
  await plain.connect()
  await plain.send({ topic: input, messages: records('in', 20, 1) })
  await plain.disconnect()
  const source = kafka.consumer({ groupId: group })
  await source.connect()
  await source.subscribe({ topic: input, fromBeginning: true })
  const consumed = []
  await source.run({ autoCommit: false, eachMessage: async ({ message }) => { consumed.push({ offset: Number(message.offset), value: message.value.toString() }) } })
  const deadline = Date.now() + 60000
  while (consumed.length < 20 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  await source.disconnect()
  if (consumed.length !== 20) throw new Error(`consumed ${consumed.length} of 20 input records`)
  for (const [batch, commit] of [[consumed.slice(0, 10), true], [consumed.slice(10, 20), false]]) {
    const transformed = batch.map(r => ({ key: 'k', value: r.value.replace('in-', 'out-'), partition: 0 }))
    const next = String(batch[batch.length - 1].offset + 1)
    await inTransaction(producer, { topic: output, records: transformed }, commit,
      { consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: next }] }] })
  }
  await producer.disconnect()

  const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] })
  await admin.disconnect()
  const committedOffset = offsets[0].partitions.find(p => p.partition === 0).offset

  const read = await readAll([topic, output], 50, 'read_committed')
  const values = t => read.filter(r => r.topic === t).sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset)).map(r => r.value)
  console.log(JSON.stringify({ topic: values(topic), output: values(output), committedOffset }))
}

main().catch(e => { console.error(e && e.stack ? e.stack : e); process.exit(1) })
