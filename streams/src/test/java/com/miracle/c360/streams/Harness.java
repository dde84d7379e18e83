package com.miracle.c360.streams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import tools.jackson.databind.JsonNode;

/** The topology in a {@link TopologyTestDriver} with the contract's topics, state kept in a given directory. */
final class Harness implements AutoCloseable {
  final Topics topics = new Topics(Topics.DEFAULT_PREFIX);
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> events;
  final TestInputTopic<String, String> customers;
  final TestInputTopic<String, String> campaigns;
  final TestOutputTopic<String, JsonNode> kpis;
  final TestOutputTopic<String, JsonNode> alerts;
  final TestOutputTopic<byte[], JsonNode> deadLetters;

  Harness(Path stateDir) {
    AppConfig config = AppConfig.load(null, Map.of("C360_STREAMS_STATE_DIR", stateDir.toString()));
    Properties props = config.streams();
    props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "c360-streams-test");
    driver =
        new TopologyTestDriver(
            C360Topology.build(topics, config.dedupRetention(), props), props, Instant.parse("2026-12-04T12:00:00Z"));
    StringSerializer text = new StringSerializer();
    events = driver.createInputTopic(topics.events(), new ByteArraySerializer(), new ByteArraySerializer());
    customers = driver.createInputTopic(topics.customers(), text, text);
    campaigns = driver.createInputTopic(topics.campaigns(), text, text);
    kpis = driver.createOutputTopic(topics.kpis(), new StringDeserializer(), Json.serde().deserializer());
    alerts = driver.createOutputTopic(topics.alerts(), new StringDeserializer(), Json.serde().deserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(), Json.serde().deserializer());
  }

  /** Pipes a vector's customers and campaigns into their compacted topics. */
  void load(JsonNode vector) {
    for (JsonNode customer : vector.get("customers")) {
      customers.pipeInput(customer.get("customer_key").asString(), new String(Json.bytes(customer), StandardCharsets.UTF_8));
    }
    for (JsonNode campaign : vector.get("campaigns")) {
      campaigns.pipeInput(campaign.get("campaign_id").stringValue(), new String(Json.bytes(campaign), StandardCharsets.UTF_8));
    }
  }

  /** Sends one event as a producer would: keyed by customer key, else source key; a string goes as raw bytes. */
  void send(JsonNode event) {
    if (event.isString()) {
      events.pipeInput(null, event.stringValue().getBytes(StandardCharsets.UTF_8));
      return;
    }
    JsonNode customer = event.get("customer_key");
    JsonNode source = event.get("source_key");
    String key = null;
    if (customer != null && !customer.isNull()) {
      key = customer.asString();
    } else if (source != null && !source.isNull()) {
      key = source.asString();
    }
    events.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), Json.bytes(event));
  }

  /** The last record written for each KPI key so far. */
  Map<String, JsonNode> latestKpis() {
    Map<String, JsonNode> latest = new LinkedHashMap<>();
    for (KeyValue<String, JsonNode> record : kpis.readKeyValuesToList()) {
      latest.put(record.key, record.value);
    }
    return latest;
  }

  @Override
  public void close() {
    driver.close();
  }
}
